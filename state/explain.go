package state

import (
	"strconv"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Explain says in one plain sentence what a diagnosis code means in general and
// what to check, for legends and help screens. The per-instance sentences of
// a View are more specific.
func Explain(c Code) string {
	switch c {
	case CodeOK:
		return "Registered and UP in HAProxy: traffic flows to it."
	case CodeDown:
		return "Registered, but HAProxy's health check fails, so HAProxy sends it no traffic: the check status says why (L4CON nothing listens, L4TOUT unreachable, L7STS the health URL answered an error, L7TOUT it did not answer)."
	case CodeMaint:
		return "Registered, but in MAINT in HAProxy (an operator, or a failed enable): it takes no traffic until Synapse re-enables it at its next reconfigure."
	case CodeDrain:
		return "Registered, but in DRAIN (or NOLB) in HAProxy: it finishes its sessions and takes no new ones until Synapse re-enables it at its next reconfigure."
	case CodeMissingInHAProxy:
		return "Registered, but this HAProxy has no server for it: Synapse is lagging, dead, or not watching this service on this host."
	case CodeStaleInHAProxy:
		return "In HAProxy and still enabled, but not registered: Synapse is not updating HAProxy, or keeps the last servers of a service with no registrations (use_previous_backends)."
	case CodeDeregistered:
		return "Not registered and in MAINT in HAProxy: normal after a deregistration when Synapse's state file is on."
	case CodeNoRegistrations:
		return "Nothing is registered for this service: every instance is down or deregistered (HAProxy may still route to the last known servers)."
	case CodeDuplicate:
		return "Two registrations name the same host:port: usually a restarted Nerve's new session beside its old one, which vanishes when the old session expires (about 30 s)."
	case CodeStaleSession:
		return "Registered by a ZooKeeper session that looks like a dead Nerve's leftover (it holds older duplicates of another session's registrations): it vanishes when that session expires."
	case CodeFlapping:
		return "Changed state many times in a short window: the instance is failing health checks on and off; look at its health endpoint, load and network."
	case CodeWeightMismatch:
		return "The registry's weight differs from HAProxy's: Synapse applies weights only at a reload, or an operator changed the weight over the socket."
	case CodeMalformed:
		return "The registration could not be decoded: Synapse skips it; fix or remove the znode (or Serf tag)."
	case CodeRegistryStale:
		return "The registry is disconnected, or not read completely yet: what is shown is its last known state (nothing before its first read), so what is registered now is unknown."
	case CodeHAProxyStale:
		return "An HAProxy stats socket could not be read: its figures are the last ones read."
	case CodeMaintenance:
		return "In durable maintenance on this host, on purpose: a hacheck spool file fails Nerve's check, or Nerve's service file was moved aside; Nerve keeps it deregistered until the file is removed or put back (U)."
	case CodeMatchedByAddr:
		return "HAProxy's server name differs from the one Synapse would derive from the registration; it was matched by host:port."
	}
	return "Unknown diagnosis code " + strconv.Quote(string(c)) + "."
}

// registeredFinding diagnoses one socket's row for a registered instance.
func registeredFinding(r *haproxy.Row, addr string) (Code, string) {
	switch classify(r) {
	case classUp:
		return CodeOK, upText(r, addr)
	case classDown:
		return CodeDown, downText(r, addr, true)
	case classMaint:
		if t := maintVia(r); t != "" {
			return CodeMaint, t
		}
		return CodeMaint, "registered but in MAINT, so it takes no traffic: an operator set it (or Synapse failed to enable it); Synapse re-enables registered servers at its next reconfigure, so this is transient"
	case classDrain:
		return CodeDrain, drainText(r) + "; Synapse re-enables registered servers at its next reconfigure, so this is transient"
	case classNOLB:
		return CodeDrain, nolbText(r)
	}
	return CodeDown, "HAProxy reports the unrecognised status " + strconv.Quote(r.Status()) + "; treat it as not taking traffic"
}

// unregisteredFinding diagnoses one socket's row for a server no registration
// explains. noRegs says the service has no registrations at all; serf that
// the registry is Serf.
func unregisteredFinding(r *haproxy.Row, noRegs, serf bool) (Code, string) {
	if classify(r) == classMaint {
		return CodeDeregistered, "not registered and in MAINT: normal after a deregistration (Synapse disabled it over the socket and, with its state file on, keeps it listed until the file's TTL)"
	}
	st := r.Status()
	if st == "" {
		st = "enabled"
	}
	if noRegs {
		return CodeStaleInHAProxy, "HAProxy still has it " + st + " though nothing is registered for this service: Synapse keeps a service's last servers when all registrations are gone (use_previous_backends, the default); expected until an instance registers again, but these servers may be dead"
	}
	why := "is synapse running? did it lose its ZooKeeper session?"
	if serf {
		why = "is synapse running? does the Serf event handler still rewrite the member file it reads?"
	}
	return CodeStaleInHAProxy, "HAProxy still has it " + st + " but nothing registers it: Synapse is not updating this HAProxy (" + why + ") or a reload is pending"
}

// haproxyOnlyFinding diagnoses a server when no registry is configured: only
// HAProxy's own state can be judged.
func haproxyOnlyFinding(r *haproxy.Row, addr string) (Code, string) {
	switch classify(r) {
	case classUp:
		if zeroWeight(r) {
			var none Config
			return CodeDrain, none.drainedText("", r, nil)
		}
		return CodeOK, upText(r, addr)
	case classDown:
		return CodeDown, downText(r, addr, false)
	case classMaint:
		if t := maintVia(r); t != "" {
			return CodeMaint, t
		}
		return CodeMaint, "in MAINT, so it takes no traffic (set by an operator, by Synapse after a deregistration, or disabled in the config)"
	case classDrain:
		return CodeDrain, drainText(r)
	case classNOLB:
		return CodeDrain, nolbText(r)
	}
	return CodeDown, "HAProxy reports the unrecognised status " + strconv.Quote(r.Status()) + "; treat it as not taking traffic"
}

func upText(r *haproxy.Row, addr string) string {
	if r.Status() == "no check" {
		return "UP without a health check: HAProxy sends it traffic without checking it"
	}
	if a, _, ok := fraction(r.Status()); ok {
		n := plural(a, "more failed check", "more failed checks")
		if checkPassed(r.CheckStatus()) {
			return "UP and settling (" + r.Status() + "): just enabled or recovering, as when Synapse re-enables a returning server; " + n + " would take it DOWN"
		}
		verb := " take it DOWN"
		if a == 1 {
			verb = " takes it DOWN"
		}
		return "UP but failing its health check (" + r.Status() + ", going down): " + checkText(r, addr) + "; " + n + verb
	}
	if r.CheckStatus() == "" {
		return "UP"
	}
	return "UP: " + checkText(r, addr)
}

func downText(r *haproxy.Row, addr string, registered bool) string {
	if a, b, ok := fraction(r.Status()); ok {
		n := b - a
		if n < 1 {
			n = 1
		}
		return "DOWN but passing its health check again (" + r.Status() + ", going up): UP after " + plural(n, "more good check", "more good checks")
	}
	if r.Status() == "DOWN (agent)" {
		s := "DOWN: its agent check reports it down"
		if r.AgentDesc() != "" {
			s += " (" + r.AgentDesc() + ")"
		}
		return s
	}
	if registered {
		return "registered but DOWN in HAProxy, so it gets no traffic: " + checkText(r, addr)
	}
	return "DOWN, so it gets no traffic: " + checkText(r, addr)
}

func maintVia(r *haproxy.Row) string {
	switch {
	case len(r.Status()) > 11 && r.Status()[:11] == "MAINT (via ":
		return "in MAINT because the server it tracks is (" + r.Status() + "): fix or enable that server"
	case r.Status() == "MAINT (resolution)":
		return "in MAINT because HAProxy could not resolve its address: check DNS"
	}
	return ""
}

func drainText(r *haproxy.Row) string {
	who := "set by an operator or an agent check"
	if r.Status() == "DRAIN (agent)" {
		who = "asked for by its agent check"
	}
	sessions := "current sessions"
	if !r.Preview { // a preview has no session count yet
		sessions = plural(int(r.SCur()), "current session", "current sessions")
	}
	return "in DRAIN: it finishes its " + sessions + " and takes no new ones (" + who + ")"
}

func nolbText(r *haproxy.Row) string {
	return "NOLB (" + r.Status() + "): its health check asks HAProxy to stop sending it new traffic (disable-on-404, or `set server health stopping`)"
}

// plural renders "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// notAliveFinding diagnoses one socket's view of a Serf member's registration
// when the member is not alive: Synapse ignores it, and takes its server out
// unless no alive member is left for the service (noRegs), when it keeps its
// previous backends.
func notAliveFinding(row *haproxy.Row, r *sources.Registration, noRegs bool) (Code, string) {
	who := "member " + r.Member + " is " + r.MemberStatus + ": Synapse ignores members that are not alive"
	switch {
	case row == nil:
		return CodeDeregistered, who + ", and this HAProxy has no server for it"
	case classify(row) == classMaint:
		return CodeDeregistered, who + ", and Synapse disabled its server (MAINT)"
	case noRegs:
		return CodeStaleInHAProxy, who + "; no alive member is left for this service, so Synapse keeps its previous backends and HAProxy still has this server " + row.Status()
	}
	return CodeStaleInHAProxy, who + ", yet HAProxy still has its server " + row.Status() + ": Synapse takes it out at its next reconfigure (it re-reads the member list every second); if that does not happen, Synapse is not updating this HAProxy"
}
