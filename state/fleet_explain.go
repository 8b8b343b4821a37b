package state

import (
	"strconv"
	"strings"
)

// evidenceNames is how many host names one line of evidence lists.
const evidenceNames = 12

// Evidence answers "from which hosts?" for the instance with key: one
// sentence on what the registry says, one line per state with the hosts in
// it, the hosts that disagree with the registry and why, and the hosts that
// could not be read. Nil when the fleet view has no such instance.
func (v *FleetView) Evidence(key string) []string {
	s, in := v.Instance(key)
	if in == nil {
		return nil
	}
	var out []string
	head := in.Server
	switch {
	case in.Registration != nil:
		head += " is registered (" + in.Addr + ")"
	case v.Registry != nil:
		head += " is not registered"
	default:
		head += " (no registry to compare with)"
	}
	c := in.Counts
	head += "; " + strconv.Itoa(c.Up) + " of the " + plural(s.Hosts, "host", "hosts") + " read that have backend " +
		s.Backend + " route to it (UP)"
	if s.KeptPrevious {
		head += "; nothing is registered for " + s.Name + ", so every host keeps its previous servers (use_previous_backends)"
	}
	out = append(out, period(head))

	groups := [...]HostState{HostUp, HostDrain, HostDown, HostMaint, HostOther, HostAbsent}
	for _, g := range groups {
		names := v.hostsIn(in, g)
		if len(names) == 0 {
			continue
		}
		out = append(out, g.String()+" on "+plural(len(names), "host", "hosts")+": "+nameList(names))
	}
	for _, f := range in.Findings {
		mark := "  "
		if f.Overdue || f.Stuck {
			mark = "! "
		}
		out = append(out, mark+f.Text)
	}
	var unknown []string
	for hi, st := range in.States {
		if st == HostUnknown {
			h := &v.Hosts[hi]
			t := h.Name
			if h.Err != "" {
				t += " (" + h.Err
				if !h.LastGood.IsZero() {
					t += "; last read " + age(v.At.Sub(h.LastGood)) + " ago"
				}
				t += ")"
			} else {
				t += " (not read yet)"
			}
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		out = append(out, "Unknown on "+plural(len(unknown), "host", "hosts")+" that could not be read: "+nameList(unknown))
	}
	if n := len(v.hostsIn(in, HostNoBackend)); n > 0 {
		out = append(out, plural(n, "host has", "hosts have")+" no backend "+s.Backend+": not clients of "+s.Name)
	}
	return out
}

// period ends s with a full stop; unlike sentence it keeps the first
// letter, which here begins a host or server name.
func period(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// hostsIn lists the hosts where in is in state st, in host order.
func (v *FleetView) hostsIn(in *FleetInstance, st HostState) []string {
	var out []string
	for hi, s := range in.States {
		if s == st {
			out = append(out, v.Hosts[hi].Name)
		}
	}
	return out
}

// nameList joins names, listing at most evidenceNames of them.
func nameList(names []string) string {
	if len(names) <= evidenceNames {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:evidenceNames], ", ") + " and " + strconv.Itoa(len(names)-evidenceNames) + " more"
}

// Summary is the instance's counts in one line: "17 UP, 1 MAINT, 2 not at
// all, 1 unknown" (states with no host are left out).
func (c FleetCounts) Summary() string {
	var parts []string
	add := func(n int, what string) {
		if n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+what)
		}
	}
	add(c.Up, "UP")
	add(c.Drain, "DRAIN")
	add(c.Down, "DOWN")
	add(c.Maint, "MAINT")
	add(c.Other, "other")
	add(c.Absent, "not at all")
	add(c.Unknown, "unknown")
	if len(parts) == 0 {
		return "no host"
	}
	return strings.Join(parts, ", ")
}
