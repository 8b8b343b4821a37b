package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/stacktui/stacktui/sources"
)

// clusterPane shows each source's connection state, the ZooKeeper
// ensemble's four-letter-word health and the Serf membership counts.
type clusterPane struct {
	health []sources.ServerHealth
	at     time.Time
	offset int
}

func (p *clusterPane) lines(m *Model, w int) []string {
	now := m.now()
	var out []string
	out = append(out, m.st.Section.Render("Sources"))
	src := []column{
		{Title: "SOURCE", Width: 16},
		{Title: "ADDRESS", Width: 22, Flex: true, Prio: 1},
		{Title: "STATE", Width: 14},
		{Title: "LAST GOOD", Width: 9, Prio: 2},
		{Title: "ERROR", Width: 20, Flex: true, Prio: 1},
	}
	sw := layoutColumns(src, w)
	out = append(out, renderHeader(&m.st, src, sw, -1, false))
	if m.reg != nil {
		r := m.reg
		last := "-"
		if !r.LastGood.IsZero() {
			last = age(now.Sub(r.LastGood)) + " ago"
		}
		st := string(r.State)
		if r.State == sources.StateConnected && !r.Synced {
			st = "syncing"
		}
		out = append(out, renderRow(&m.st, src, sw, []cell{{s: kindName(r.Kind)}, {s: r.Address},
			{s: st, st: m.stateStyle(!r.Stale())}, {s: last}, {s: r.Err, st: &m.st.Error}}, false, false, w))
	}
	for _, s := range m.haps {
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
		out = append(out, renderRow(&m.st, src, sw, []cell{{s: "HAProxy " + s.Label}, {s: s.Address},
			{s: st, st: m.stateStyle(ok)}, {s: last}, {s: errs, st: &m.st.Error}}, false, false, w))
	}
	if m.reg == nil && len(m.haps) == 0 {
		out = append(out, "  no sources configured")
	}
	out = append(out, "")
	if m.o.Health != nil {
		out = append(out, m.st.Section.Render("ZooKeeper ensemble (ruok, srvr, mntr)"))
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
		out = append(out, renderHeader(&m.st, zc, zw, -1, false))
		if len(p.health) == 0 {
			if p.at.IsZero() {
				out = append(out, "  asking the ensemble…")
			} else {
				out = append(out, "  no ensemble members reported")
			}
		}
		for _, h := range p.health {
			if !h.OK && h.Err != "" && h.Mode == "" {
				out = append(out, renderRow(&m.st, zc, zw, []cell{{s: h.Address}, {s: "unknown", st: &m.st.Bad}}, false, false, w))
				out = append(out, m.clip(m.st.Error.Render(plainf("    %s", h.Err))))
				continue
			}
			mode := h.Mode
			if mode == "" {
				mode = "?"
			}
			st := &m.st.OK
			if !h.OK {
				st = &m.st.Bad
				mode += " (not ok)"
			}
			version := h.Version
			if i := strings.IndexAny(version, "-,"); i > 0 {
				version = version[:i]
			}
			out = append(out, renderRow(&m.st, zc, zw, []cell{{s: h.Address}, {s: mode, st: st},
				{s: fmt.Sprintf("%.1f/%.1f/%.1f", h.LatencyMin, h.LatencyAvg, h.LatencyMax)},
				{s: fmt.Sprint(h.Outstanding)}, {s: fmt.Sprint(h.Znodes)}, {s: fmt.Sprint(h.Watches)},
				{s: fmt.Sprint(h.Connections)}, {s: fmt.Sprint(h.EphemeralsCount)}, {s: version}}, false, false, w))
			if h.Err != "" {
				out = append(out, m.clip(m.st.Warn.Render(plainf("    %s", h.Err))))
			}
		}
		out = append(out, "")
	}
	if m.reg != nil && m.reg.Kind == sources.KindSerf {
		counts := map[string]int{}
		for _, mb := range m.reg.Members {
			counts[mb.Status]++
		}
		out = append(out, m.st.Section.Render("Serf agent"))
		out = append(out, plainf("  %s: %d members — %d alive, %d failed, %d leaving, %d left", m.reg.Address,
			len(m.reg.Members), counts["alive"], counts["failed"], counts["leaving"], counts["left"]))
	}
	return out
}

func (p *clusterPane) render(m *Model, w, h int) string {
	lines := p.lines(m, w)
	p.offset = min(p.offset, max(len(lines)-h, 0))
	end := min(p.offset+h, len(lines))
	return strings.Join(lines[p.offset:end], "\n")
}
