package ui

import (
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// registryMsg carries one registry update.
type registryMsg struct{ u sources.Update }

// registryClosedMsg says the registry's channel was closed.
type registryClosedMsg struct{}

// haproxyMsg carries one socket's newest snapshot.
type haproxyMsg struct{ s haproxy.Snapshot }

// haproxyClosedMsg says the HAProxy feed's channel was closed.
type haproxyClosedMsg struct{}

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
