package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/state"
)

// servicesPane is the start view: one row per service.
type servicesPane struct {
	c *common
	list
	rows      []*state.Service
	dirty     bool
	sortSet   bool                  // the default sort (worst first) is in place
	seen      map[string]serviceSig // each service as last seen, to mark what changed
	gen       uint64
	changedAt map[string]rowChange
	drawn     int // the last view's length, the next one's likely length
}

// serviceSig is what makes a service row change in a way worth marking:
// its worst finding and its counts.
type serviceSig struct {
	worst   state.Code
	reg, up int
	unread  bool   // a source was not read yet: its first read is no change
	gen     uint64 // the observation that saw it last
}

// rowChange is when a row appeared or changed, and which.
type rowChange struct {
	at    time.Time
	isNew bool
}

// changeMarkFor is how long a new or changed row stays marked.
const changeMarkFor = 5 * time.Second

func newServicesPane(c *common) servicesPane {
	return servicesPane{c: c, list: newList(), dirty: true, changedAt: map[string]rowChange{}}
}

// worstColumn is the index of WORST among the columns for these sockets.
func worstColumn(sockets []string) int {
	for i, col := range servicesColumns(sockets, 0, 0) {
		if col.Title == "WORST" {
			return i
		}
	}
	return 0
}

// observe notes which services are new or changed in a new joined view;
// the first view marks nothing (everything is new to the user then). It
// runs on every frame, so it updates one map in place.
func (p *servicesPane) observe(v *state.View) {
	if v == nil {
		return
	}
	first := p.seen == nil
	if first {
		p.seen = make(map[string]serviceSig, len(v.Services))
	}
	p.gen++
	now := p.c.now()
	unread := p.c.regNeverRead() || len(p.c.haps) > 0 && len(p.c.socketsRead()) == 0
	for i := range v.Services {
		s := &v.Services[i]
		sig := serviceSig{s.Summary.Worst, s.Summary.Registered, s.Summary.Up, unread, p.gen}
		old, ok := p.seen[s.Name]
		p.seen[s.Name] = sig
		switch {
		case first, ok && old.unread:
		case !ok:
			p.changedAt[s.Name] = rowChange{at: now, isNew: true}
		case old.worst != sig.worst || old.reg != sig.reg || old.up != sig.up:
			p.changedAt[s.Name] = rowChange{at: now}
		}
	}
	for name, sig := range p.seen {
		if sig.gen != p.gen {
			delete(p.seen, name) // gone from the view
		}
	}
	for name, ch := range p.changedAt {
		if now.Sub(ch.at) >= changeMarkFor {
			delete(p.changedAt, name)
		}
	}
}

// changeFlag is the gutter mark of a row that is new (+) or changed (~)
// in the last few seconds; 0 for none.
func (p *servicesPane) changeFlag(name string) byte {
	ch, ok := p.changedAt[name]
	if !ok || p.c.now().Sub(ch.at) >= changeMarkFor {
		return 0
	}
	if ch.isNew {
		return '+'
	}
	return '~'
}

func (p *servicesPane) keyAt(i int) string { return p.rows[i].Name }
func (p *servicesPane) lst() *list         { return &p.list }
func (p *servicesPane) setDirty()          { p.dirty = true }
func (p *servicesPane) rowsTop() int       { return 1 }

// update handles the list keys and the mouse wheel.
func (p *servicesPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if _, resort := listKeys(p.c, &p.list, msg, p.keyAt, len(servicesColumns(p.c.socketLabels(), 0, 0)), true); resort {
			p.dirty = true
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
	}
	return nil
}

