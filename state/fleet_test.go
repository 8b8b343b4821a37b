package state

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/fleet"
)

var fleetT0 = time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)

// fhost builds a readable fleet host from "backend/server status [addr]"
// lines; every backend named gets its BACKEND row.
func fhost(t testing.TB, name string, servers ...string) fleet.Host {
	t.Helper()
	var b strings.Builder
	b.WriteString("# pxname,svname,type,status,addr,\n")
	backends := map[string]bool{}
	for _, s := range servers {
		f := strings.Fields(s)
		be, sv, _ := strings.Cut(f[0], "/")
		if !backends[be] {
			backends[be] = true
			fmt.Fprintf(&b, "%s,BACKEND,1,UP,,\n", be)
		}
		if sv == "" {
			continue // an empty backend
		}
		addr := ""
		if len(f) > 2 {
			addr = f[2]
		}
		fmt.Fprintf(&b, "%s,%s,2,%s,%s,\n", be, sv, strings.ReplaceAll(f[1], "_", " "), addr)
	}
	st, err := haproxy.ParseStat([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]time.Time{}
	for be := range backends {
		changed[be] = fleetT0
	}
	return fleet.Host{FleetTarget: fleet.Target{Host: name, Kind: fleet.KindHTTP, Endpoint: "http://" + name + ":3212/;csv"},
		Stats: st, At: fleetT0, LastGood: fleetT0, FirstRead: fleetT0, Changed: changed}
}

func deadHost(name, err string) fleet.Host {
	return fleet.Host{FleetTarget: fleet.Target{Host: name, Kind: fleet.KindHTTP}, Err: err, At: fleetT0, Failures: 3}
}

func zkReg(svc string, regs ...sources.Registration) *sources.Snapshot {
	for i := range regs {
		regs[i].Service = svc
		regs[i].Path = "/nerve/services/" + svc + "/services/" + regs[i].Name + fmt.Sprintf("_%010d", i)
		regs[i].Seq = int64(i)
	}
	return &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnected, Synced: true,
		Services: []sources.Service{{Name: svc, Registrations: regs}}}
}

func findingOf(in *FleetInstance, host string) *FleetFinding {
	for i := range in.Findings {
		if in.Findings[i].Host == host {
			return &in.Findings[i]
		}
	}
	return nil
}

