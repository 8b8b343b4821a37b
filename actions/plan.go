package actions

import (
	"context"
	"slices"
	"sync/atomic"
)

// Kind names what an Action changes.
type Kind string

// Action kinds.
const (
	KindHAProxy     Kind = "haproxy"     // commands on HAProxy stats sockets
	KindMaintenance Kind = "maintenance" // hacheck spool files or the Nerve service_conf_dir toggle
	KindReload      Kind = "reload"      // the host's HAProxy reload command (Synapse's reload_command)
	KindRestart     Kind = "restart"     // the host's Synapse restart command
	KindSerfTags    Kind = "serf_tags"   // tags of one Serf member, through its own agent
	KindSerfEvent   Kind = "serf_event"  // a Serf user event
	KindZKDelete    Kind = "zk_delete"   // deleting one registration znode
)

// Scope says how far an HAProxy action reaches beyond the selected rows.
type Scope string

// HAProxy action scopes. The UI asks for one explicitly; nothing widens
// silently. An instance is a host:port, a host its address: Synapse's server
// names differ per service (they hold the instance name and port), so the
// wider scopes match addresses, never names.
const (
	ScopeBackend Scope = "this backend only"
	// ScopeSocket: the same instance (host:port) in every backend of the socket.
	ScopeSocket Scope = "this instance (host:port) in every backend of this socket"
	// ScopeAllSockets: the same instance in every backend of every socket.
	ScopeAllSockets Scope = "this instance in every backend of every socket"
	// ScopeHost: every server of the same host in every backend of the
	// socket: "take this host out".
	ScopeHost Scope = "this host (all its instances) on this socket"
	// ScopeHostAllSockets: the same host on every socket.
	ScopeHostAllSockets Scope = "this host (all its instances) on every socket"
)

// Scopes lists the HAProxy scopes, narrowest first, for a scope picker.
var Scopes = []Scope{ScopeBackend, ScopeSocket, ScopeAllSockets, ScopeHost, ScopeHostAllSockets}

// Plan is what an Action will do, in words a confirm dialog shows in full.
type Plan struct {
	Kind     Kind
	Title    string   // e.g. "Drain 2 servers"
	Targets  []string // every target, in full ("socket main: svc_a/host_1.2.3.4:3000")
	Commands []string // the exact commands, lines, files or processes that will be sent, written or run
	Scope    Scope    // HAProxy actions only
	Durable  bool
	// Transient says, when the change is not durable, why it will not last.
	Transient string
	// Alternative names the durable alternative to a transient change.
	Alternative string
	Undo        string // how to undo, e.g. "press {ready} to make ready again" (see Key)
	Warning     string
	// ConfirmText, when non-empty, must be typed exactly by the user before
	// the dialog may execute (e.g. the instance name for a znode delete).
	ConfirmText string
}

// Key names a console key in a plan's text by what it does: Key("ready")
// is "{ready}". The console shows the key its keymap binds to that (r by
// default), so a rebound key never leaves a plan naming the wrong one.
// The names: drain, maint, ready, weight, health, agent, durable,
// end-durable, tags, checks-on, checks-off, agent-on, agent-off.
func Key(name string) string { return "{" + name + "}" }

// clone returns a deep copy so callers cannot change an Action's plan.
func (p Plan) clone() Plan {
	p.Targets = slices.Clone(p.Targets)
	p.Commands = slices.Clone(p.Commands)
	return p
}

// Action is a plan that only Executor.Run can apply. Its unexported methods
// mean no other package can implement one, and nothing outside this package
// can apply one except through Run.
type Action interface {
	// Plan returns a copy of what the action will do.
	Plan() Plan
	isAction()
	// claim marks the action as being executed; false when it already was.
	claim() bool
	// release undoes claim when Run refused before changing anything.
	release()
	// check reports a missing writer before anything is audited or changed.
	check(w *Writers) error
	// apply performs the plan with the executor's writers. Only Run calls it.
	apply(ctx context.Context, w *Writers) ([]Step, error)
}

// base carries what every action shares: its plan and its once-only flag.
type base struct {
	plan Plan
	used atomic.Bool
}

func (b *base) Plan() Plan  { return b.plan.clone() }
func (b *base) isAction()   {}
func (b *base) claim() bool { return b.used.CompareAndSwap(false, true) }
func (b *base) release()    { b.used.Store(false) }
