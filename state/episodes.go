package state

import (
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
)

// An episode is one stretch of time an instance was not serving normally,
// from the first observation that shows something wrong (a failing health
// check, a deregistration, MAINT, DRAIN, weight 0, a server missing) to the
// first observation where it is registered and UP with a passing check
// again on every socket that can be read. Everything in between — the five
// or so states one crash walks a server through (UP 1/2, deregistered,
// MAINT by Synapse, registered again, UP 1/2, UP), an operator's maint and
// ready, Synapse disabling and re-enabling a server — is one episode.
//
// A failure episode is one in which the service's health failed: HAProxy's
// health check failed, or the registry withdrew the instance (Nerve's
// checks failed, its member failed). An operator's MAINT or drain with
// passing checks is an episode but not a failure.
//
// Flapping is DefaultFlapEpisodes (3) or more separate failure episodes
// starting within DefaultFlapWindow (10 minutes): one crash and restart is
// one episode, never flapping; a server that fails, recovers and fails again
// three times in ten minutes is flapping, however many states each failure
// passed through.
const (
	DefaultFlapEpisodes = 3
	DefaultFlapWindow   = 10 * time.Minute
)

// maxEpisodes is how many past episodes History keeps per instance.
const maxEpisodes = 8

// Episode is one stretch of time an instance was not serving normally.
type Episode struct {
	// Start is the first observation that showed the trouble; Since says
	// it was already there when History first saw the instance.
	Start time.Time
	Since bool
	// End is the first observation after it where the instance was
	// serving again; zero while the episode lasts.
	End time.Time
	// Failure says the service's health failed in it (see above).
	Failure bool
	// Cause is what showed the trouble first, in words ("health check
	// failed (L4CON)", "deregistered", "MAINT", "weight 0").
	Cause string
	// Out is how long HAProxy took no new traffic to it within the episode
	// (not UP, DRAIN, weight 0 or absent on a readable socket).
	Out time.Duration

	outSince time.Time // when it last left rotation, zero while in rotation
}

// Open reports whether the episode is still going on.
func (e *Episode) Open() bool { return e.End.IsZero() }

// Words describes the episode for people: "down 8s at 02:40:36 (health
// check failed (L4CON); out of rotation 5s), recovered", or while it lasts
// "down since 02:40:36 (3s so far; deregistered)"; times in loc (UTC when
// nil).
func (e *Episode) Words(loc *time.Location, now time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	what := "down"
	if !e.Failure {
		what = "out"
	}
	end := e.End
	if e.Open() {
		end = now
	}
	dur := end.Sub(e.Start)
	at := e.Start.In(loc).Format("15:04:05")
	details := []string{e.Cause}
	switch out := e.outAt(now); {
	case out == 0:
		details = append(details, "still taking traffic")
	case out < dur-time.Second/2:
		details = append(details, "out of rotation "+age(out))
	}
	if e.Open() {
		since := ""
		if e.Since {
			since = " or earlier"
		}
		return what + " since " + at + since + " (" + age(dur) + " so far; " + strings.Join(details, "; ") + ")"
	}
	return what + " " + age(dur) + " at " + at + " (" + strings.Join(details, "; ") + "), recovered"
}

// outAt is Out including a stretch out of rotation that lasts at now.
func (e *Episode) outAt(now time.Time) time.Duration {
	if e.outSince.IsZero() {
		return e.Out
	}
	return e.Out + now.Sub(e.outSince)
}

// verdict is one observation of an instance judged for episodes.
type verdict struct {
	known     bool // something could be judged
	serving   bool // registered (when a registry is known) and UP with a passing check everywhere readable
	inRot     bool // HAProxy sends it new traffic on every readable socket
	failure   bool // a health check failed or the registry withdrew it
	cause     string
	causeFail bool // cause names a failure
}

