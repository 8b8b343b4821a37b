package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/haproxy/command"
	"github.com/stacktui/stacktui/sources"
)

// ServerOp is an operation on HAProxy servers over the stats socket.
type ServerOp string

// Server operations, with their keys in the UI.
const (
	OpDrain            ServerOp = "drain"             // d: set server state drain
	OpMaint            ServerOp = "maint"             // m: set server state maint
	OpReady            ServerOp = "ready"             // r: set server state ready
	OpWeight           ServerOp = "weight"            // w: set server weight <arg>
	OpHealthUp         ServerOp = "health_up"         // h: set server health up
	OpHealthStopping   ServerOp = "health_stopping"   // h: set server health stopping
	OpHealthDown       ServerOp = "health_down"       // h: set server health down
	OpChecksOn         ServerOp = "checks_on"         // h: enable health
	OpChecksOff        ServerOp = "checks_off"        // h: disable health
	OpAgentUp          ServerOp = "agent_up"          // a: set server agent up
	OpAgentDown        ServerOp = "agent_down"        // a: set server agent down
	OpAgentOn          ServerOp = "agent_on"          // a: enable agent
	OpAgentOff         ServerOp = "agent_off"         // a: disable agent
	OpShutdownSessions ServerOp = "shutdown_sessions" // x: shutdown sessions server
)

// ServerOps lists every ServerOp.
var ServerOps = []ServerOp{OpDrain, OpMaint, OpReady, OpWeight, OpHealthUp, OpHealthStopping, OpHealthDown,
	OpChecksOn, OpChecksOff, OpAgentUp, OpAgentDown, OpAgentOn, OpAgentOff, OpShutdownSessions}

// socketCmd is one command for one socket.
type socketCmd struct {
	socket string
	cmd    command.Command
}

// serverAction sends commands to HAProxy stats sockets.
type serverAction struct {
	base
	cmds []socketCmd
}

// NewServerAction plans op on the selected targets, widened to scope with the
// snapshots (the same server name in the socket's other backends, or on every
// configured socket). arg is the weight for OpWeight ("10" or "50%") and
// must be empty otherwise. Bad names, values, scopes or unknown servers are
// refused with an error that says what to fix.
//
// With WithSetup, the advice (the durable alternative, where weights come
// from) is the one that exists in this registry flavour and on this host.
func NewServerAction(op ServerOp, arg string, targets []Target, scope Scope, snaps []*haproxy.Snapshot, opts ...Option) (Action, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if len(targets) == 0 {
		return nil, errors.New("no server selected: select a server row (or mark several with space)")
	}
	build, err := commandFor(op, arg)
	if err != nil {
		return nil, err
	}
	servers, err := expand(targets, scope, snaps)
	if err != nil {
		return nil, err
	}
	a := &serverAction{}
	var plan Plan
	sockets := map[string]bool{}
	for _, s := range servers {
		c, err := build(s.Backend, s.Server)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Target, err)
		}
		a.cmds = append(a.cmds, socketCmd{socket: s.Socket, cmd: c})
		sockets[s.Socket] = true
		plan.Targets = append(plan.Targets, describeTarget(s, op))
		plan.Commands = append(plan.Commands, "socket "+s.Socket+": "+c.String())
	}
	plan.Kind, plan.Scope = KindHAProxy, scope
	describeOp(&plan, op, arg, servers, o.setup)
	if len(sockets) > 1 {
		plan.Warning = strings.TrimSpace(plan.Warning + fmt.Sprintf(" This changes %d HAProxy sockets.", len(sockets)))
	}
	a.plan = plan
	return a, nil
}