func TestJoinFleetCountsHostsAndFindsTheOnesThatDisagree(t *testing.T) {
	reg := zkReg("svc_a",
		sources.Registration{Name: "i1", Host: "10.0.0.1", Port: 80, Ctime: fleetT0.Add(-time.Hour)},
		sources.Registration{Name: "i2", Host: "10.0.0.2", Port: 80, Ctime: fleetT0.Add(-10 * time.Second)},
	)
	fs := &fleet.Snapshot{At: fleetT0, Hosts: []fleet.Host{
		fhost(t, "h1", "svc_a/i1_10.0.0.1:80 UP", "svc_a/i2_10.0.0.2:80 UP", "svc_a/i9_10.0.0.9:80 MAINT"),
		// Old Synapse naming, stats page without addresses.
		fhost(t, "h2", "svc_a/10.0.0.1:80_i1 UP_1/2", "svc_a/10.0.0.2:80_i2 DOWN"),
		// Has not added i2; still routes to the deregistered i9.
		fhost(t, "h3", "svc_a/i1_10.0.0.1:80 DRAIN", "svc_a/i9_10.0.0.9:80 UP"),
		// i1 in MAINT although registered.
		fhost(t, "h4", "svc_a/i1_10.0.0.1:80 MAINT", "svc_a/i2_10.0.0.2:80 no_check"),
		fhost(t, "h5", "other/x_10.0.0.5:1 UP"), // not a client of svc_a
		deadHost("h6", "connection refused"),
	}}
	v := JoinFleet(reg, fs, FleetConfig{Now: fleetT0})
	if v.Reachable != 5 || len(v.Hosts) != 6 {
		t.Fatalf("reachable %d of %d hosts", v.Reachable, len(v.Hosts))
	}
	s := v.Service("svc_a")
	if s == nil || s.Hosts != 4 || s.Registered != 2 || len(s.Instances) != 3 {
		t.Fatalf("service: %+v", s)
	}
	_, i1 := v.Instance("svc_a/i1_10.0.0.1:80")
	_, i2 := v.Instance("svc_a/i2_10.0.0.2:80")
	_, i9 := v.Instance("svc_a/i9_10.0.0.9:80")
	if i1 == nil || i2 == nil || i9 == nil {
		t.Fatalf("instances: %+v", s.Instances)
	}
	want1 := FleetCounts{Up: 2, Drain: 1, Maint: 1, Unknown: 1}
	if i1.Counts != want1 {
		t.Errorf("i1 counts %+v, want %+v", i1.Counts, want1)
	}
	want2 := FleetCounts{Up: 2, Down: 1, Absent: 1, Unknown: 1}
	if i2.Counts != want2 {
		t.Errorf("i2 counts %+v, want %+v", i2.Counts, want2)
	}
	want9 := FleetCounts{Up: 1, Maint: 1, Absent: 2, Unknown: 1}
	if i9.Counts != want9 || i9.Registration != nil || i9.Addr != "10.0.0.9:80" {
		t.Errorf("i9: %+v counts %+v, want %+v", i9, i9.Counts, want9)
	}
	if got := i2.States; got[1] != HostDown || got[2] != HostAbsent || got[4] != HostNoBackend || got[5] != HostUnknown {
		t.Errorf("i2 states %v", got)
	}

	// Who disagrees, and how.
	if f := findingOf(i1, "h4"); f == nil || f.Kind != FleetNotEnabled || f.Status != "MAINT" || f.Routing {
		t.Errorf("h4 on i1: %+v", f)
	}
	if len(i1.Findings) != 1 {
		t.Errorf("i1 findings %+v: only h4 disagrees (DRAIN on h3 is an operator's, and not a registry disagreement)", i1.Findings)
	}
	f := findingOf(i2, "h3")
	if f == nil || f.Kind != FleetMissing || !f.Since.Equal(fleetT0.Add(-10*time.Second)) || f.Overdue {
		t.Errorf("h3 on i2: %+v", f)
	}
	if len(i2.Findings) != 1 {
		t.Errorf("i2 findings %+v", i2.Findings)
	}
	f = findingOf(i9, "h3")
	if f == nil || f.Kind != FleetStale || !f.Routing || f.Status != "UP" || !strings.Contains(f.Text, "sends it new traffic") {
		t.Errorf("h3 on i9: %+v", f)
	}
	if len(i9.Findings) != 1 {
		t.Errorf("i9 findings %+v: MAINT on h1 is Synapse's disable, absent is removal", i9.Findings)
	}
	if s.Disagreeing != 2 || v.Hosts[2].Disagreements != 2 || v.Hosts[3].Disagreements != 1 {
		t.Errorf("disagreeing hosts %d, h3 %d, h4 %d", s.Disagreeing, v.Hosts[2].Disagreements, v.Hosts[3].Disagreements)
	}

	// Ten seconds later nothing changed: h3's missing i2 is still within
	// grace; an hour-old registration missing would be overdue.
	v = JoinFleet(reg, fs, FleetConfig{Now: fleetT0.Add(time.Minute)})
	_, i2 = v.Instance("svc_a/i2_10.0.0.2:80")
	if f := findingOf(i2, "h3"); f == nil || !f.Overdue {
		t.Errorf("a minute after registration, h3 still missing i2 is not overdue: %+v", f)
	}
}

