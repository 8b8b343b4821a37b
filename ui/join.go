package ui

import (
	"fmt"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// joinView joins the registry and HAProxy snapshots. It is called in Update
// on each new snapshot, never in View.
func joinView(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg state.Config) *state.View {
	return state.Join(reg, haps, cfg)
}

// joinedMsg is a finished join: the view and the changes since the
// previous one.
type joinedMsg struct {
	view    *state.View
	changes []changeEvent
	cost    time.Duration // how long the join took, for pacing
}

// computeJoin joins, diffs against prev (nil: no events) and records the
// new view in the configured history. It touches only immutable snapshots
// and the history (which locks), so it may run in a command.
func computeJoin(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg state.Config, prev *state.View) joinedMsg {
	j := joinOnly(reg, haps, cfg, prev)
	if cfg.History != nil {
		cfg.History.Observe(j.view)
	}
	return j
}

// joinOnly is computeJoin without recording the view in the history.
func joinOnly(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg state.Config, prev *state.View) joinedMsg {
	next := joinView(reg, haps, cfg)
	var ch []changeEvent
	if prev != nil {
		ch = diffViews(prev, next)
	}
	return joinedMsg{view: next, changes: ch}
}

// changeEvent is one change between two joined views, for the timeline.
type changeEvent = state.Event

// diffViews derives the state changes between two joined views.
func diffViews(prev, next *state.View) []changeEvent { return state.Diff(prev, next) }

// severity ranks a diagnosis code, higher is worse.
func severity(c state.Code) int { return state.Severity(c) }

// asyncJoinRows is the size (HAProxy rows plus registrations) above which
// the join runs in a command instead of on the event loop, so a keypress is
// never queued behind a 50,000-server join. Smaller views join in Update at
// once.
const asyncJoinRows = 5000

// rejoin recomputes the joined view from the stored snapshots (in a command
// for large views) and marks the panes for rebuilding. With events it also
// records what changed in the events timeline. At most one join runs at a
// time; snapshots that arrive meanwhile are joined together afterwards.
func (m *Model) rejoin(events bool) tea.Cmd {
	if m.joinBusy {
		m.joinPending = true
		return nil
	}
	if m.joinScheduled && !m.joinUrgent {
		return nil // the scheduled join will read the newest snapshots
	}
	cfg := m.o.StateConfig
	cfg.Now = m.now()
	cfg.Maintenance = m.maint
	if cfg.History == nil {
		cfg.History = m.shist
	}
	var prev *state.View
	if events {
		prev = m.joined
	}
	if !events || m.size() < asyncJoinRows {
		if m.observed != nil {
			<-m.observed // a large join's history is still being written
		}
		m.applyJoin(computeJoin(m.reg, m.haps, cfg, prev))
		return nil
	}
	// Bound the join's share of the CPU: a join that costs c waits until
	// joinCPUShare*c after the previous one started (50,000 servers at a 1 s
	// refresh would otherwise keep a core busy with joins alone).
	if wait := time.Until(m.joinStart.Add(m.joinCost * time.Duration(m.joinPace))); wait > 0 && !m.joinUrgent {
		m.joinScheduled = true
		return tea.Tick(wait, func(time.Time) tea.Msg { return rejoinMsg{} })
	}
	m.joinUrgent = false
	m.joinBusy = true
	m.joinStart = time.Now()
	reg, haps := m.reg, append([]*haproxy.Snapshot(nil), m.haps...)
	// The view goes to the screen before it is recorded in the history
	// (15-50 ms at 50,000 servers); the next join, which reads the
	// history for flapping, waits until it is.
	prevObserved := m.observed
	observed := make(chan struct{})
	m.observed = observed
	log := m.log
	return guard(func() tea.Msg {
		recording := false
		defer func() {
			if !recording { // the join panicked: do not leave the next one waiting
				close(observed)
			}
		}()
		if prevObserved != nil {
			<-prevObserved
		}
		t0 := time.Now()
		j := joinOnly(reg, haps, cfg, prev)
		j.cost = time.Since(t0)
		recording = true
		go func() {
			defer close(observed)
			defer func() {
				if r := recover(); r != nil { // history is a nicety: never crash for it
					log.Error("panic recording history", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				}
			}()
			cfg.History.Observe(j.view)
		}()
		return j
	})
}

// joinCPUShare: a large join runs at most once per joinCPUShare times its
// own duration, so joins take at most 1/joinCPUShare of one core.
const joinCPUShare = 10

// rejoinMsg runs a join that was postponed to bound its CPU share.
type rejoinMsg struct{}

// applyJoin installs a joined view.
func (m *Model) applyJoin(j joinedMsg) {
	m.events.addChanges(j.changes)
	m.joined = j.view
	m.hist.observe(j.view)
	m.services.dirty = true
	m.detail.dirty = true
	m.hap.dirty = true
	m.registry.dirty = true
	if m.o.FirstView != nil && !m.firstViewDone && m.everySourceRead() {
		m.firstViewDone = true
		m.o.FirstView()
	}
}

// everySourceRead reports whether the joined view has every source's first
// full reading (a preview is not one), or its error.
func (m *Model) everySourceRead() bool {
	if m.o.Registry != nil && (m.joined.Registry == nil || !m.joined.Registry.Synced && m.joined.Registry.Err == "") {
		return false
	}
	if m.o.HAProxy == nil {
		return true
	}
	read := 0
	for _, h := range m.joined.HAProxy {
		if h != nil && (h.Stats != nil && !h.Preview || h.Err != nil) {
			read++
		}
	}
	return read == len(m.o.HAProxy.Current())
}

// retraffic brings the joined view's traffic figures up to date after a
// light poll, without a join (state.Retraffic).
func (m *Model) retraffic() {
	if m.joined == nil {
		return
	}
	v := state.Retraffic(m.joined, m.haps, m.now())
	if v == nil {
		return // the sockets changed meanwhile: the next join catches up
	}
	m.joined = v
	m.hist.observe(v)
	m.services.dirty = true
	m.detail.dirty = true
}

// size is the number of HAProxy rows and registrations the join works on.
func (m *Model) size() int {
	n := 0
	for _, h := range m.haps {
		if h != nil && h.Stats != nil {
			n += len(h.Stats.Rows)
		}
	}
	if m.reg != nil {
		for i := range m.reg.Services {
			n += len(m.reg.Services[i].Registrations)
		}
	}
	return n
}