// servicesColumns depends on the sockets: with several, one UP column each.
// The REG and UP columns are as wide as their widest figure (regWidth,
// upWidth), so a count is never cut ("10000", "3 +3dup").
func servicesColumns(sockets []string, regWidth, upWidth int) []column {
	cols := []column{
		{Title: "SERVICE", Width: 12, Flex: true, Max: 32},
		{Title: "REG", Width: max(4, regWidth), Right: true},
		{Title: "UP", Width: max(4, upWidth), Right: true},
	}
	if len(sockets) > 1 {
		for _, s := range sockets {
			cols = append(cols, column{Title: "UP@" + s, Width: max(len(s)+3, 5), Right: true, Prio: 3})
		}
	}
	cols = append(cols,
		column{Title: "WORST", Width: 18, Prio: 1, Flex: true},
		column{Title: "SESS", Width: 6, Right: true, Prio: 2},
		column{Title: "REQ/S", Width: 6, Right: true, Prio: 2},
		column{Title: "TREND", Width: 12, Prio: 4},
		column{Title: "5XX/S", Width: 6, Right: true, Prio: 3},
	)
	return cols
}

func (p *servicesPane) sortKey(col int, s *state.Service) sortKey {
	c := p.c
	socks := c.socketLabels()
	base := 3
	if len(socks) > 1 {
		if col >= base && col < base+len(socks) {
			return sortKey{n: float64(s.Summary.UpBySocket[socks[col-base]])}
		}
		if col >= base+len(socks) {
			col -= len(socks)
		}
	}
	switch col {
	case 0:
		return sortKey{s: s.Name}
	case 1:
		return sortKey{n: float64(s.Summary.Registered)}
	case 2:
		return sortKey{n: float64(s.Summary.Up)}
	case 3:
		return sortKey{n: float64(severity(s.Summary.Worst)), tie: s.Name}
	case 4:
		return sortKey{n: float64(s.Summary.SCur)}
	case 5, 6:
		return sortKey{n: float64(s.Summary.ReqRate)}
	case 7:
		return sortKey{n: c.hist.rate5xx(s.Name)}
	}
	return sortKey{s: s.Name}
}

// rebuild recomputes the filtered, sorted rows when the data changed.
func (p *servicesPane) rebuild() {
	if !p.dirty {
		return
	}
	c := p.c
	p.dirty = false
	p.rows = p.rows[:0]
	if c.joined != nil {
		for i := range c.joined.Services {
			s := &c.joined.Services[i]
			if p.filter.matchAny(s.Name, string(s.Summary.Worst)) {
				p.rows = append(p.rows, s)
			}
		}
	}
	if !p.sortSet {
		// Problems first: worst finding first, then by name.
		p.sort, p.desc, p.sortSet = worstColumn(c.socketLabels()), true, true
	}
	if p.sort >= 0 {
		p.rows = sortedBy(p.rows, p.desc, func(sv *state.Service) sortKey { return p.sortKey(p.sort, sv) })
	}
	p.reselect(len(p.rows), p.keyAt)
}

func (p *servicesPane) selected() *state.Service {
	if p.cursor < len(p.rows) && p.n > 0 {
		return p.rows[p.cursor]
	}
	return nil
}

