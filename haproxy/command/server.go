package command

import (
	"fmt"
	"strconv"
	"strings"
)

// State is an administrative state for `set server <b>/<s> state`.
type State string

// The administrative states of a server.
const (
	StateReady State = "ready" // in service
	StateDrain State = "drain" // no new connections except persistent ones
	StateMaint State = "maint" // out of service
)

// Health is an operational state for `set server <b>/<s> health`.
type Health string

// The health states a server can be forced to.
const (
	HealthUp       Health = "up"
	HealthStopping Health = "stopping"
	HealthDown     Health = "down"
)

// Agent is an agent-check state for `set server <b>/<s> agent`.
type Agent string

// The agent states a server can be forced to.
const (
	AgentUp   Agent = "up"
	AgentDown Agent = "down"
)

// SetState renders `set server <b>/<s> state ready|drain|maint`.
func SetState(backend, server string, s State) (Command, error) {
	switch s {
	case StateReady, StateDrain, StateMaint:
	default:
		return Command{}, fmt.Errorf("set server state: %q is not a state (want ready, drain or maint)", string(s))
	}
	return build("set server state", backend, server, "set server %s state %s", string(s))
}

// SetHealth renders `set server <b>/<s> health up|stopping|down`.
func SetHealth(backend, server string, h Health) (Command, error) {
	switch h {
	case HealthUp, HealthStopping, HealthDown:
	default:
		return Command{}, fmt.Errorf("set server health: %q is not a health state (want up, stopping or down)", string(h))
	}
	return build("set server health", backend, server, "set server %s health %s", string(h))
}

// SetAgent renders `set server <b>/<s> agent up|down`.
func SetAgent(backend, server string, a Agent) (Command, error) {
	switch a {
	case AgentUp, AgentDown:
	default:
		return Command{}, fmt.Errorf("set server agent: %q is not an agent state (want up or down)", string(a))
	}
	return build("set server agent", backend, server, "set server %s agent %s", string(a))
}

// EnableHealth renders `enable health <b>/<s>`: resume health checks.
func EnableHealth(backend, server string) (Command, error) {
	return build("enable health", backend, server, "enable health %s")
}

// DisableHealth renders `disable health <b>/<s>`: stop health checks.
func DisableHealth(backend, server string) (Command, error) {
	return build("disable health", backend, server, "disable health %s")
}

// EnableAgent renders `enable agent <b>/<s>`: resume agent checks.
func EnableAgent(backend, server string) (Command, error) {
	return build("enable agent", backend, server, "enable agent %s")
}

// DisableAgent renders `disable agent <b>/<s>`: stop agent checks.
func DisableAgent(backend, server string) (Command, error) {
	return build("disable agent", backend, server, "disable agent %s")
}

// ShutdownSessions renders `shutdown sessions server <b>/<s>`: close every
// session on the server at once.
func ShutdownSessions(backend, server string) (Command, error) {
	return build("shutdown sessions server", backend, server, "shutdown sessions server %s")
}

// MaxMaxConn is the largest maxconn SetMaxConn accepts (HAProxy stores it in
// an int; anything near that is a typo).
const MaxMaxConn = 1 << 30

// SetMaxConn renders `set maxconn server <b>/<s> <n>`; 0 means no limit.
func SetMaxConn(backend, server string, n int) (Command, error) {
	if n < 0 || n > MaxMaxConn {
		return Command{}, fmt.Errorf("set maxconn server: %d is out of range 0..%d", n, MaxMaxConn)
	}
	return build("set maxconn server", backend, server, "set maxconn server %s %d", n)
}

// Weight is a server weight for `set server <b>/<s> weight`: absolute
// (0..256) or a percentage of the weight in the configuration.
type Weight struct {
	n       int
	percent bool
	valid   bool
}

// MaxWeight is HAProxy's largest absolute server weight.
const MaxWeight = 256

// MaxWeightPercent bounds relative weights; HAProxy caps the result at 256.
const MaxWeightPercent = 1000

// Absolute returns the absolute weight n (0..256).
func Absolute(n int) (Weight, error) {
	if n < 0 || n > MaxWeight {
		return Weight{}, fmt.Errorf("weight %d is out of range 0..%d", n, MaxWeight)
	}
	return Weight{n: n, valid: true}, nil
}

// Percent returns the weight p% of the configured one (0..1000).
func Percent(p int) (Weight, error) {
	if p < 0 || p > MaxWeightPercent {
		return Weight{}, fmt.Errorf("weight %d%% is out of range 0..%d%%", p, MaxWeightPercent)
	}
	return Weight{n: p, percent: true, valid: true}, nil
}

// ParseWeight parses "10" (absolute) or "50%" (relative to the configured weight).
func ParseWeight(s string) (Weight, error) {
	digits, pct := strings.CutSuffix(s, "%")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" || len(digits) > 6 {
		return Weight{}, fmt.Errorf("weight %q: want a number 0..%d or a percentage like 50%%", s, MaxWeight)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return Weight{}, fmt.Errorf("weight %q: %w", s, err)
	}
	if pct {
		return Percent(n)
	}
	return Absolute(n)
}

// String renders the weight as HAProxy reads it: "10" or "50%".
func (w Weight) String() string {
	if w.percent {
		return strconv.Itoa(w.n) + "%"
	}
	return strconv.Itoa(w.n)
}

// Value returns the number and whether it is a percentage.
func (w Weight) Value() (n int, percent bool) { return w.n, w.percent }

// SetWeight renders `set server <b>/<s> weight <n>|<n>%`.
func SetWeight(backend, server string, w Weight) (Command, error) {
	if !w.valid {
		return Command{}, fmt.Errorf("set server weight: the weight was not made by Absolute, Percent or ParseWeight")
	}
	return build("set server weight", backend, server, "set server %s weight %s", w.String())
}
