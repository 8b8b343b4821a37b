package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// fleetPane is the fleet view (--fleet, view 6): one row per instance with
// how many hosts route to it and how, and which hosts disagree with the
// registry; the hosts that could not be read or look stuck are named in a
// line above. It keeps its own cursor, filter and sort, and takes the
// fleet view from each frame (setView). The fleet is read-only: it has
// nothing to mark and no action acts on it.
type fleetPane struct {
	c *common
	list
	fv    *state.FleetView
	rows  []fleetRow
	dirty bool
}

// fleetRow is one instance and its service.
type fleetRow struct {
	svc *state.FleetService
	in  *state.FleetInstance
}

// newFleetPane starts sorted by DISAGREE, most first: with hundreds of
// instances the ones hosts disagree about must not be below the screen.
func newFleetPane(c *common) fleetPane {
	l := newList()
	l.sort, l.desc = fleetDisagreeColumn, true
	return fleetPane{c: c, list: l, dirty: true}
}

// setView takes a new fleet view; rows are rebuilt at the next layout.
func (p *fleetPane) setView(v *state.FleetView) {
	p.fv = v
	p.dirty = true
}

func (p *fleetPane) lst() *list         { return &p.list }
func (p *fleetPane) setDirty()          { p.dirty = true }
func (p *fleetPane) rowsTop() int       { return 2 } // the fleet line, column titles
func (p *fleetPane) keyAt(i int) string { return p.rows[i].in.Key }

// update handles the list keys (nothing to mark) and the wheel.
func (p *fleetPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if _, resort := listKeys(p.c, &p.list, msg, p.keyAt, len(fleetColumns), false); resort {
			p.dirty = true
			p.rebuild()
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
	}
	return nil
}

// view draws the fleet line, the column titles and the visible rows.
func (p *fleetPane) view(w, h int) string { return p.render(&p.c.st, w, h, p.c.now()) }

// fleetColumns are the pane's columns.
var fleetColumns = []column{
	{Title: "SERVICE", Width: 10, Flex: true, Max: 20},
	{Title: "INSTANCE", Width: 16, Flex: true, Max: 40}, // Synapse names: <name>_<host>:<port>
	{Title: "REG", Width: 3},
	{Title: "UP", Width: 4, Right: true},
	{Title: "DRAIN", Width: 5, Right: true, Prio: 2},
	{Title: "DOWN", Width: 4, Right: true, Prio: 1},
	{Title: "MAINT", Width: 5, Right: true, Prio: 1},
	{Title: "NOT", Width: 4, Right: true},
	{Title: "?", Width: 3, Right: true, Prio: 1},
	{Title: "DISAGREE", Width: 12, Flex: true},
}

// fleetDisagreeColumn is DISAGREE's index in fleetColumns.
const fleetDisagreeColumn = 9

// sortKey orders rows by a column; ties go by service and instance. By
// default (DISAGREE, descending) the instances with hosts past the grace
// period or stuck come first, then those with the most disagreeing hosts.
func (p *fleetPane) sortKey(col int, r fleetRow) sortKey {
	c := r.in.Counts
	tie := r.svc.Name + "/" + r.in.Server
	n := func(v int) sortKey { return sortKey{n: float64(v), tie: tie} }
	switch col {
	case 0:
		return sortKey{s: tie}
	case 1:
		return sortKey{s: r.in.Server, tie: tie}
	case 2:
		if r.in.Registration != nil {
			return n(1)
		}
		return n(0)
	case 3:
		return n(c.Up)
	case 4:
		return n(c.Drain)
	case 5:
		return n(c.Down)
	case 6:
		return n(c.Maint + c.Other)
	case 7:
		return n(c.Absent)
	case 8:
		return n(c.Unknown)
	}
	urgent := 0
	for _, f := range r.in.Findings {
		if f.Overdue || f.Stuck {
			urgent++
		}
	}
	return n(urgent*10000 + len(r.in.Findings))
}

