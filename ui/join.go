package ui

import (
	"time"

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
	next := joinView(reg, haps, cfg)
	var ch []changeEvent
	if prev != nil {
		ch = diffViews(prev, next)
	}
	if cfg.History != nil {
		cfg.History.Observe(next)
	}
	return joinedMsg{view: next, changes: ch}
}

// changeEvent is one change between two joined views, for the timeline.
type changeEvent = state.Event

// diffViews derives the state changes between two joined views.
func diffViews(prev, next *state.View) []changeEvent { return state.Diff(prev, next) }

// severity ranks a diagnosis code, higher is worse.
func severity(c state.Code) int { return state.Severity(c) }