func TestJoinFleetNamesAStuckSynapse(t *testing.T) {
	hist := NewFleetHistory()
	// At t0 the registry has i1; every host has it.
	reg1 := zkReg("svc_a", sources.Registration{Name: "i1", Host: "10.0.0.1", Port: 80})
	hosts := []fleet.Host{
		fhost(t, "h1", "svc_a/i1_10.0.0.1:80 UP"),
		fhost(t, "h2", "svc_a/i1_10.0.0.1:80 UP"),
	}
	v := JoinFleet(reg1, &fleet.Snapshot{Hosts: hosts}, FleetConfig{Now: fleetT0, History: hist})
	hist.Observe(v)

	// At t0+10s i1 is deregistered and i2 registered (no ctime known).
	// h1's Synapse acted (backend changed at t0+11s); h2's did not.
	t1 := fleetT0.Add(10 * time.Second)
	reg2 := zkReg("svc_a", sources.Registration{Name: "i2", Host: "10.0.0.2", Port: 80})
	h1 := fhost(t, "h1", "svc_a/i1_10.0.0.1:80 MAINT", "svc_a/i2_10.0.0.2:80 UP")
	h1.Changed = map[string]time.Time{"svc_a": t1.Add(time.Second)}
	hosts = []fleet.Host{h1, hosts[1]}
	v = JoinFleet(reg2, &fleet.Snapshot{Hosts: hosts}, FleetConfig{Now: t1, History: hist})
	hist.Observe(v)
	if s := v.Service("svc_a"); !s.RegistryChanged.IsZero() {
		t.Fatalf("registry change recorded before Observe saw it: %v", s.RegistryChanged)
	}

	now := t1.Add(2 * time.Minute)
	v = JoinFleet(reg2, &fleet.Snapshot{Hosts: hosts}, FleetConfig{Now: now, History: hist})
	s := v.Service("svc_a")
	if !s.RegistryChanged.Equal(t1) {
		t.Fatalf("registry changed %v, want %v", s.RegistryChanged, t1)
	}
	_, i1 := v.Instance("svc_a/i1_10.0.0.1:80")
	_, i2 := v.Instance("svc_a/i2_10.0.0.2:80")
	fm, fs := findingOf(i2, "h2"), findingOf(i1, "h2")
	if fm == nil || fm.Kind != FleetMissing || !fm.Stuck || !fm.Overdue || !fm.Since.Equal(t1) {
		t.Fatalf("h2 missing i2: %+v", fm)
	}
	if fs == nil || fs.Kind != FleetStale || !fs.Stuck || !fs.Routing {
		t.Fatalf("h2 still routing to i1: %+v", fs)
	}
	for _, want := range []string{"Synapse on h2 looks stuck", "has not changed since it was first read at 04:00:00", "registry changed at 04:00:10"} {
		if !strings.Contains(fm.Text, want) {
			t.Errorf("finding text %q lacks %q", fm.Text, want)
		}
	}
	if findingOf(i1, "h1") != nil || findingOf(i2, "h1") != nil {
		t.Errorf("h1, whose Synapse acted, disagrees: %+v %+v", i1.Findings, i2.Findings)
	}
	if got := v.Hosts[1].Stuck; len(got) != 1 || got[0] != "svc_a" || len(v.Hosts[0].Stuck) != 0 {
		t.Errorf("stuck hosts: h1 %v, h2 %v", v.Hosts[0].Stuck, got)
	}

	ev := strings.Join(v.Evidence("svc_a/i2_10.0.0.2:80"), "\n")
	for _, want := range []string{"i2_10.0.0.2:80 is registered (10.0.0.2:80)", "UP on 1 host: h1", "not at all on 1 host: h2", "! h2 has no server"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence lacks %q:\n%s", want, ev)
		}
	}
}

func TestJoinFleetKeptPreviousBackendsAreNotAHostFault(t *testing.T) {
	reg := zkReg("svc_a")
	fs := &fleet.Snapshot{Hosts: []fleet.Host{fhost(t, "h1", "svc_a/i1_10.0.0.1:80 UP"), fhost(t, "h2", "svc_a/i1_10.0.0.1:80 UP")}}
	v := JoinFleet(reg, fs, FleetConfig{Now: fleetT0})
	s := v.Service("svc_a")
	if !s.KeptPrevious || s.Disagreeing != 0 || len(s.Instances) != 1 || len(s.Instances[0].Findings) != 0 {
		t.Fatalf("service with nothing registered: %+v", s)
	}
	if ev := strings.Join(v.Evidence(s.Instances[0].Key), "\n"); !strings.Contains(ev, "use_previous_backends") {
		t.Errorf("evidence does not say why every host keeps it:\n%s", ev)
	}
}

