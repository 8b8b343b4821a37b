package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
)

// clusterPane shows each source's connection state, the ZooKeeper
// ensemble's four-letter-word health and the Serf membership counts.
type clusterPane struct {
	c         *common
	ensemble  bool // the ZooKeeper ensemble's health is polled (Options.Health)
	health    []sources.ServerHealth
	at        time.Time
	offset    int
	height    int
	lastLines int // lines at the last render, to bound scrolling
}

// update scrolls the page and takes the ensemble's health reports.
func (p *clusterPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case healthMsg:
		p.health = msg.h
		p.at = p.c.now()
	case tea.KeyPressMsg:
		if key.Matches(msg, p.c.keys.Sort, p.c.keys.SortReverse) {
			p.c.setStatus("this view keeps its natural order")
			return nil
		}
		scrollPage(p.c.keys, msg, p.height, p.scroll)
	default:
		scrollPage(p.c.keys, msg, p.height, p.scroll)
	}
	return nil
}

// scroll moves the page; render bounds it by the lines there are.
func (p *clusterPane) scroll(d int) { p.offset = min(max(p.offset+d, 0), 1<<20) }

func (p *clusterPane) lines(w int) []string {
	c := p.c
	now := c.now()
	var out []string
	out = append(out, c.st.Section.Render("Sources"))
	src := []column{
		{Title: "SOURCE", Width: 16},
		{Title: "ADDRESS", Width: 22, Flex: true, Prio: 1},
		{Title: "STATE", Width: 14},
		{Title: "LAST GOOD", Width: 9, Prio: 2},
		{Title: "ERROR", Width: 20, Flex: true, Prio: 1},
	}
	sw := layoutColumns(src, w)
	out = append(out, renderHeader(&c.st, src, sw, -1, false))
	if c.reg != nil {
		r := c.reg
		last := "-"
		if !r.LastGood.IsZero() {
			last = age(now.Sub(r.LastGood)) + " ago"
		}
		st := string(r.State)
		if r.State == sources.StateConnected && !r.Synced {
			st = "syncing"
		}
		out = append(out, renderRow(&c.st, src, sw, []cell{{s: kindName(r.Kind)}, {s: r.Address},
			{s: st, st: c.stateStyle(!r.Stale())}, {s: last}, {s: r.Err, st: &c.st.Error}}, false, false, w))
		out = append(out, c.overflow(r.Err, sw[len(sw)-1], w)...)
	}
	for _, s := range c.haps {
		if s == nil {
			continue
		}
		st, ok, errs := "ok", true, ""
		if s.Err != nil {
			st, ok, errs = "unreachable", false, s.Err.Error()
		} else if s.Stats == nil {
			st, ok = "connecting", false
		}
		last := "-"
		if !s.LastGood.IsZero() {
			last = age(now.Sub(s.LastGood)) + " ago"
		}
		if s.Level != "" {
			st += " (" + string(s.Level) + ")"
		}
		out = append(out, renderRow(&c.st, src, sw, []cell{{s: "HAProxy " + s.Label}, {s: s.Address},
			{s: st, st: c.stateStyle(ok)}, {s: last}, {s: errs, st: &c.st.Error}}, false, false, w))
		out = append(out, c.overflow(errs, sw[len(sw)-1], w)...)
	}
	if c.reg == nil && len(c.haps) == 0 {
		out = append(out, "  no sources configured")
	}
	out = append(out, "")
	if p.ensemble {
		out = append(out, c.st.Section.Render("ZooKeeper ensemble (ruok, srvr, mntr)"))
		zc := []column{
			{Title: "SERVER", Width: 21, Flex: true},
			{Title: "MODE", Width: 10},
			{Title: "LAT min/avg/max", Width: 15, Prio: 1},
			{Title: "OUTST", Width: 5, Right: true, Prio: 2},
			{Title: "ZNODES", Width: 7, Right: true, Prio: 2},
			{Title: "WATCHES", Width: 7, Right: true, Prio: 3},
			{Title: "CONNS", Width: 5, Right: true, Prio: 2},
			{Title: "EPHEM", Width: 6, Right: true, Prio: 4},
			{Title: "VERSION", Width: 12, Prio: 5},
		}
		zw := layoutColumns(zc, w)
		out = append(out, renderHeader(&c.st, zc, zw, -1, false))
		if len(p.health) == 0 {
			if p.at.IsZero() {
				out = append(out, "  asking the ensemble…")
			} else {
				out = append(out, "  no ensemble members reported")
			}
		}
		for _, h := range p.health {
			if !h.OK && h.Err != "" && h.Mode == "" {
				out = append(out, renderRow(&c.st, zc, zw, []cell{{s: h.Address}, {s: "unknown", st: &c.st.Bad}}, false, false, w))
				out = append(out, c.clip(c.st.Error.Render(plainf("    %s", h.Err))))
				continue
			}
			mode := h.Mode
			if mode == "" {
				mode = "?"
			}
			st := &c.st.OK
			if !h.OK {
				st = &c.st.Bad
				mode += " (not ok)"
			}
			version := h.Version
			if i := strings.IndexAny(version, "-,"); i > 0 {
				version = version[:i]
			}
			out = append(out, renderRow(&c.st, zc, zw, []cell{{s: h.Address}, {s: mode, st: st},
				{s: fmt.Sprintf("%.1f/%.1f/%.1f", h.LatencyMin, h.LatencyAvg, h.LatencyMax)},
				{s: fmt.Sprint(h.Outstanding)}, {s: fmt.Sprint(h.Znodes)}, {s: fmt.Sprint(h.Watches)},
				{s: fmt.Sprint(h.Connections)}, {s: fmt.Sprint(h.EphemeralsCount)}, {s: version}}, false, false, w))
			if h.Err != "" {
				out = append(out, c.clip(c.st.Warn.Render(plainf("    %s", h.Err))))
			}
		}
		out = append(out, "")
	}
	if c.reg != nil && c.reg.Kind == sources.KindSerf {
		counts := map[string]int{}
		for _, mb := range c.reg.Members {
			counts[mb.Status]++
		}
		out = append(out, c.st.Section.Render("Serf agent"))
		out = append(out, plainf("  %s: %d members — %d alive, %d failed, %d leaving, %d left", c.reg.Address,
			len(c.reg.Members), counts["alive"], counts["failed"], counts["leaving"], counts["left"]))
	}
	return out
}

func (p *clusterPane) view(w, h int) string {
	lines := p.lines(w)
	p.offset = min(p.offset, max(len(lines)-h, 0))
	end := min(p.offset+h, len(lines))
	return strings.Join(lines[p.offset:end], "\n")
}

// overflow is an error that its column (width col) cuts, in full under its
// row: the sentence matters more than the table.
func (c *common) overflow(err string, col, w int) []string {
	if err == "" || widthOf(termtext.Clean(err)) <= col {
		return nil
	}
	var out []string
	for _, l := range strings.Split(wrapLines(err, w-4, 4), "\n") {
		out = append(out, c.st.Error.Render("    "+l))
	}
	return out
}
