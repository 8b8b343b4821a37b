package state

import (
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/haproxy"
)

// class is what a server's `show stat` status means for routing.
type class int

const (
	classUnknown class = iota
	classUp            // UP, UP x/y (still routed), no check
	classDown          // DOWN, DOWN x/y (going up), DOWN (agent)
	classMaint         // MAINT, MAINT (via ...), MAINT (resolution)
	classDrain         // DRAIN, DRAIN x/y, DRAIN (agent)
	classNOLB          // NOLB: health says stopping, no new traffic
)

// classify reads a server row's status.
func classify(r *haproxy.Row) class {
	switch r.StatusWord() {
	case "UP", "no check", "NO CHECK":
		return classUp
	case "DOWN":
		return classDown
	case "MAINT":
		return classMaint
	case "DRAIN":
		return classDrain
	case "NOLB":
		return classNOLB
	}
	return classUnknown
}

// isUp reports whether the server takes new traffic: UP (also UP x/y while
// its checks settle) or "no check", with a weight above 0. DRAIN and weight
// 0 are not up: they only finish the sessions they already have.
func isUp(r *haproxy.Row) bool { return r != nil && classify(r) == classUp && !zeroWeight(r) }

// fraction parses the "a/b" of "UP 1/2" or "DOWN 1/2"; ok is false without one.
func fraction(status string) (a, b int, ok bool) {
	sp := strings.IndexByte(status, ' ')
	if sp < 0 {
		return 0, 0, false
	}
	rest := status[sp+1:]
	sl := strings.IndexByte(rest, '/')
	if sl < 0 {
		return 0, 0, false
	}
	a, err1 := strconv.Atoi(rest[:sl])
	b, err2 := strconv.Atoi(rest[sl+1:])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return a, b, true
}

// checkPassed reports whether the last health check result is a success (or
// there is no result to judge).
func checkPassed(cs string) bool {
	switch cs {
	case "L4OK", "L6OK", "L7OK", "L7OKC", "PROCOK", "", "INI", "UNK":
		return true
	}
	return false
}

// checkText says in words what the last health check result of r means and
// what to check. addr is the server's host:port.
func checkText(r *haproxy.Row, addr string) string {
	var s string
	switch r.CheckStatus() {
	case "L4CON":
		s = "nothing listens on " + addr + " (connection refused or failed): the service is not running there, or listens on another port"
	case "L4TOUT":
		s = "connecting to " + addr + " timed out: the host is unreachable or a firewall drops the check"
	case "L4OK":
		s = "the port accepts connections (layer 4 check passed)"
	case "L6OK":
		s = "the TLS handshake passed"
	case "L6TOUT":
		s = "the TLS handshake with " + addr + " timed out"
	case "L6RSP":
		s = "the TLS/layer 6 answer of " + addr + " was invalid: is this a TLS port, and does the check expect TLS?"
	case "L7OK":
		s = "the health check passed"
	case "L7OKC":
		s = "the health check answered 404 with disable-on-404: the service asks to be drained"
	case "L7STS":
		code := "an error status"
		if r.CheckCode != 0 {
			code = "HTTP " + strconv.Itoa(int(r.CheckCode))
		}
		s = "the health URL answered " + code + ": the service runs but reports itself unhealthy; check its health endpoint and logs"
	case "L7RSP":
		s = "the health check got an invalid answer from " + addr + ": is it the right port and protocol?"
	case "L7TOUT":
		s = "the health URL did not answer within the check timeout: the service is hung or overloaded"
	case "SOCKERR":
		s = "HAProxy could not open a check socket: look at this host's file descriptor and port limits"
	case "PROCERR":
		s = "the external check command failed"
	case "PROCTOUT":
		s = "the external check command timed out"
	case "PROCOK":
		s = "the external check command passed"
	case "INI":
		s = "no health check has completed yet (HAProxy just started, or the server was just added)"
	case "", "UNK":
		s = "no health check result is known"
	default:
		s = "the last health check said " + r.CheckStatus()
	}
	if r.CheckDesc() != "" && r.CheckStatus() != "" {
		s += " (" + r.CheckStatus() + ": " + r.CheckDesc() + ")"
	} else if r.CheckStatus() != "" {
		s += " (" + r.CheckStatus() + ")"
	}
	return s
}

// addrInCheckText reports whether checkText mentions the server's address for
// this check status.
func addrInCheckText(cs string) bool {
	switch cs {
	case "L4CON", "L4TOUT", "L6TOUT", "L6RSP", "L7RSP":
		return true
	}
	return false
}

// isDrained reports whether a server deliberately takes no new traffic:
// DRAIN, NOLB, or UP with weight 0.
func isDrained(r *haproxy.Row) bool {
	switch classify(r) {
	case classDrain, classNOLB:
		return true
	case classUp:
		return zeroWeight(r)
	}
	return false
}