// commandFor validates op and arg and returns the command constructor.
func commandFor(op ServerOp, arg string) (func(b, s string) (command.Command, error), error) {
	if op != OpWeight && arg != "" {
		return nil, fmt.Errorf("%s takes no value (got %q)", op, arg)
	}
	state := func(st command.State) func(b, s string) (command.Command, error) {
		return func(b, s string) (command.Command, error) { return command.SetState(b, s, st) }
	}
	health := func(h command.Health) func(b, s string) (command.Command, error) {
		return func(b, s string) (command.Command, error) { return command.SetHealth(b, s, h) }
	}
	agent := func(ag command.Agent) func(b, s string) (command.Command, error) {
		return func(b, s string) (command.Command, error) { return command.SetAgent(b, s, ag) }
	}
	switch op {
	case OpDrain:
		return state(command.StateDrain), nil
	case OpMaint:
		return state(command.StateMaint), nil
	case OpReady:
		return state(command.StateReady), nil
	case OpWeight:
		w, err := command.ParseWeight(strings.TrimSpace(arg))
		if err != nil {
			return nil, err
		}
		return func(b, s string) (command.Command, error) { return command.SetWeight(b, s, w) }, nil
	case OpHealthUp:
		return health(command.HealthUp), nil
	case OpHealthStopping:
		return health(command.HealthStopping), nil
	case OpHealthDown:
		return health(command.HealthDown), nil
	case OpChecksOn:
		return command.EnableHealth, nil
	case OpChecksOff:
		return command.DisableHealth, nil
	case OpAgentUp:
		return agent(command.AgentUp), nil
	case OpAgentDown:
		return agent(command.AgentDown), nil
	case OpAgentOn:
		return command.EnableAgent, nil
	case OpAgentOff:
		return command.DisableAgent, nil
	case OpShutdownSessions:
		return command.ShutdownSessions, nil
	}
	return nil, fmt.Errorf("unknown server operation %q", op)
}

// describeTarget is the target in full, with the state the undo needs.
func describeTarget(s resolved, op ServerOp) string {
	t := s.Target.String()
	if s.row == nil {
		return t
	}
	switch op {
	case OpWeight:
		return t + " (weight " + strconv.Itoa(int(s.row.UWeight)) + ")"
	case OpShutdownSessions:
		return t + " (" + strconv.FormatInt(s.row.SCur(), 10) + " sessions)"
	}
	if s.row.Status() != "" {
		return t + " (" + s.row.Status() + ")"
	}
	return t
}

func nServers(n int) string { return strconv.Itoa(n) + " server" + plural(n) }

// Option adjusts how a server action is planned.
type Option func(*options)

type options struct{ setup *Setup }

// Setup is what a plan's advice depends on: the registry flavour, and the
// durable way to take the selected instance out here (Durable.Alternative).
type Setup struct {
	Flavour sources.Kind // sources.KindZooKeeper, sources.KindSerf, or "" (HAProxy only)
	// Durable is the durable alternative for the selected instance in words,
	// e.g. "{durable}: a hacheck spool file for svc_a on this host"; "" when none.
	Durable string
}

// WithSetup makes the plan's advice match the flavour and host.
func WithSetup(s Setup) Option { return func(o *options) { o.setup = &s } }

