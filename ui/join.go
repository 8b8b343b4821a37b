package ui

import (
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// joinView joins the registry and HAProxy snapshots. It is called in Update
// on each new snapshot, never in View.
func joinView(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg state.Config) *state.View {
	return state.Join(reg, haps, cfg)
}

// changeEvent is one change between two joined views, for the timeline.
type changeEvent = state.Event

// diffViews derives the state changes between two joined views.
func diffViews(prev, next *state.View) []changeEvent { return state.Diff(prev, next) }

// severity ranks a diagnosis code, higher is worse.
func severity(c state.Code) int { return state.Severity(c) }
