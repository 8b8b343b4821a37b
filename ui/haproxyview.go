package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/haproxy"
)

// haproxyHeaderLines is the info header above the HAProxy table.
const haproxyHeaderLines = 2

// colSet is one of hatop's column sets.
type colSet int

// hatop's column sets, cycled with `c`.
const (
	setStatus colSet = iota
	setTraffic
	setHTTP
	setErrors
	numSets
)

var setNames = [...]string{"STATUS", "TRAFFIC", "HTTP", "ERRORS"}

// hapRow is one row of one socket's `show stat`.
type hapRow struct {
	sock int
	row  *haproxy.Row
}

// haproxyPane is every frontend, backend and server of every socket,
// grouped per proxy as HAProxy lists them (FRONTEND, servers, BACKEND).
// There is no row cap: the list is virtualised.
type haproxyPane struct {
	c *common
	list
	set   colSet
	rows  []hapRow
	dirty bool
	drawn int // the last view's length, the next one's likely length
}

// current is the newest version of a listed row.
func (p *haproxyPane) current(r hapRow) *haproxy.Row { return p.c.frame.Newest(r.sock, r.row) }

func newHAProxyPane(c *common) haproxyPane { return haproxyPane{c: c, list: newList(), dirty: true} }

func (p *haproxyPane) lst() *list   { return &p.list }
func (p *haproxyPane) setDirty()    { p.dirty = true }
func (p *haproxyPane) rowsTop() int { return 1 + haproxyHeaderLines }

// update handles the list keys, the column sets and the mouse wheel.
func (p *haproxyPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if key.Matches(msg, p.c.keys.Columns) {
			p.set = (p.set + 1) % numSets
			p.sort = -1
			p.dirty = true
			p.c.setStatus("columns: " + setNames[p.set])
			return nil
		}
		if _, resort := listKeys(p.c, &p.list, msg, p.keyAt, len(hapColumns(p.set, len(p.c.haps))), true); resort {
			p.dirty = true
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
	}
	return nil
}

// hapCol is a column with the function that fills it.
type hapCol struct {
	column
	val  func(r *haproxy.Row) string
	sort func(r *haproxy.Row) sortKey
}

// notRead is the cell of a counter a preview row has not read yet.
const notRead = "…"

func n64(f func(r *haproxy.Row) int64) (func(*haproxy.Row) string, func(*haproxy.Row) sortKey) {
	return func(r *haproxy.Row) string {
			if r.Preview {
				return notRead
			}
			return human(f(r))
		}, func(r *haproxy.Row) sortKey {
			return sortKey{n: float64(f(r))}
		}
}

func numCol(title string, w, prio int, f func(r *haproxy.Row) int64) hapCol {
	v, s := n64(f)
	return hapCol{column{Title: title, Width: w, Right: true, Prio: prio}, v, s}
}

// durCol is a column of server durations; known says whether a preview
// row has the value (the last change) or not (the downtime).
func durCol(title string, w, prio int, known bool, f func(r *haproxy.Row) int64) hapCol {
	c := numCol(title, w, prio, f)
	c.val = func(r *haproxy.Row) string {
		switch {
		case r.Type != haproxy.TypeServer:
			return ""
		case r.Preview && !known:
			return notRead
		}
		return ageSecs(f(r))
	}
	return c
}

func ageSecs(s int64) string {
	return age(secs(s))
}