// rebuild recomputes the filtered, sorted rows when the view changed. The
// filter matches the service, the instance, and the disagreeing hosts.
func (p *fleetPane) rebuild() {
	if !p.dirty {
		return
	}
	p.dirty = false
	p.rows = p.rows[:0]
	if p.fv != nil {
		for i := range p.fv.Services {
			s := &p.fv.Services[i]
			for k := range s.Instances {
				in := &s.Instances[k]
				if p.filter.matchAny(s.Name, in.Server, in.Addr, findingHosts(in)) {
					p.rows = append(p.rows, fleetRow{s, in})
				}
			}
		}
	}
	if p.sort >= 0 {
		p.rows = sortedBy(p.rows, p.desc, func(r fleetRow) sortKey { return p.sortKey(p.sort, r) })
	}
	p.reselect(len(p.rows), p.keyAt)
}

// selected is the instance under the cursor, or nils.
func (p *fleetPane) selected() (*state.FleetService, *state.FleetInstance) {
	if p.cursor < len(p.rows) && p.n > 0 {
		r := p.rows[p.cursor]
		return r.svc, r.in
	}
	return nil, nil
}

// findingHosts names the disagreeing hosts, "!" marking the overdue or
// stuck ones.
func findingHosts(in *state.FleetInstance) string {
	parts := make([]string, 0, len(in.Findings))
	for _, f := range in.Findings {
		h := f.Host
		if f.Overdue || f.Stuck {
			h += "!"
		}
		parts = append(parts, h)
	}
	return strings.Join(parts, " ")
}

// header is the pane's first line: hosts read, unreadable, stuck.
func (p *fleetPane) header(st *Styles, now time.Time) string {
	v := p.fv
	if v == nil {
		return st.Muted.Render("Fleet: not read yet")
	}
	n := len(v.Hosts)
	s := fmt.Sprintf("Fleet: %d of %d hosts read", v.Reachable, n)
	var down, stuck []string
	for _, h := range v.Hosts {
		if !h.Reachable {
			d := h.Name
			if !h.LastGood.IsZero() {
				d += " (" + shortAge(now.Sub(h.LastGood)) + ")"
			}
			down = append(down, d)
		}
		if len(h.Stuck) > 0 {
			stuck = append(stuck, h.Name+" ("+strings.Join(h.Stuck, ",")+")")
		}
	}
	line := st.Section.Render(s)
	// Host and service names come from the registry and the host list.
	if len(down) > 0 {
		line += st.Bad.Render(termtext.Clean(" · unreadable: " + shortList(down, 4)))
	}
	if len(stuck) > 0 {
		line += st.Bad.Render(termtext.Clean(" · Synapse stuck: " + shortList(stuck, 4)))
	}
	if len(down) == 0 && len(stuck) == 0 {
		line += st.Muted.Render(" · grace " + v.Grace.String())
	}
	return line
}

// shortList joins at most n items, then says how many more.
func shortList(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + " +" + strconv.Itoa(len(xs)-n)
}

// shortAge is "12s", "4m", "3h": how old a host's figures are.
func shortAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Hour)) + "h"
}