// judge observes one instance: readable says which sockets' figures are
// current, regKnown whether the registry's view is current (connected and
// read), registry whether one is configured.
func judge(in *Instance, readable []bool, registry, regKnown bool) verdict {
	v := verdict{serving: true, inRot: true}
	note := func(cause string, failure bool) {
		v.serving = false
		if failure {
			v.failure = true
		}
		if v.cause == "" || failure && !v.causeFail {
			v.cause, v.causeFail = cause, failure
		}
	}
	if registry && regKnown {
		v.known = true
		switch r := in.Registration; {
		case r == nil:
			note("deregistered", true)
		case !live(r):
			note("member "+r.Member+" "+r.MemberStatus, true)
		case r.Malformed != "":
			note("malformed registration", false)
		}
	}
	for i, s := range in.HAProxy {
		if i >= len(readable) || !readable[i] {
			continue
		}
		v.known = true
		r := s.Row
		if r == nil {
			v.inRot = false
			if in.Registration != nil {
				note("missing in HAProxy", false)
			}
			continue
		}
		if !isUp(r) {
			v.inRot = false
		}
		switch classify(r) {
		case classUp:
			switch {
			case zeroWeight(r):
				note("weight 0", false)
			case !checkPassed(r.CheckStatus()):
				note("health check failed ("+r.CheckStatus()+")", true)
			}
		case classDown:
			note("health check failed"+paren(r.CheckStatus()), true)
		case classMaint:
			note("MAINT", false)
		case classDrain, classNOLB:
			note(r.StatusWord(), false)
		default:
			note(r.Status(), false)
		}
	}
	return v
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// episodes is one instance's episode record.
type episodes struct {
	past []Episode // oldest first, at most maxEpisodes
	cur  *Episode  // the open one
}

// observe folds one verdict at now into the record; first says it is the
// instance's first observation.
func (e *episodes) observe(v verdict, now time.Time, first bool) {
	if !v.known {
		return
	}
	if v.serving {
		if c := e.cur; c != nil {
			c.End = now
			if !c.outSince.IsZero() {
				c.Out += now.Sub(c.outSince)
				c.outSince = time.Time{}
			}
			e.past = append(e.past, *c)
			if len(e.past) > maxEpisodes {
				e.past = append(e.past[:0], e.past[len(e.past)-maxEpisodes:]...)
			}
			e.cur = nil
		}
		return
	}
	c := e.cur
	if c == nil {
		c = &Episode{Start: now, Since: first, Cause: v.cause}
		e.cur = c
	}
	if v.failure && !c.Failure {
		c.Failure = true
		if v.causeFail {
			c.Cause = v.cause
		}
	}
	switch {
	case !v.inRot && c.outSince.IsZero():
		c.outSince = now
	case v.inRot && !c.outSince.IsZero():
		c.Out += now.Sub(c.outSince)
		c.outSince = time.Time{}
	}
}

// all returns a copy of the episodes, oldest first, the open one last.
func (e *episodes) all() []Episode {
	out := make([]Episode, 0, len(e.past)+1)
	out = append(out, e.past...)
	if e.cur != nil {
		out = append(out, *e.cur)
	}
	return out
}

// failuresSince returns the failure episodes that started after from, or
// nil when there are fewer than min: Flapping asks it of every troubled
// instance at every join, and on a bad day at 50,000 servers a copy of
// each one's episodes was most of a join's garbage.
func (e *episodes) failuresSince(from time.Time, min int) []Episode {
	failed := func(x *Episode) bool { return x.Failure && x.Start.After(from) }
	n := 0
	for i := range e.past {
		if failed(&e.past[i]) {
			n++
		}
	}
	if e.cur != nil && failed(e.cur) {
		n++
	}
	if n == 0 || n < min {
		return nil
	}
	out := make([]Episode, 0, n)
	for i := range e.past {
		if failed(&e.past[i]) {
			out = append(out, e.past[i])
		}
	}
	if e.cur != nil && failed(e.cur) {
		out = append(out, *e.cur)
	}
	return out
}

// flappingText is the flapping diagnosis for eps, the failure episodes in
// window as of now.
func flappingText(eps []Episode, window time.Duration, now time.Time) string {
	parts := make([]string, len(eps))
	for i := range eps {
		parts[i] = eps[i].Words(now.Location(), now)
	}
	return strconv.Itoa(len(eps)) + " separate failures in the last " + windowWords(window) + " (" + strings.Join(parts, "; ") +
		"): it fails its health checks on and off, or Nerve keeps withdrawing and re-registering it; look at its health endpoint, load and network"
}

// windowWords renders a window as people say it: "10 minutes", "90s".
func windowWords(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return d.String()
}

// rowsReadable says which of v's sockets have current figures: read, and
// the last poll succeeded.
func rowsReadable(haps []*haproxy.Snapshot) []bool {
	out := make([]bool, len(haps))
	for i, s := range haps {
		out[i] = s != nil && s.Stats != nil && s.Err == nil
	}
	return out
}