// describeOp fills the plan's title and its durability, alternative and undo texts.
func describeOp(p *Plan, op ServerOp, arg string, servers []resolved, setup *Setup) {
	n := nServers(len(servers))
	svc := servers[0].Service
	if svc == "" {
		svc = servers[0].Backend
	}
	const synapse = "Synapse re-enables a registered server at its next reconfigure, and a reload resets it"
	maint := Key("durable") + ": hacheck maintenance for " + svc + " on the instance's host (durable, through Nerve)"
	weights := "Serf: " + Key("tags") + " to set smart:serverweight; ZooKeeper: the weight in Nerve's config (needs Synapse's use_nerve_weights)"
	if setup != nil {
		maint = setup.Durable
		switch setup.Flavour {
		case sources.KindSerf:
			weights = Key("tags") + " on the member: smart:serverweight (applied by a Synapse with add_server_weight; lasts until the agent's next SIGHUP)"
		case sources.KindZooKeeper:
			weights = "the weight in Nerve's config for the instance (applied by Synapse with use_nerve_weights, at a reload)"
		default:
			weights = "the weight in HAProxy's configuration (Synapse's generator), applied at a reload"
		}
	}
	switch op {
	case OpDrain:
		p.Title, p.Transient, p.Alternative = "Drain "+n, synapse, maint
		p.Undo = "press " + Key("ready") + " to make ready again"
	case OpMaint:
		p.Title, p.Transient, p.Alternative = "Maintenance on "+n, synapse, maint
		p.Undo = "press " + Key("ready") + " to make ready again"
	case OpReady:
		p.Title = "Make " + n + " ready"
		p.Transient = "Synapse disables servers that are not registered at its next reconfigure"
		p.Undo = "press " + Key("drain") + " to drain or " + Key("maint") + " for maintenance again"
	case OpWeight:
		p.Title = "Set weight " + strings.TrimSpace(arg) + " on " + n
		p.Transient = "a reload resets weights to the configured ones"
		p.Alternative = weights
		p.Undo = "press " + Key("weight") + " to set the previous weight back" + previousWeights(servers)
	case OpHealthUp, OpHealthStopping, OpHealthDown:
		h := strings.TrimPrefix(string(op), "health_")
		p.Title = "Force health " + h + " on " + n
		p.Transient = "the next health check result overrides it while checks are enabled"
		p.Undo = "press " + Key("health") + " to set health back"
	case OpChecksOn:
		p.Title = "Enable health checks on " + n
		p.Transient = "a reload restores the configured checks"
		p.Undo = "press " + Key("health") + " and choose " + Key("checks-off") + " (checks off)"
	case OpChecksOff:
		p.Title = "Disable health checks on " + n
		p.Transient = "a reload restores the configured checks"
		p.Undo = "press " + Key("health") + " and choose " + Key("checks-on") + " (checks on)"
		p.Warning = "Without checks HAProxy keeps sending traffic to these servers even when they fail."
	case OpAgentUp, OpAgentDown:
		ag := strings.TrimPrefix(string(op), "agent_")
		p.Title = "Force agent " + ag + " on " + n
		p.Transient = "the next agent check result overrides it while agent checks are enabled"
		p.Undo = "press " + Key("agent") + " to set the agent state back"
	case OpAgentOn:
		p.Title = "Enable agent checks on " + n
		p.Transient = "a reload restores the configured agent checks"
		p.Undo = "press " + Key("agent") + " and choose " + Key("agent-off") + " (agent off)"
	case OpAgentOff:
		p.Title = "Disable agent checks on " + n
		p.Transient = "a reload restores the configured agent checks"
		p.Undo = "press " + Key("agent") + " and choose " + Key("agent-on") + " (agent on)"
	case OpShutdownSessions:
		p.Title = "Shut down the sessions of " + n
		p.Transient = "only the sessions open now are closed; clients may reconnect at once"
		p.Alternative = Key("drain") + ": drain first so no new sessions arrive"
		p.Undo = "closed sessions cannot be reopened"
		p.Warning = "Every established session on these servers is cut now."
	}
}

// previousWeights names the weights before the change when they are known
// and the same, so the undo is one keystroke with that number.
func previousWeights(servers []resolved) string {
	var ws []int
	for _, s := range servers {
		if s.row == nil {
			return ""
		}
		ws = append(ws, int(s.row.UWeight))
	}
	slices.Sort(ws)
	ws = slices.Compact(ws)
	if len(ws) == 1 {
		return " (" + strconv.Itoa(ws[0]) + ")"
	}
	return " (they differed: see the targets)"
}

func (a *serverAction) check(w *Writers) error {
	var missing []string
	for _, c := range a.cmds {
		if w.HAProxy[c.socket] == nil && !slices.Contains(missing, c.socket) {
			missing = append(missing, c.socket)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no admin connection to HAProxy socket %s: nothing was sent", strings.Join(missing, ", "))
	}
	return nil
}

// apply sends every command in order. The servers are independent, so a
// refusal does not stop the others; each step carries HAProxy's reply.
func (a *serverAction) apply(ctx context.Context, w *Writers) ([]Step, error) {
	var steps []Step
	failed := 0
	for _, c := range a.cmds {
		st := Step{Command: "socket " + c.socket + ": " + c.cmd.String()}
		if err := ctx.Err(); err != nil {
			st.Err = "not sent: " + err.Error()
			failed++
			steps = append(steps, st)
			continue
		}
		if err := w.HAProxy[c.socket].Exec(ctx, c.cmd); err != nil {
			st.Err = err.Error()
			var ce *client.Error
			if errors.As(err, &ce) {
				st.Output = ce.Reply // HAProxy's own words, for the result dialog
			}
			failed++
		}
		steps = append(steps, st)
	}
	if failed > 0 {
		var first string
		for _, s := range steps {
			if s.Err != "" {
				first = s.Command + ": " + s.Err
				break
			}
		}
		return steps, fmt.Errorf("%d of %d HAProxy commands failed; first: %s", failed, len(steps), first)
	}
	return steps, nil
}
