package ui

import (
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// frameMsg carries the pipeline's newest frame.
type frameMsg struct{ f live.Frame }

// feedClosedMsg says the pipeline stopped publishing.
type feedClosedMsg struct{}

// tickMsg refreshes ages in the header and the demo banner.
type tickMsg time.Time

// healthMsg carries the ZooKeeper ensemble's four-letter-word reports.
type healthMsg struct{ h []sources.ServerHealth }

// healthTickMsg asks for the next health poll.
type healthTickMsg struct{}

// childrenMsg is the answer to a ZooKeeper children read.
type childrenMsg struct {
	path     string
	children []string
	err      error
}

// nodeMsg is the answer to a ZooKeeper data read.
type nodeMsg struct {
	path string
	data []byte
	stat sources.NodeStat
	err  error
}

// actionDoneMsg carries an executed action's result.
type actionDoneMsg struct{ r actions.Result }

// auditMsg carries the audit log's recent records for the events view.
type auditMsg struct {
	recs []actions.AuditRecord
	err  error
}

// panicMsg reports a panic recovered inside a command.
type panicMsg struct {
	val   any
	stack string
}