// hapColumns returns the columns of a set; the NAME, W and STATUS columns
// lead every set, as in hatop.
func hapColumns(set colSet, sockets int) []hapCol {
	cols := []hapCol{
		{column{Title: "NAME", Width: 26, Flex: true, Max: 50}, hapName, func(r *haproxy.Row) sortKey { return sortKey{s: r.Name()} }},
	}
	if sockets > 1 {
		cols = append(cols, hapCol{column: column{Title: "SOCKET", Width: 8, Prio: 2}})
	}
	cols = append(cols,
		hapCol{column{Title: "W", Width: 4, Right: true, Prio: 1}, func(r *haproxy.Row) string {
			if r.Type == haproxy.TypeFrontend {
				return ""
			}
			return fmt.Sprint(r.Weight)
		}, func(r *haproxy.Row) sortKey { return sortKey{n: float64(r.Weight)} }},
		hapCol{column{Title: "STATUS", Width: 10}, func(r *haproxy.Row) string { return r.Status() },
			func(r *haproxy.Row) sortKey { return sortKey{s: r.Status()} }},
	)
	switch set {
	case setStatus:
		cols = append(cols,
			hapCol{column{Title: "CHECK", Width: 7, Prio: 1}, func(r *haproxy.Row) string { return r.CheckStatus() },
				func(r *haproxy.Row) sortKey { return sortKey{s: r.CheckStatus()} }},
			numCol("ACT", 3, 4, func(r *haproxy.Row) int64 { return int64(r.Act()) }),
			numCol("BCK", 3, 4, func(r *haproxy.Row) int64 { return int64(r.Bck()) }),
			numCol("QCUR", 5, 3, func(r *haproxy.Row) int64 { return r.QCur() }),
			numCol("QMAX", 5, 3, func(r *haproxy.Row) int64 { return r.QMax() }),
			numCol("SCUR", 6, 1, func(r *haproxy.Row) int64 { return r.SCur() }),
			numCol("SMAX", 6, 3, func(r *haproxy.Row) int64 { return r.SMax() }),
			numCol("SLIM", 6, 3, func(r *haproxy.Row) int64 { return r.SLim() }),
			numCol("STOT", 7, 2, func(r *haproxy.Row) int64 { return r.STot() }),
		)
	case setTraffic:
		cols = append(cols,
			numCol("LBTOT", 7, 2, func(r *haproxy.Row) int64 { return r.LBTot() }),
			numCol("RATE", 5, 1, func(r *haproxy.Row) int64 { return r.Rate() }),
			numCol("RLIM", 5, 3, func(r *haproxy.Row) int64 { return r.RateLim() }),
			numCol("RMAX", 5, 2, func(r *haproxy.Row) int64 { return r.RateMax() }),
			numCol("BIN", 7, 1, func(r *haproxy.Row) int64 { return r.BIn() }),
			numCol("BOUT", 7, 1, func(r *haproxy.Row) int64 { return r.BOut() }),
		)
	case setHTTP:
		cols = append(cols,
			numCol("RATE", 5, 1, func(r *haproxy.Row) int64 { return r.ReqRate() }),
			numCol("RMAX", 5, 3, func(r *haproxy.Row) int64 { return r.ReqRateMax() }),
			numCol("RTOT", 7, 2, func(r *haproxy.Row) int64 { return r.ReqTot() }),
			numCol("1xx", 5, 4, func(r *haproxy.Row) int64 { return r.Hrsp1xx() }),
			numCol("2xx", 6, 2, func(r *haproxy.Row) int64 { return r.Hrsp2xx() }),
			numCol("3xx", 5, 3, func(r *haproxy.Row) int64 { return r.Hrsp3xx() }),
			numCol("4xx", 5, 2, func(r *haproxy.Row) int64 { return r.Hrsp4xx() }),
			numCol("5xx", 5, 1, func(r *haproxy.Row) int64 { return r.Hrsp5xx() }),
			numCol("?xx", 5, 4, func(r *haproxy.Row) int64 { return r.HrspOther() }),
		)
	case setErrors:
		cols = append(cols,
			hapCol{column{Title: "CHECK", Width: 7, Prio: 1}, func(r *haproxy.Row) string { return r.CheckStatus() },
				func(r *haproxy.Row) sortKey { return sortKey{s: r.CheckStatus()} }},
			numCol("CF", 4, 2, func(r *haproxy.Row) int64 { return r.ChkFail() }),
			numCol("CD", 4, 2, func(r *haproxy.Row) int64 { return r.ChkDown() }),
			durCol("CL", 5, 3, true, func(r *haproxy.Row) int64 { return int64(r.LastChange().Seconds()) }),
			numCol("ECONN", 5, 1, func(r *haproxy.Row) int64 { return r.EConn() }),
			numCol("EREQ", 5, 2, func(r *haproxy.Row) int64 { return r.EReq() }),
			numCol("ERSP", 5, 1, func(r *haproxy.Row) int64 { return r.EResp() }),
			numCol("DREQ", 5, 3, func(r *haproxy.Row) int64 { return r.DReq() }),
			numCol("DRSP", 5, 3, func(r *haproxy.Row) int64 { return r.DResp() }),
			durCol("DOWN", 5, 3, false, func(r *haproxy.Row) int64 { return int64(r.Downtime().Seconds()) }),
		)
	}
	return cols
}

