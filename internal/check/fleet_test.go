package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// fleetOf is a view of hosts hosts, all read, with svc_a on every one; its
// deregistered instance "old" is still routed by staleHosts hosts and its
// registered "new" is missing on missingHosts hosts, all overdue unless
// fresh.
func fleetOf(hosts, staleHosts, missingHosts int, fresh bool) *state.FleetView {
	v := &state.FleetView{Reachable: hosts}
	for i := range hosts {
		v.Hosts = append(v.Hosts, state.FleetHost{Name: fmt.Sprintf("h%02d", i), Reachable: true})
	}
	old := state.FleetInstance{Key: "svc_a/old_10.0.0.1:80", Server: "old_10.0.0.1:80"}
	nw := state.FleetInstance{Key: "svc_a/new_10.0.0.2:80", Server: "new_10.0.0.2:80",
		Registration: &sources.Registration{Name: "new", Host: "10.0.0.2", Port: 80}, Counts: state.FleetCounts{Up: hosts - missingHosts}}
	for i := range staleHosts {
		old.Findings = append(old.Findings, state.FleetFinding{Host: v.Hosts[i].Name, Kind: state.FleetStale, Routing: true, Overdue: !fresh})
	}
	for i := range missingHosts {
		nw.Findings = append(nw.Findings, state.FleetFinding{Host: v.Hosts[hosts-1-i].Name, Kind: state.FleetMissing, Overdue: !fresh})
	}
	v.Services = []state.FleetService{{Name: "svc_a", Backend: "svc_a", Registered: 1, Hosts: hosts, Instances: []state.FleetInstance{nw, old}}}
	return v
}

func TestEvaluateFleet(t *testing.T) {
	cases := []struct {
		name               string
		hosts, stale, miss int
		fresh              bool
		o                  FleetOptions
		want               Status
		summary            string
	}{
		{"all agree", 20, 0, 0, false, FleetOptions{}, OK, "20 of 20 fleet hosts read, 1 services"},
		{"one host stale", 20, 1, 0, false, FleetOptions{}, Warning, "1 of 20 hosts still route to deregistered old_10.0.0.1:80: h00"},
		{"three hosts stale: over 10%", 20, 3, 0, false, FleetOptions{}, Critical, "3 of 20 hosts still route to deregistered"},
		{"stale but within grace", 20, 5, 0, true, FleetOptions{}, OK, ""},
		{"stale under a raised threshold", 20, 3, 0, false, FleetOptions{StaleWarn: Threshold{N: 20, Percent: true, Set: true}, StaleCrit: Threshold{N: 50, Percent: true, Set: true}}, OK, ""},
		{"a count threshold", 20, 3, 0, false, FleetOptions{StaleCrit: Threshold{N: 2, Set: true}}, Critical, ""},
		{"new instance missing on a few", 20, 0, 2, false, FleetOptions{}, Warning, "2 of 20 hosts do not route to registered new_10.0.0.2:80: h18, h19"},
		{"new instance missing on most", 20, 0, 11, false, FleetOptions{}, Critical, "and 6 more"},
	}
	for _, c := range cases {
		r := EvaluateFleet(fleetOf(c.hosts, c.stale, c.miss, c.fresh), nil, c.o)
		if r.Status != c.want || !strings.Contains(r.Summary, c.summary) {
			t.Errorf("%s: %s %q, want %s containing %q", c.name, r.Status, r.Summary, c.want, c.summary)
		}
		if r.Code != int(r.Status) || !strings.Contains(r.Perfdata, "'svc_a_stale_hosts'=") {
			t.Errorf("%s: code %d, perfdata %q", c.name, r.Code, r.Perfdata)
		}
	}
}

func TestEvaluateFleetUnknownsAndUnreadableHosts(t *testing.T) {
	v := fleetOf(10, 0, 0, false)
	if r := EvaluateFleet(v, []string{"zookeeper zk:2181: disconnected"}, FleetOptions{}); r.Status != Unknown || !strings.Contains(r.Summary, "cannot read zookeeper") {
		t.Errorf("registry down: %s %q", r.Status, r.Summary)
	}
	if r := EvaluateFleet(v, nil, FleetOptions{Services: []string{"nope"}}); r.Status != Unknown || !strings.Contains(r.Summary, "no such service: nope") {
		t.Errorf("unknown service: %s %q", r.Status, r.Summary)
	}
	if r := EvaluateFleet(&state.FleetView{}, nil, FleetOptions{}); r.Status != Unknown || !strings.Contains(r.Summary, "no fleet hosts") {
		t.Errorf("empty fleet: %s %q", r.Status, r.Summary)
	}
	dead := &state.FleetView{Hosts: []state.FleetHost{{Name: "h1", Err: "connection refused"}}}
	if r := EvaluateFleet(dead, nil, FleetOptions{}); r.Status != Unknown || !strings.Contains(r.Summary, "none of the 1 fleet hosts could be read (connection refused)") {
		t.Errorf("no host read: %s %q", r.Status, r.Summary)
	}
	v.Reachable = 7
	for i := 7; i < 10; i++ {
		v.Hosts[i].Reachable = false
	}
	v.Hosts[0].Stuck = []string{"svc_a"}
	r := EvaluateFleet(v, nil, FleetOptions{})
	if r.Status != Warning || !strings.Contains(r.Summary, "3 hosts could not be read (more than 20%)") || !strings.Contains(r.Summary, "Synapse looks stuck on h00") {
		t.Errorf("three of ten unread: %s %q", r.Status, r.Summary)
	}
}
