package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stacktui/stacktui/state"
)

// FleetOptions say what counts as a problem across the fleet. Percentages
// are of the hosts read that have the service's backend; only overdue
// disagreements count (older than the join's grace period), so a fleet
// still converging after a registry change is not an alert.
type FleetOptions struct {
	Services []string // only these services; empty = all
	// StaleWarn, StaleCrit: more than this percent of hosts still route new
	// traffic to a deregistered instance. Defaults 0 and 10.
	StaleWarn, StaleCrit Threshold
	// MissingWarn, MissingCrit: more than this percent of hosts do not
	// route to a registered instance at all. Defaults 0 and 50.
	MissingWarn, MissingCrit Threshold
	// UnreadableWarn: more than this percent of the fleet could not be
	// read. Default 20.
	UnreadableWarn Threshold
}

// Default fleet thresholds, as percentages.
var (
	DefaultStaleWarn      = Threshold{N: 0, Percent: true, Set: true}
	DefaultStaleCrit      = Threshold{N: 10, Percent: true, Set: true}
	DefaultMissingWarn    = Threshold{N: 0, Percent: true, Set: true}
	DefaultMissingCrit    = Threshold{N: 50, Percent: true, Set: true}
	DefaultUnreadableWarn = Threshold{N: 20, Percent: true, Set: true}
)

// above reports whether n of total is more than the threshold (a percentage,
// or a count of hosts).
func (t Threshold) above(n, total int) bool {
	if !t.Set || n == 0 {
		return false
	}
	if t.Percent {
		return n*100 > t.N*total
	}
	return n > t.N
}

// EvaluateFleet rates every selected service of a fleet view. failures are
// sources that could not be read (the registry): the result is UNKNOWN then,
// as it is when no host could be read.
func EvaluateFleet(v *state.FleetView, failures []string, o FleetOptions) *Result {
	def := func(t *Threshold, d Threshold) {
		if !t.Set {
			*t = d
		}
	}
	def(&o.StaleWarn, DefaultStaleWarn)
	def(&o.StaleCrit, DefaultStaleCrit)
	def(&o.MissingWarn, DefaultMissingWarn)
	def(&o.MissingCrit, DefaultMissingCrit)
	def(&o.UnreadableWarn, DefaultUnreadableWarn)

	r := &Result{Failures: failures}
	names := o.Services
	if len(names) == 0 {
		for _, s := range v.Services {
			names = append(names, s.Name)
		}
	}
	var missing, perf []string
	for _, name := range names {
		s := v.Service(name)
		if s == nil {
			missing = append(missing, name)
			continue
		}
		sr, stale, absent := evaluateFleetService(s, o)
		r.Services = append(r.Services, sr)
		perf = append(perf, fmt.Sprintf("'%s_stale_hosts'=%d;;;0;%d", perfLabel(name), stale, s.Hosts),
			fmt.Sprintf("'%s_missing_hosts'=%d;;;0;%d", perfLabel(name), absent, s.Hosts))
	}
	unread := len(v.Hosts) - v.Reachable
	perf = append(perf, fmt.Sprintf("'fleet_unreadable'=%d;;;0;%d", unread, len(v.Hosts)))
	r.Perfdata = strings.Join(perf, " ")

	worst := OK
	var bad []string
	for _, s := range r.Services {
		worst = max(worst, s.status)
		if s.status != OK {
			bad = append(bad, fmt.Sprintf("%s %s (%s)", s.Name, s.status, strings.Join(s.Reasons, "; ")))
		}
	}
	var stuck []string
	for _, h := range v.Hosts {
		if len(h.Stuck) > 0 {
			stuck = append(stuck, h.Name)
		}
	}
	switch {
	case len(failures) > 0:
		r.Status = Unknown
		r.Summary = "cannot read " + strings.Join(failures, "; ")
	case len(v.Hosts) == 0:
		r.Status = Unknown
		r.Summary = "no fleet hosts: give --fleet-hosts, or a registry whose registrations name hosts"
	case v.Reachable == 0:
		r.Status = Unknown
		r.Summary = fmt.Sprintf("none of the %d fleet hosts could be read (%s)", len(v.Hosts), v.Hosts[0].Err)
	case len(missing) > 0:
		r.Status = Unknown
		r.Summary = "no such service: " + strings.Join(missing, ", ")
	default:
		r.Status = worst
		r.Summary = fmt.Sprintf("%d of %d fleet hosts read, %d services", v.Reachable, len(v.Hosts), len(r.Services))
		if len(bad) > 0 {
			r.Summary += ": " + strings.Join(bad, ", ")
		}
		if o.UnreadableWarn.above(unread, len(v.Hosts)) {
			r.Status = max(r.Status, Warning)
			r.Summary += fmt.Sprintf("; %d hosts could not be read (more than %s)", unread, o.UnreadableWarn)
		}
		if len(stuck) > 0 {
			r.Summary += "; Synapse looks stuck on " + nameList(stuck)
		}
	}
	r.Word, r.Code = r.Status.String(), int(r.Status)
	return r
}

// evaluateFleetService rates one service, returning the most hosts routing
// to one deregistered instance and the most missing one registered instance.
func evaluateFleetService(s *state.FleetService, o FleetOptions) (ServiceResult, int, int) {
	sr := ServiceResult{Name: s.Name, Registered: s.Registered}
	raise := func(st Status, reason string) {
		sr.status = max(sr.status, st)
		sr.Reasons = append(sr.Reasons, reason)
	}
	maxStale, maxAbsent := 0, 0
	for k := range s.Instances {
		in := &s.Instances[k]
		var stale, absent []string
		for _, f := range in.Findings {
			switch {
			case !f.Overdue && !f.Stuck:
			case f.Kind == state.FleetStale && f.Routing:
				stale = append(stale, f.Host)
			case f.Kind == state.FleetMissing:
				absent = append(absent, f.Host)
			}
		}
		maxStale, maxAbsent = max(maxStale, len(stale)), max(maxAbsent, len(absent))
		switch n := len(stale); {
		case o.StaleCrit.above(n, s.Hosts):
			raise(Critical, fmt.Sprintf("%d of %d hosts still route to deregistered %s: %s", n, s.Hosts, in.Server, nameList(stale)))
		case o.StaleWarn.above(n, s.Hosts):
			raise(Warning, fmt.Sprintf("%d of %d hosts still route to deregistered %s: %s", n, s.Hosts, in.Server, nameList(stale)))
		}
		switch n := len(absent); {
		case o.MissingCrit.above(n, s.Hosts):
			raise(Critical, fmt.Sprintf("%d of %d hosts do not route to registered %s: %s", n, s.Hosts, in.Server, nameList(absent)))
		case o.MissingWarn.above(n, s.Hosts):
			raise(Warning, fmt.Sprintf("%d of %d hosts do not route to registered %s: %s", n, s.Hosts, in.Server, nameList(absent)))
		}
		if in.Registration != nil && in.Counts.Up > 0 {
			sr.Up++
		}
	}
	sr.Status = sr.status.String()
	return sr, maxStale, maxAbsent
}

// nameList names at most five hosts.
func nameList(names []string) string {
	names = slices.Clone(names)
	slices.Sort(names)
	if len(names) <= 5 {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
}
