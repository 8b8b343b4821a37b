package ui

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// detailFooterLines is the space under the instance table: a rule, the
// selected row's diagnosis in two lines, and the keys that act on it.
const detailFooterLines = 4

// detailPane is one service's instances, joined.
type detailPane struct {
	c *common
	list
	service string
	rows    []*state.Instance
	svc     *state.Service
	dirty   bool
}

func newDetailPane(c *common) detailPane { return detailPane{c: c, list: newList(), dirty: true} }

func (p *detailPane) keyAt(i int) string { return p.rows[i].Key }
func (p *detailPane) lst() *list         { return &p.list }
func (p *detailPane) setDirty()          { p.dirty = true }
func (p *detailPane) rowsTop() int       { return 1 }

// open shows a service, resetting cursor, filter and marks when it changes.
func (p *detailPane) open(name string) {
	if p.service != name {
		*p = newDetailPane(p.c)
		p.service = name
	}
	p.dirty = true
}

// update handles the list keys and the mouse wheel.
func (p *detailPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if _, resort := listKeys(p.c, &p.list, msg, p.keyAt, len(detailColumns), true); resort {
			p.dirty = true
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
	}
	return nil
}

var detailColumns = []column{
	{Title: "INSTANCE", Width: 14, Flex: true, Max: 36},
	{Title: "HOST:PORT", Width: 21, Prio: 1},
	{Title: "AGE", Width: 5, Right: true, Prio: 4},
	{Title: "RW", Width: 3, Right: true, Prio: 6},
	{Title: "LABELS", Width: 12, Prio: 7},
	{Title: "STATUS", Width: 10},
	{Title: "CHECK", Width: 7, Prio: 2},
	{Title: "W", Width: 4, Right: true, Prio: 3},
	{Title: "SESS", Width: 5, Right: true, Prio: 3},
	{Title: "RATE", Width: 5, Right: true, Prio: 5},
	{Title: "LASTCHG", Width: 7, Right: true, Prio: 5},
	{Title: "DIAGNOSIS", Width: 18, Prio: 1, Flex: true},
}

// instName is the instance's registered name, or its server name.
func instName(in *state.Instance) string {
	if in.Registration != nil && in.Registration.Name != "" {
		return in.Registration.Name
	}
	if in.Registration == nil {
		return in.Server + " (not registered)"
	}
	return in.Server
}

func instAddr(in *state.Instance) string {
	if in.Registration != nil {
		return in.Registration.Addr()
	}
	for _, s := range in.HAProxy {
		if s.Row != nil && s.Row.Addr() != "" {
			return s.Row.Addr()
		}
	}
	return ""
}

// firstRow is the first socket's row for the instance, or nil.
func firstRow(in *state.Instance) (int, *state.Seen) {
	for i := range in.HAProxy {
		if in.HAProxy[i].Row != nil {
			return i, &in.HAProxy[i]
		}
	}
	return -1, nil
}

// statusText is the HAProxy status per socket, "-" where a socket lacks
// the server: "UP", or "UP/DOWN" with two sockets.
func statusText(in *state.Instance) string {
	if len(in.HAProxy) == 0 {
		return "-"
	}
	parts := make([]string, len(in.HAProxy))
	for i, s := range in.HAProxy {
		if s.Row == nil {
			parts[i] = "-"
		} else {
			parts[i] = s.Row.Status()
		}
	}
	return strings.Join(parts, "/")
}

func labelsText(in *state.Instance) string {
	if in.Registration == nil || len(in.Registration.Labels) == 0 {
		return ""
	}
	keys := make([]string, 0, len(in.Registration.Labels))
	for k := range in.Registration.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + in.Registration.Labels[k]
	}
	return strings.Join(keys, ",")
}

func (p *detailPane) sortKey(col int, in *state.Instance) sortKey {
	_, r := firstRow(in)
	switch col {
	case 0:
		return sortKey{s: instName(in)}
	case 1:
		return sortKey{s: instAddr(in)}
	case 2:
		if in.Registration != nil {
			return sortKey{n: float64(-in.Registration.Ctime.Unix())}
		}
	case 3:
		if in.Registration != nil {
			return sortKey{n: float64(in.Registration.Weight)}
		}
	case 4:
		return sortKey{s: labelsText(in)}
	case 5:
		return sortKey{s: statusText(in)}
	case 11:
		return sortKey{n: float64(severity(in.Worst)), s: string(in.Worst)}
	}
	if r == nil {
		return sortKey{n: -1}
	}
	switch col {
	case 6:
		return sortKey{s: r.Row.CheckStatus()}
	case 7:
		return sortKey{n: float64(r.Row.Weight)}
	case 8:
		return sortKey{n: float64(r.Row.SCur())}
	case 9:
		return sortKey{n: float64(r.Row.Rate())}
	case 10:
		return sortKey{n: r.Row.LastChange().Seconds()}
	}
	return sortKey{}
}

func (p *detailPane) rebuild() {
	if !p.dirty {
		return
	}
	c := p.c
	p.dirty = false
	p.rows = p.rows[:0]
	p.svc = nil
	if c.joined != nil {
		for i := range c.joined.Services {
			if c.joined.Services[i].Name == p.service {
				p.svc = &c.joined.Services[i]
				break
			}
		}
	}
	if p.svc != nil {
		for i := range p.svc.Instances {
			in := &p.svc.Instances[i]
			if !p.filter.active() || p.filter.matchAny(instName(in), instAddr(in), statusText(in), string(in.Worst)) {
				p.rows = append(p.rows, in)
			}
		}
	}
	if p.sort >= 0 {
		p.rows = sortedBy(p.rows, p.desc, func(in *state.Instance) sortKey { return p.sortKey(p.sort, in) })
	}
	p.reselect(len(p.rows), p.keyAt)
}