// hapName is the NAME cell: "proxy FRONTEND"/"proxy BACKEND" for the
// aggregates, the indented server name for servers.
func hapName(r *haproxy.Row) string {
	if r.Type == haproxy.TypeServer {
		return "  " + r.Name()
	}
	return r.Proxy + " " + r.Name()
}

func (p *haproxyPane) keyAt(i int) string {
	r := p.rows[i]
	return p.c.haps[r.sock].Label + "|" + r.row.Proxy + "/" + r.row.Name()
}

func (p *haproxyPane) rebuild() {
	if !p.dirty {
		return
	}
	c := p.c
	p.dirty = false
	p.rows = p.rows[:0]
	cols := hapColumns(p.set, len(c.haps))
	for si, s := range c.haps {
		if s == nil || s.Stats == nil {
			continue
		}
		rows := s.Stats.Rows
		for i := range rows {
			r := &rows[i]
			if r.Type == haproxy.TypeListener {
				continue
			}
			if p.filter.active() && !p.filter.matchAny(r.Proxy, r.Name(), r.Status(), r.Addr(), s.Label) {
				continue
			}
			p.rows = append(p.rows, hapRow{si, r})
		}
	}
	if p.sort >= 0 && p.sort < len(cols) && cols[p.sort].sort != nil {
		p.sortServers(cols[p.sort].sort)
	}
	p.reselect(len(p.rows), p.keyAt)
}

// sortServers sorts the servers within each run of one proxy's servers,
// leaving the FRONTEND and BACKEND rows where they are, so the grouping
// per proxy survives sorting.
func (p *haproxyPane) sortServers(key func(*haproxy.Row) sortKey) {
	i := 0
	for i < len(p.rows) {
		if !p.rows[i].row.IsServer() {
			i++
			continue
		}
		j := i
		for j < len(p.rows) && p.rows[j].row.IsServer() && p.rows[j].row.Proxy == p.rows[i].row.Proxy && p.rows[j].sock == p.rows[i].sock {
			j++
		}
		run := p.rows[i:j]
		idx := make([]int, len(run))
		for k := range idx {
			idx[k] = k
		}
		sortIndex(idx, p.desc, func(k int) sortKey { return key(run[k].row) })
		sorted := make([]hapRow, len(run))
		for k, x := range idx {
			sorted[k] = run[x]
		}
		copy(run, sorted)
		i = j
	}
}

func (p *haproxyPane) selected() *hapRow {
	if p.cursor < len(p.rows) && p.n > 0 {
		return &p.rows[p.cursor]
	}
	return nil
}

