package ui

import (
	"context"
	"log/slog"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// Feed is the UI's side of the pipeline (live.Pipeline, or a replay): the
// frames it publishes, and the two things the screen asks of the sources.
type Feed interface {
	// Subscribe returns the mailbox of frames; the first is waiting in it.
	Subscribe() *live.Subscription
	// Refresh asks for a poll now and a join at once (after an action).
	Refresh()
	// Watch names the backends whose servers are on screen, to be re-read
	// at every poll; nil when none are.
	Watch(backends []string)
}

// Replay is what the replay keys drive; nil when live. Its position comes
// in every frame (live.Frame.Replay).
type Replay interface {
	// TogglePause pauses or resumes the trace's clock.
	TogglePause()
	// Step pauses and moves to the next (dir > 0) or previous (dir < 0)
	// change: an input that brought events.
	Step(dir int)
	// Speed multiplies the replay speed by f (2 faster, 0.5 slower) within
	// its bounds.
	Speed(f float64)
}

// Options is everything the console needs from main. A frame without a
// registry is HAProxy-only mode; without sockets, registry-only mode.
type Options struct {
	Feed          Feed                                             // the pipeline; never nil outside tests
	Replay        Replay                                           // non-nil in `stacktui replay`
	Browser       sources.Browser                                  // ZooKeeper tree (nil for Serf / none)
	Health        func(ctx context.Context) []sources.ServerHealth // ZK ensemble 4lw health; nil when no ZK
	Executor      *actions.Executor                                // nil: actions.NewReadOnlyExecutor(); none at all in a replay
	Audit         *actions.AuditLog                                // recent actions for the Events view; may be nil
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
	// Fleet: the frames carry a fleet view (--fleet); the Fleet view (6)
	// is offered.
	Fleet  bool
	Banner func() string // a line saying what is happening (the demo, the SSH connection); may be nil
	// Keys, when set, replaces the default keymap (its action keys are
	// disabled in read-only mode all the same).
	Keys   *KeyMap
	Logger *slog.Logger
	// FirstView, when set, is called once from the event loop when the
	// first frame with every source's first reading (or its error) is
	// applied: the first full screen.
	FirstView func()
}