func (p *servicesPane) view(w, h int) string {
	c := p.c
	socks := c.socketLabels()
	regW, upW := 0, 0
	for _, s := range p.rows {
		w := digits(s.Summary.Registered)
		if s.Summary.Duplicates > 0 {
			w += len(" +dup") + digits(s.Summary.Duplicates)
		}
		regW, upW = max(regW, w), max(upW, digits(s.Summary.Up))
	}
	cols := servicesColumns(socks, regW, upW)
	widths := layoutColumns(cols, w)
	var b strings.Builder
	b.Grow(p.drawn)
	defer func() { p.drawn = b.Len() }()
	b.WriteString(renderHeader(&c.st, cols, widths, p.sort, p.desc))
	b.WriteByte('\n')
	if len(p.rows) == 0 {
		if ps := c.problems(); len(ps) > 0 && p.filter.text == "" {
			// Nothing to list: say why, and what to do, on the first screen.
			b.WriteString(c.st.Muted.Render("  no services, because:"))
			b.WriteByte('\n')
			b.WriteString(strings.Join(c.problemLines(ps, w), "\n"))
			return b.String()
		}
		b.WriteString(c.st.Muted.Render(c.emptyText(&p.list, "no services: the registry has none and HAProxy has no backends")))
		return b.String()
	}
	noHAProxy := len(c.haps) == 0 // registry-only: no figure is 0, none is known
	read := c.socketsRead()       // before a socket's first read its figures are unknown, not 0
	anyRead := len(read) > 0
	unknown := cell{s: "?", st: &c.st.Muted}
	from, to := p.visible()
	cells := make([]cell, len(cols))
	for i := from; i < to; i++ {
		s := p.rows[i]
		k := 0
		put := func(c cell) { cells[k] = c; k++ }
		put(cell{s: s.Name})
		expect := s.Summary.Registered
		if c.reg == nil {
			put(cell{s: "-", st: &c.st.Muted}) // HAProxy-only mode: nothing is registered anywhere
			expect = len(s.Instances)
		} else {
			put(cell{s: s.Summary.RegText()})
		}
		upSt := &c.st.OK
		if s.Summary.Up < expect || expect == 0 {
			upSt = &c.st.Bad
		}
		switch {
		case noHAProxy:
			put(cell{s: "-", st: &c.st.Muted})
		case !anyRead:
			put(unknown)
		default:
			put(cell{s: fmt.Sprint(s.Summary.Up), st: upSt})
		}
		if len(socks) > 1 {
			for _, l := range socks {
				if read[l] {
					put(cell{s: fmt.Sprint(s.Summary.UpBySocket[l])})
				} else {
					put(unknown)
				}
			}
		}
		if c.notReadYet(s.Summary.Worst, anyRead) {
			t := "not read yet"
			if widths[k] > 30 {
				t += ": " + c.notReadWhy(anyRead)
			}
			put(cell{s: t, st: &c.st.Muted})
		} else {
			put(cell{s: worstText(s, widths[k] > 30), st: c.codeStyle(s.Summary.Worst)})
		}
		switch {
		case noHAProxy:
			for range 4 {
				put(cell{s: "-", st: &c.st.Muted})
			}
		case !anyRead:
			put(unknown)
			put(unknown)
			put(cell{})
			put(unknown)
		default:
			if s.Summary.TrafficStale { // the last good read's figures: marked, never shown as current
				put(cell{s: "~" + human(s.Summary.SCur), st: &c.st.Muted})
				put(cell{s: "~" + human(s.Summary.ReqRate), st: &c.st.Muted})
			} else {
				put(cell{s: human(s.Summary.SCur)})
				put(cell{s: human(s.Summary.ReqRate)})
			}
			put(cell{s: sparkline(c.hist.trend(s.Name), 12), st: &c.st.Muted})
			r5 := c.hist.rate5xx(s.Name)
			var r5s *lipStyle
			if r5 > 0 {
				r5s = &c.st.Bad
			}
			put(cell{s: fmt.Sprintf("%.1f", r5), st: r5s})
		}
		b.WriteString(renderRowFlag(&c.st, cols, widths, cells, i == p.cursor, p.marks[s.Name], p.changeFlag(s.Name), w))
		b.WriteByte('\n')
	}
	return b.String()
}

// worstText is the service's worst code and, when there is room, the
// sentence that explains it (the service's own finding, else the first
// instance with that code).
func worstText(s *state.Service, long bool) string {
	code := string(s.Summary.Worst)
	if !long || s.Summary.Worst == state.CodeOK || s.Summary.Worst == "" {
		return code
	}
	for _, d := range s.Diagnoses {
		if d.Code == s.Summary.Worst {
			return code + ": " + d.Text
		}
	}
	for i := range s.Instances {
		for _, d := range s.Instances[i].Diagnoses {
			if d.Code == s.Summary.Worst {
				return code + ": " + instName(&s.Instances[i]) + ": " + d.Text
			}
		}
	}
	return code
}

// digits is the width of n in decimal.
func digits(n int) int {
	w := 1
	if n < 0 {
		w, n = 2, -n
	}
	for ; n >= 10; n /= 10 {
		w++
	}
	return w
}
