package ui

import (
	"context"
	"log/slog"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// HAProxyFeed is the UI's read-only view of the polled HAProxy sockets.
type HAProxyFeed interface {
	// Updates delivers one socket's newest snapshot per message.
	Updates() <-chan haproxy.Snapshot
	// Current returns every socket's latest snapshot, in --haproxy order.
	Current() []*haproxy.Snapshot
	// Refresh asks for a poll now (after an action).
	Refresh()
	// Watch names the backends whose servers are on screen, to be re-read
	// at every poll (Snapshot.Watched); nil when none are.
	Watch(backends []string)
}

// Options is everything the console needs from main. Nil sources select the
// reduced modes: no Registry is HAProxy-only, no HAProxy is registry-only.
type Options struct {
	Registry      sources.Registry                                 // nil: HAProxy-only mode
	HAProxy       HAProxyFeed                                      // nil: registry-only mode
	Browser       sources.Browser                                  // ZooKeeper tree (nil for Serf / none)
	Health        func(ctx context.Context) []sources.ServerHealth // ZK ensemble 4lw health; nil when no ZK
	Executor      *actions.Executor                                // never nil: actions.NewReadOnlyExecutor() in read-only mode
	Audit         *actions.AuditLog                                // recent actions for the Events view; may be nil
	StateConfig   state.Config
	ReadOnly      bool
	Refresh       time.Duration
	SpoolDir      string // hacheck spool (maintenance display/actions)
	ReloadCommand string
	// RestartCommand restarts Synapse (R offers it beside the reload); "" for none.
	RestartCommand string
	// Durable is how M and U work on this host: its identity, Nerve config,
	// spool (SpoolDir when its own is empty) and Nerve's pid.
	Durable actions.Durable
	// SerfAgents are RPC addresses of other members' own agents, by member
	// (--serf-member-rpc): t can change those members' tags too.
	SerfAgents map[string]string
	// Maintenance reads this host's durable maintenance in force (spool
	// files, moved-aside Nerve services); nil shows none.
	Maintenance func(now time.Time) *sources.Maintenance
	Banner      func() string // demo: a line saying what is happening; may be nil
	Logger      *slog.Logger
	// FirstView, when set, is called once from the event loop when the
	// first view built from every source's first reading (or its error) is
	// applied: the first full screen.
	FirstView func()
}
