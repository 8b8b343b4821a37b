package ui

import (
	"slices"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
)

// applyFrame installs the pipeline's newest frame: the model only stores
// what the pipeline made and marks the panes whose data moved. It never
// joins and never waits.
func (m *Model) applyFrame(f live.Frame) {
	m.frame = f
	if f.Reset {
		m.events.reset() // a replay went back: the timeline is rebuilt
	}
	m.reg = f.Registry
	m.maint = f.Maintenance
	// The HAProxy list is made of the sockets' rows alone: a registry or
	// maintenance reading (ChangeSources too) leaves it as it is, and
	// rebuilding 50,000 rows for it would hold up every registry change.
	sameRows := sameSocketRows(m.haps, f.HAProxy)
	m.haps = f.HAProxy
	if f.History != nil {
		m.shist = f.History
	}
	if f.View != nil && f.Changed&(live.ChangeView|live.ChangeTraffic) != 0 {
		m.joined = f.View
		m.hist.observe(f.View)
		m.services.observe(f.View)
		m.services.dirty = true
		m.detail.dirty = true
	}
	if f.Changed&(live.ChangeView|live.ChangeSources) != 0 {
		m.registry.dirty = true
	}
	if f.Changed&(live.ChangeRows|live.ChangeSources) != 0 && !sameRows {
		m.hap.dirty = true
	}
	if f.Changed&(live.ChangeView|live.ChangeRows) != 0 {
		// A pane out of sight still holds the rows it last drew, and with
		// them the join and the read they point into (megabytes at 50,000
		// servers): rebuild it now, so that it lets them go.
		for _, lp := range []listPane{&m.services, &m.detail, &m.hap} {
			if lp != m.active() {
				lp.rebuild()
			}
		}
	}
	if f.Changed&live.ChangeFleet != 0 && f.Fleet != nil {
		m.fleet.setView(f.Fleet)
	}
	m.events.addEvents(f.Events)
	if m.o.FirstView != nil && !m.firstViewDone && f.Ready {
		m.firstViewDone = true
		m.o.FirstView()
	}
}

// sameSocketRows reports whether two frames' sockets have the same labels
// and the same reads, the HAProxy list's only inputs.
func sameSocketRows(a, b []*haproxy.Snapshot) bool {
	return slices.EqualFunc(a, b, func(x, y *haproxy.Snapshot) bool {
		return x == y || x != nil && y != nil && x.Label == y.Label && x.Stats == y.Stats
	})
}

// severity ranks a diagnosis code, higher is worse.
func severity(c state.Code) int { return state.Severity(c) }