func TestJoinFleetWithoutRegistryListsBackendsAndNoFindings(t *testing.T) {
	fs := &fleet.Snapshot{Hosts: []fleet.Host{
		fhost(t, "h1", "svc_a/i1_10.0.0.1:80 UP", "stats/"),
		fhost(t, "h2", "svc_a/i1_10.0.0.1:80 DOWN", "svc_b/j_10.0.0.3:1 UP"),
	}}
	v := JoinFleet(nil, fs, FleetConfig{Now: fleetT0, Backends: map[string]string{"service_b": "svc_b"}})
	if len(v.Services) != 2 || v.Services[0].Name != "service_b" || v.Services[1].Name != "svc_a" {
		t.Fatalf("services %+v", v.Services)
	}
	a := v.Service("svc_a")
	if a.Instances[0].Counts != (FleetCounts{Up: 1, Down: 1}) || len(a.Instances[0].Findings) != 0 {
		t.Errorf("svc_a: %+v", a.Instances[0])
	}
	if b := v.Service("service_b"); b.Hosts != 1 || b.Instances[0].States[0] != HostNoBackend {
		t.Errorf("service_b: %+v", b)
	}
}

func TestJoinFleetSerfServicesFoldIntoTheirBackend(t *testing.T) {
	reg := &sources.Snapshot{Kind: sources.KindSerf, State: sources.StateConnected, Synced: true, Services: []sources.Service{{
		Name: "svc_a_31001", Registrations: []sources.Registration{
			{Service: "svc_a_31001", Member: "node1", Host: "10.0.0.1", Port: 31001, MemberStatus: "alive", Tag: "smart:svc_a_31001"},
			{Service: "svc_a_31001", Member: "node2", Host: "10.0.0.2", Port: 31001, MemberStatus: "failed", Tag: "smart:svc_a_31001"},
		},
	}}}
	fs := &fleet.Snapshot{Hosts: []fleet.Host{fhost(t, "h1", "svc_a/10.0.0.1:31001_node1 UP", "svc_a/10.0.0.2:31001_node2 UP")}}
	v := JoinFleet(reg, fs, FleetConfig{Now: fleetT0})
	s := v.Service("svc_a")
	if s == nil || s.Registered != 1 {
		t.Fatalf("serf service not folded into svc_a: %+v", v.Services)
	}
	_, n2 := v.Instance("svc_a/10.0.0.2:31001_node2")
	if n2 == nil || n2.Registration != nil || findingOf(n2, "h1") == nil {
		t.Fatalf("a failed member's server still UP on h1 is not flagged: %+v", n2)
	}
}

func TestJoinFleetStaleRegistryIsSaid(t *testing.T) {
	reg := zkReg("svc_a", sources.Registration{Name: "i1", Host: "10.0.0.1", Port: 80})
	reg.State, reg.LastGood = sources.StateReconnecting, fleetT0.Add(-time.Minute)
	v := JoinFleet(reg, &fleet.Snapshot{}, FleetConfig{Now: fleetT0})
	if len(v.Diagnoses) != 1 || v.Diagnoses[0].Code != CodeRegistryStale || !strings.Contains(v.Diagnoses[0].Text, "1m0s ago") {
		t.Fatalf("diagnoses %+v", v.Diagnoses)
	}
}

func TestAddrInName(t *testing.T) {
	for name, want := range map[string]string{
		"i1_10.0.0.1:80":          "10.0.0.1:80",
		"my_machine_1_10.0.0.1:8": "10.0.0.1:8",
		"10.0.0.1:80_i1":          "10.0.0.1:80",
		"10.0.0.1:80_node_1":      "10.0.0.1:80",
		"web1.example:80":         "web1.example:80",
		"web1":                    "",
		"x_y:z":                   "",
		"i1_10.0.0.1:99999":       "",
	} {
		if got := addrInName(name); got != want {
			t.Errorf("addrInName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestFleetCountsSummary(t *testing.T) {
	if got := (FleetCounts{Up: 17, Maint: 1, Absent: 2, Unknown: 1}).Summary(); got != "17 UP, 1 MAINT, 2 not at all, 1 unknown" {
		t.Errorf("Summary = %q", got)
	}
}
