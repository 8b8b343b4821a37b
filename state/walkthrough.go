package state

import (
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Answer is a walkthrough step's verdict: yes, no, or unknown, which
// always comes with the reason it cannot be known.
type Answer int

// Answers.
const (
	Unknown Answer = iota
	Yes
	No
)

// String is the answer as the walkthrough prints it.
func (a Answer) String() string {
	switch a {
	case Yes:
		return "yes"
	case No:
		return "no"
	}
	return "unknown"
}

// Step is one question of the full-stack walkthrough (smartstack.md
// section 6: service up? registered? Synapse sees it? HAProxy has it UP?)
// with its answer, the answer in words and the evidence behind it.
type Step struct {
	Question string
	Answer   Answer
	Why      string
	Evidence []string
}

// WalkInstance walks the stack for one instance of service s in view v,
// claiming only what v shows.
func WalkInstance(v *View, s *Service, in *Instance) []Step {
	steps := []Step{answering(v, in), registered(v, in)}
	for si := range in.HAProxy {
		steps = append(steps, inHAProxy(v, s, in, si), takesTraffic(v, in.HAProxy[si], si))
	}
	return steps
}

// WalkService walks the stack for a whole service.
func WalkService(v *View, s *Service) []Step {
	st := Step{Question: "Registered in " + registryWords(v.Registry) + "?"}
	switch known, why := registryKnown(v.Registry); {
	case !known:
		st.Why = why
	case s.Summary.Registered == 0:
		st.Answer, st.Why = No, "no instance is registered"
	default:
		st.Answer, st.Why = Yes, plural(s.Summary.Registered, "instance", "instances")+" registered"
		if s.Summary.Duplicates > 0 {
			st.Why += ", plus " + plural(s.Summary.Duplicates, "duplicate registration", "duplicate registrations")
		}
	}
	if v.Registry != nil && v.Registry.Stale() && !s.Summary.RegistryUnknown {
		st.Answer = Unknown
		st.Why = "when the registry was last read, " + age(v.Registry.Age(v.At)) + " ago: " + strconv.Itoa(s.Summary.Registered) +
			" registered; it is " + string(v.Registry.State) + " now, so the current state is unknown"
	}
	steps := []Step{st}
	for si, h := range v.HAProxy {
		if h == nil {
			continue
		}
		l := labelOf(h)
		in := Step{Question: "In HAProxy " + l + "?"}
		up := Step{Question: "Taking traffic from " + l + "?"}
		if h.Stats == nil {
			in.Why, up.Why = unreadWords(h), unreadWords(h)
			steps = append(steps, in, up)
			continue
		}
		total, taking := 0, 0
		for i := range s.Instances {
			if hs := s.Instances[i].HAProxy; si < len(hs) {
				if seen := hs[si]; seen.Row != nil {
					total++
					if isUp(seen.Row) {
						taking++
					}
				}
			}
		}
		if total == 0 {
			in.Answer, in.Why = No, "backend "+strconv.Quote(s.Backend)+" has no server here"
			up.Answer, up.Why = No, "no server to take it"
		} else {
			in.Answer, in.Why = Yes, "backend "+strconv.Quote(s.Backend)+" with "+plural(total, "server", "servers")
			up.Answer, up.Why = Yes, strconv.Itoa(taking)+" of "+plural(total, "server takes", "servers take")+" new traffic"
			if taking == 0 {
				up.Answer = No
			}
		}
		if h.Err != nil {
			stale := "as of its last read, " + age(v.At.Sub(h.LastGood)) + " ago (" + h.Err.Error() + "); now unknown"
			in.Answer, in.Why = Unknown, in.Why+" "+stale
			up.Answer, up.Why = Unknown, up.Why+" "+stale
		}
		steps = append(steps, in, up)
	}
	return steps
}

// answering: HAProxy's health checks are the evidence of the service
// answering. MAINT suspends them; "no check" has none.
func answering(v *View, in *Instance) Step {
	st := Step{Question: "Service answering at " + walkAddr(in) + "?"}
	yes, no := false, false
	var unknown []string
	for si, seen := range in.HAProxy {
		h, l := socketAt(v, si)
		r := seen.Row
		switch {
		case h == nil || h.Stats == nil:
			unknown = append(unknown, l+" could not be read")
			continue
		case r == nil:
			unknown = append(unknown, l+" has no server for it, so no check")
			continue
		}
		ev := l + ": "
		if h.Err != nil {
			ev = l + " (as of " + age(v.At.Sub(h.LastGood)) + " ago): "
		}
		switch {
		case !hasCheck(r):
			unknown = append(unknown, ev+"HAProxy has no health check for it (no check)")
		case classify(r) == classMaint:
			unknown = append(unknown, ev+"in MAINT, where HAProxy suspends its health checks")
		case r.Preview && r.CheckStatus() == "":
			unknown = append(unknown, ev+"check details not read yet")
		case r.CheckStatus() == "INI" || r.CheckStatus() == "" || r.CheckStatus() == "UNK":
			unknown = append(unknown, ev+"no health check has completed yet")
		case checkPassed(r.CheckStatus()):
			yes = true
			st.Evidence = append(st.Evidence, ev+"check "+r.CheckStatus()+codeWords(r)+durationWords(r.CheckDuration())+descWords(r))
		default:
			no = true
			st.Evidence = append(st.Evidence, ev+"check "+r.CheckStatus()+codeWords(r)+descWords(r)+lastCheckWords(r))
		}
	}
	switch {
	case no:
		st.Answer, st.Why = No, "HAProxy's health check fails"
	case yes:
		st.Answer, st.Why = Yes, "HAProxy's health check passes"
	case len(unknown) == 0:
		st.Why = "unknown: no health check result to judge by"
	default:
		st.Why = "unknown: " + strings.Join(unknown, "; ")
		return st // the reasons are the evidence
	}
	st.Evidence = append(st.Evidence, unknown...)
	return st
}

// registered: what the registry says of the instance, if it can say.
func registered(v *View, in *Instance) Step {
	st := Step{Question: "Registered in " + registryWords(v.Registry) + "?"}
	if known, why := registryKnown(v.Registry); !known {
		st.Why = why
		return st
	}
	r := in.Registration
	switch {
	case r == nil:
		st.Answer, st.Why = No, "nothing in the registry names "+walkAddr(in)
	case r.Malformed != "":
		st.Answer, st.Why = No, "its registration is malformed ("+r.Malformed+"), so Synapse skips it"
	case !live(r):
		st.Answer, st.Why = No, "member "+r.Member+" is "+r.MemberStatus+": Synapse ignores members that are not alive"
	default:
		st.Answer, st.Why = Yes, "registered"
	}
	if r != nil {
		if r.Path != "" {
			st.Evidence = append(st.Evidence, "znode "+r.Path)
			if r.Owner != 0 {
				e := session(r.Owner)
				if !r.Ctime.IsZero() {
					e += ", created " + age(v.At.Sub(r.Ctime)) + " ago"
				}
				st.Evidence = append(st.Evidence, e)
			}
		}
		if r.Member != "" {
			st.Evidence = append(st.Evidence, "Serf member "+r.Member+" ("+r.MemberStatus+"), tag "+r.Tag)
		}
		for _, d := range in.Duplicates() {
			st.Evidence = append(st.Evidence, "also registered as "+regName(d))
		}
	}
	if v.Registry.Stale() {
		st.Why = "as of the registry's last read, " + age(v.Registry.Age(v.At)) + " ago: " + st.Answer.String() + " (" + st.Why +
			"); it is " + string(v.Registry.State) + " now, so the current state is unknown"
		st.Answer = Unknown
	}
	return st
}

// inHAProxy: does the socket have a server for the instance.
func inHAProxy(v *View, s *Service, in *Instance, si int) Step {
	h, l := socketAt(v, si)
	seen := in.HAProxy[si]
	st := Step{Question: "In HAProxy " + l + "?"}
	switch {
	case h == nil || h.Stats == nil:
		st.Why = unreadWords(h)
	case seen.Row == nil:
		st.Answer, st.Why = No, "backend "+strconv.Quote(s.Backend)+" has no server "+in.Server
	default:
		st.Answer, st.Why = Yes, seen.Row.Proxy+"/"+seen.Row.Name()
		if seen.ByAddr {
			st.Why += ", found by address only (HAProxy's name differs from Synapse's)"
		}
	}
	if h != nil && h.Stats != nil && h.Err != nil {
		st.Why = "as of its last read, " + age(v.At.Sub(h.LastGood)) + " ago: " + st.Answer.String() + " (" + st.Why + "); now unknown (" + h.Err.Error() + ")"
		st.Answer = Unknown
	}
	return st
}

// takesTraffic: is the server UP with a weight, from this socket.
func takesTraffic(v *View, seen Seen, si int) Step {
	h, l := socketAt(v, si)
	st := Step{Question: "Taking traffic from " + l + "?"}
	r := seen.Row
	switch {
	case h == nil || h.Stats == nil:
		st.Why = unreadWords(h)
		return st
	case r == nil:
		st.Answer, st.Why = No, "HAProxy has no server for it"
		return st
	case isUp(r):
		st.Answer, st.Why = Yes, r.Status()
	case classify(r) == classUp && zeroWeight(r):
		st.Answer, st.Why = No, "UP but weight 0: drained, no new traffic"
	default:
		st.Answer, st.Why = No, r.Status()
	}
	st.Why += ", weight " + strconv.Itoa(int(r.Weight))
	if !r.Preview {
		st.Why += ", " + plural(int(r.SCur()), "session", "sessions")
	}
	if r.LastChange() > 0 {
		st.Why += ", last change " + age(r.LastChange()) + " ago"
	}
	if h.Err != nil {
		st.Why = "as of its last read, " + age(v.At.Sub(h.LastGood)) + " ago: " + st.Answer.String() + " (" + st.Why + "); now unknown"
		st.Answer = Unknown
	}
	return st
}

// hasCheck reports whether HAProxy health-checks the server. In MAINT
// HAProxy leaves check_status and check_rise/fall empty while the check is
// suspended, but still counts its failures (chkfail): only "no check", or
// none of the check fields, means there is no check.
func hasCheck(r *haproxy.Row) bool {
	if r.Status() == "no check" || r.Status() == "NO CHECK" {
		return false
	}
	if r.CheckStatus() != "" || r.CheckRise() > 0 || r.CheckFall() > 0 || r.Preview {
		return true
	}
	v, ok := r.Field("chkfail")
	return !ok || v != "" // a capture without the column cannot say there is none
}

// registryKnown says whether the registry can answer, and why not.
func registryKnown(r *sources.Snapshot) (bool, string) {
	switch {
	case r == nil:
		return false, "unknown: no registry is configured (HAProxy-only mode)"
	case !r.Synced && r.LastGood.IsZero():
		t := "unknown: the registry has not been read yet (" + string(r.State) + ")"
		if r.Err != "" {
			t += ": " + r.Err
		}
		return false, t
	}
	return true, ""
}

// registryWords names the registry for questions.
func registryWords(r *sources.Snapshot) string {
	if r == nil {
		return "the registry"
	}
	switch r.Kind {
	case sources.KindZooKeeper:
		return "ZooKeeper"
	case sources.KindSerf:
		return "Serf"
	}
	return "the registry"
}

// unreadWords says why a socket's answer is unknown.
func unreadWords(h *haproxy.Snapshot) string {
	t := "unknown: this HAProxy has not been read"
	if h != nil && h.Err != nil {
		t += " (" + h.Err.Error() + ")"
	}
	return t
}

// socketAt returns socket si of v (the one an instance's HAProxy[si] is
// from) and its label; nil and "" when v has no such socket.
func socketAt(v *View, si int) (*haproxy.Snapshot, string) {
	if si >= len(v.HAProxy) || v.HAProxy[si] == nil {
		return nil, ""
	}
	return v.HAProxy[si], v.SocketLabel(si)
}

// walkAddr is the instance's host:port: the registration's, else a row's.
func walkAddr(in *Instance) string {
	if in.Registration != nil && in.Registration.Host != "" {
		return in.Registration.Addr()
	}
	for _, s := range in.HAProxy {
		if s.Row != nil && s.Row.Addr() != "" {
			return s.Row.Addr()
		}
	}
	return in.Server
}

func codeWords(r *haproxy.Row) string {
	if r.CheckCode == 0 {
		return ""
	}
	return " (HTTP " + strconv.Itoa(int(r.CheckCode)) + ")"
}

func durationWords(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return " in " + d.String()
}

func descWords(r *haproxy.Row) string {
	if r.CheckDesc() == "" {
		return ""
	}
	return ": " + r.CheckDesc()
}

func lastCheckWords(r *haproxy.Row) string {
	if r.LastCheck() == "" || strings.Contains(r.CheckDesc(), r.LastCheck()) {
		return ""
	}
	return " (" + r.LastCheck() + ")"
}