func (p *detailPane) selected() *state.Instance {
	if p.cursor < len(p.rows) && p.n > 0 {
		return p.rows[p.cursor]
	}
	return nil
}

func (p *detailPane) view(w, h int) string {
	c := p.c
	widths := layoutColumns(detailColumns, w)
	var b strings.Builder
	b.WriteString(renderHeader(&c.st, detailColumns, widths, p.sort, p.desc))
	b.WriteByte('\n')
	lines := 1
	if p.svc == nil {
		b.WriteString(c.st.Muted.Render(fmt.Sprintf("  service %q is not in the registry or HAProxy (any more)", p.service)))
		return b.String()
	}
	if len(p.rows) == 0 {
		b.WriteString(c.st.Muted.Render(c.emptyText(&p.list, c.noInstancesText())))
		b.WriteByte('\n')
		lines++
	}
	anyRead := len(c.socketsRead()) > 0
	from, to := p.visible()
	cells := make([]cell, len(detailColumns))
	now := c.now()
	for i := from; i < to; i++ {
		in := p.rows[i]
		for k := range cells {
			cells[k] = cell{}
		}
		cells[0] = cell{s: instName(in)}
		if name := c.maintName(in); name != "" {
			cells[0] = cell{s: name}
		}
		cells[1] = cell{s: instAddr(in)}
		if r := in.Registration; r != nil {
			if !r.Ctime.IsZero() {
				cells[2] = cell{s: age(now.Sub(r.Ctime))}
			}
			if r.HasWeight {
				cells[3] = cell{s: fmt.Sprint(r.Weight)}
			}
		}
		cells[4] = cell{s: labelsText(in), st: &c.st.Muted}
		st := &c.st.Muted
		if si, fr := firstRow(in); fr != nil {
			st = c.statusStyle(fr.Row.StatusWord())
			cells[6] = cell{s: fr.Row.CheckStatus()}
			cells[7] = cell{s: fmt.Sprint(fr.Row.Weight)}
			// Counters from the newest read of the row (a watched backend's
			// servers are re-read at every poll), state from the joined one.
			now := c.newestSeen(si, fr)
			cells[8], cells[9] = cell{s: human(now.SCur())}, cell{s: human(now.Rate())}
			if now.Preview {
				cells[8], cells[9] = cell{s: notRead}, cell{s: notRead}
			}
			cells[10] = cell{s: age(now.LastChange())}
		}
		cells[5] = cell{s: statusText(in), st: st}
		diag := string(in.Worst)
		if widths[11] > 30 && len(in.Diagnoses) > 0 {
			diag = in.Diagnoses[0].Text
			for _, d := range in.Diagnoses {
				if d.Code == in.Worst && d.Code != state.CodeOK {
					diag = string(d.Code) + ": " + d.Text
					break
				}
			}
		}
		cells[11] = cell{s: diag, st: c.codeStyle(in.Worst)}
		if c.notReadYet(in.Worst, anyRead) {
			diag = "not read yet"
			if widths[11] > 30 {
				diag += ": " + c.notReadWhy(anyRead)
			}
			cells[11] = cell{s: diag, st: &c.st.Muted}
		}
		b.WriteString(renderRow(&c.st, detailColumns, widths, cells, i == p.cursor, p.marks[in.Key], w))
		b.WriteByte('\n')
		lines++
	}
	for ; lines < h-detailFooterLines; lines++ {
		b.WriteByte('\n')
	}
	b.WriteString(c.st.Muted.Render(strings.Repeat("─", w)))
	b.WriteByte('\n')
	diag := wrapLines(p.diagnosisText(), w, detailFooterLines-2)
	b.WriteString(diag)
	for n := strings.Count(diag, "\n") + 1; n < detailFooterLines-2; n++ {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(c.instanceHints(w, p.selected()))
	return b.String()
}

// diagnosisText is the selected row's findings as sentences, or the
// service's own findings when no row is selected.
func (p *detailPane) diagnosisText() string {
	var ds []state.Diagnosis
	if in := p.selected(); in != nil {
		ds = in.Diagnoses
	} else if p.svc != nil {
		ds = p.svc.Diagnoses
	}
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		parts = append(parts, d.Text)
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, " ")
}

// wrapLines word-wraps plain text to width, keeping at most n lines (the
// last one ends in … when text was cut). s is cleaned first, so a line
// break or tab in it is shown, not obeyed.
func wrapLines(s string, width, n int) string {
	words := strings.Fields(termtext.Clean(s))
	var lines []string
	var cur strings.Builder
	for _, wd := range words {
		if cur.Len() > 0 && widthOf(cur.String())+1+widthOf(wd) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(wd)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	if n > 0 && len(lines) > n {
		lines = lines[:n]
		last := lines[n-1]
		if widthOf(last)+1 > width {
			last = fit(last, width-1, false)
		}
		lines[n-1] = last + "…"
	}
	for i, l := range lines {
		lines[i] = fit(l, width, false)
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}