// infoHeader is the version, uptime and gauge lines of the socket of the
// selected row (the first socket when nothing is selected).
func (p *haproxyPane) infoHeader(w int) string {
	c := p.c
	si := 0
	if r := p.selected(); r != nil {
		si = r.sock
	}
	if si >= len(c.haps) || c.haps[si] == nil {
		return "no HAProxy socket configured (registry-only mode)\n"
	}
	s := c.haps[si]
	var l1, l2 string
	if s.Info == nil {
		l1 = fmt.Sprintf("%s %s: no `show info` yet", s.Label, s.Address)
	} else {
		i := s.Info
		l1 = fmt.Sprintf("%s (%s)  HAProxy %s  pid %d  uptime %s  threads %d", s.Label, orDash(string(s.Level)), i.Version, i.PID,
			uptime(i.Uptime.Seconds()), i.Nbthread)
		l2 = fmt.Sprintf("  conns %s %d/%d  pipes %s %d/%d  rate %d/s  idle %d%%", gauge(i.CurrConns, i.MaxConn, 10), i.CurrConns, i.MaxConn,
			gauge(i.PipesUsed, i.MaxPipes, 10), i.PipesUsed, i.MaxPipes, i.ConnRate, i.IdlePct)
	}
	l2 = setNames[p.set] + " columns (c)" + l2
	return fit(l1, w, false) + "\n" + c.st.Muted.Render(fit(l2, w, false))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// uptime is HAProxy's "0d 0h01m06s" form without the seconds: they were
// the only thing on an idle screen that changed every refresh, and each
// changed frame costs a full redraw (about 3 ms at 160x48); a reload still
// shows at once, as a new pid and "0d 0h00m".
func uptime(sec float64) string {
	t := int64(sec)
	return fmt.Sprintf("%dd %dh%02dm", t/86400, t%86400/3600, t%3600/60)
}

// gauge is a ten-cell bar, readable without colour: [###.......].
func gauge(cur, limit int64, width int) string {
	fill := 0
	if limit > 0 {
		fill = int(cur * int64(width) / limit)
		if cur > 0 && fill == 0 {
			fill = 1
		}
	}
	fill = min(max(fill, 0), width)
	return "[" + strings.Repeat("#", fill) + strings.Repeat(".", width-fill) + "]"
}

func (p *haproxyPane) view(w, h int) string {
	c := p.c
	hc := hapColumns(p.set, len(c.haps))
	cols := make([]column, len(hc))
	for i, c := range hc {
		cols[i] = c.column
	}
	widths := layoutColumns(cols, w)
	var b strings.Builder
	b.Grow(p.drawn)
	defer func() { p.drawn = b.Len() }()
	b.WriteString(p.infoHeader(w))
	b.WriteByte('\n')
	b.WriteString(renderHeader(&c.st, cols, widths, p.sort, p.desc))
	b.WriteByte('\n')
	if len(p.rows) == 0 {
		var none string
		switch {
		case len(c.haps) == 0:
			none = "no HAProxy stats socket configured: start stacktui with --haproxy to see one"
		case len(c.socketsRead()) == 0:
			none = "no rows: HAProxy not read yet"
		default:
			none = "no rows: HAProxy has no proxies"
		}
		b.WriteString(c.st.Muted.Render(c.emptyText(&p.list, none)))
		return b.String()
	}
	lines := 2 + haproxyHeaderLines - 1
	from, to := p.visible()
	cells := make([]cell, len(hc))
	for i := from; i < to; i++ {
		r := p.rows[i]
		row := p.current(r)
		for k, col := range hc {
			switch {
			case col.Title == "SOCKET":
				cells[k] = cell{s: c.haps[r.sock].Label}
			case col.val != nil:
				cells[k] = cell{s: col.val(row)}
			}
			if col.Title == "STATUS" {
				cells[k].st = c.statusStyle(row.StatusWord())
			}
		}
		if !row.IsServer() {
			cells[0].st = &c.st.Section
		} else if p.filter.active() {
			// The filter may hide the backend's own rows: name it on every server.
			cells[0].s = "  " + row.Proxy + "/" + row.Name()
		}
		marked := len(p.marks) > 0 && p.marks[p.keyAt(i)]
		b.WriteString(renderRow(&c.st, cols, widths, cells, i == p.cursor, marked, w))
		b.WriteByte('\n')
		lines++
	}
	for ; lines < h-1; lines++ {
		b.WriteByte('\n')
	}
	// The keys that act on the selected row, on the pane's last line.
	r := p.selected()
	_, in := c.findInstance(r)
	b.WriteString(c.rowHints(w, r, in))
	return b.String()
}