// render draws the header line, the column titles and the visible rows in
// w x h cells.
func (p *fleetPane) render(st *Styles, w, h int, now time.Time) string {
	p.rebuild()
	p.clamp()
	widths := layoutColumns(fleetColumns, w)
	var b strings.Builder
	b.WriteString(ansi.Truncate(p.header(st, now), w, "…")) // styled, its names already cleaned
	b.WriteByte('\n')
	b.WriteString(renderHeader(st, fleetColumns, widths, p.sort, p.desc))
	b.WriteByte('\n')
	if len(p.rows) == 0 {
		none := "no fleet data yet: the hosts are being read"
		if p.fv != nil && len(p.fv.Hosts) == 0 {
			none = "no fleet hosts: give --fleet-hosts or --fleet-host, or a registry whose registrations name hosts"
		}
		b.WriteString(st.Muted.Render(p.c.emptyText(&p.list, none)))
		return b.String()
	}
	from, to := p.visible()
	cells := make([]cell, len(fleetColumns))
	for i := from; i < to; i++ {
		r := p.rows[i]
		c := r.in.Counts
		hosts := r.svc.Hosts
		num := func(n int, bad *lipStyle) cell {
			if n == 0 {
				return cell{s: "·", st: &st.Muted}
			}
			return cell{s: strconv.Itoa(n), st: bad}
		}
		reg := cell{s: "yes"}
		upSt := &st.OK
		if r.in.Registration == nil {
			reg = cell{s: "no", st: &st.Warn}
			if c.Up > 0 && !r.svc.KeptPrevious {
				upSt = &st.Bad // hosts still send traffic to something unregistered
			}
		} else if c.Up < hosts {
			upSt = &st.Warn
		}
		cells[0] = cell{s: r.svc.Name}
		cells[1] = cell{s: r.in.Server}
		cells[2] = reg
		cells[3] = cell{s: strconv.Itoa(c.Up), st: upSt}
		cells[4] = num(c.Drain, &st.Warn)
		cells[5] = num(c.Down, &st.Bad)
		cells[6] = num(c.Maint+c.Other, &st.Warn)
		absentSt := &st.Muted
		if r.in.Registration != nil {
			absentSt = &st.Bad
		}
		cells[7] = num(c.Absent, absentSt)
		cells[8] = num(c.Unknown, &st.Muted)
		dis := findingHosts(r.in)
		var disSt *lipStyle
		switch {
		case dis == "" && hosts == 0 && p.fv.Reachable > 0:
			dis, disSt = "no host read has backend "+r.svc.Backend, &st.Muted
		case dis == "" && r.svc.KeptPrevious:
			dis, disSt = "kept: nothing registered", &st.Muted
		case strings.Contains(dis, "!"):
			disSt = &st.Bad
		case dis != "":
			disSt = &st.Warn
		}
		cells[9] = cell{s: dis, st: disSt}
		b.WriteString(renderRow(st, fleetColumns, widths, cells, i == p.cursor, p.marks[r.in.Key], w))
		b.WriteByte('\n')
	}
	return b.String()
}

// evidence is the "from which hosts?" page for the selected instance.
func (p *fleetPane) evidence() (title string, lines []string) {
	s, in := p.selected()
	if in == nil || p.fv == nil {
		return "", nil
	}
	ev := p.fv.Evidence(in.Key)
	for i := range ev {
		ev[i] = termtext.Clean(ev[i]) // host and server names come from outside
	}
	return "From which hosts: " + s.Name + " / " + in.Server, ev
}

// fleetReadOnly is why action keys do nothing in the fleet view.
const fleetReadOnly = "the fleet view is read-only: stacktui never writes to other hosts' HAProxy; act on this host's (view 2), or run stacktui on that host (--ssh)"

// tabs are the top-level views in tab order: the fleet last, with --fleet.
func (m *Model) tabs() []viewID {
	t := []viewID{viewServices, viewHAProxy, viewRegistry, viewCluster, viewEvents}
	if m.o.Fleet {
		t = append(t, viewFleet)
	}
	return t
}

// tabLabel is a tab's key and name: "6 Fleet".
func tabLabel(v viewID) string {
	n := int(v) + 1
	if v == viewFleet {
		n = 6
	}
	return strconv.Itoa(n) + " " + viewNames[v]
}

// nextTab is the view d tabs away (tab, shift+tab); the service detail
// counts as Services.
func (m *Model) nextTab(d int) viewID {
	t := m.tabs()
	cur := m.view
	if cur == viewDetail {
		cur = viewServices
	}
	i := slices.Index(t, cur)
	return t[((i+d)%len(t)+len(t))%len(t)]
}

// fromWhichHosts is the end of an instance's diagnosis with --fleet: the
// handbook's last question, answered from every host's HAProxy.
func (m *Model) fromWhichHosts(key string) []string {
	v := m.fleet.fv
	if v == nil {
		return nil
	}
	ev := v.Evidence(key)
	if ev == nil {
		return []string{"", m.st.Section.Render("From which hosts?"), "  no fleet host has this instance's backend, and it is not registered (fleet of " +
			strconv.Itoa(len(v.Hosts)) + " hosts, " + strconv.Itoa(v.Reachable) + " read)"}
	}
	out := []string{"", m.st.Section.Render("From which hosts? (the fleet, view 6)")}
	for _, l := range ev {
		out = append(out, "  "+termtext.Clean(l))
	}
	return out
}
