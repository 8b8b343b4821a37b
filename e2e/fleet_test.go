package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/state"
)

// fleetHosts is how many real HAProxy hosts the fleet test runs, each
// registering svc_a on its own address (the first three also svc_b), so the
// fleet is discovered from the registry as in production.
const fleetHosts = 24

// fleetEnv is the fleet's registry and HAProxies, and what Synapse would
// write from that registry.
type fleetEnv struct {
	z     *testenv.ZK
	fleet *testenv.Fleet
	nerve map[string]*testenv.Nerve
	znode map[string]string
	regs  map[string][]testenv.HAServer
}

func (e *fleetEnv) ip(i int) string { return "127.0.0." + strconv.Itoa(150+i) }

func (e *fleetEnv) register(t *testing.T, svc string, i, port int) {
	ip := e.ip(i)
	n := e.nerve[ip]
	if n == nil {
		n = e.z.Nerve(t, "host_"+strings.ReplaceAll(ip, ".", "_"))
		e.nerve[ip] = n
	}
	e.znode[svc+"/"+ip] = n.Register("/nerve/services/"+svc+"/services", ip, port)
	e.regs[svc] = append(e.regs[svc], testenv.HAServer{Name: n.ID, Addr: ip + ":" + strconv.Itoa(port)})
}

// services is every host's configuration as Synapse writes it with a
// state file: a deregistered server stays, disabled (MAINT).
func (e *fleetEnv) services() []testenv.HAService {
	return []testenv.HAService{{Name: "svc_a", Servers: e.regs["svc_a"]}, {Name: "svc_b", Servers: e.regs["svc_b"]}}
}

// reload makes the hosts' Synapse apply the registry: a reload with the
// current configuration, all at once.
func (e *fleetEnv) reload(t *testing.T, hosts []int) {
	var wg sync.WaitGroup
	errs := make([]error, len(hosts))
	for k, i := range hosts {
		wg.Go(func() { errs[k] = e.fleet.Hosts[i].Reload(e.services()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestFleetSnapshotAndCheck reads 24 real HAProxy hosts discovered from a
// real ZooKeeper during an incident — svc_a on .151 deregistered, a new
// svc_b instance on .153, three hosts whose Synapse is stuck (still
// routing to the deregistered instance, missing the new one), two dead —
// with `snapshot --fleet --json` and `check --fleet`, then again once the
// stuck hosts caught up.
func TestFleetSnapshotAndCheck(t *testing.T) {
	e := &fleetEnv{z: testenv.ZooKeeper(t), nerve: map[string]*testenv.Nerve{}, znode: map[string]string{}, regs: map[string][]testenv.HAServer{}}
	for i := range fleetHosts {
		e.register(t, "svc_a", i, 31001)
		if i < 3 {
			e.register(t, "svc_b", i, 32001)
		}
	}
	e.fleet = testenv.NewFleet(t, testenv.FleetConfig{Hosts: fleetHosts, FirstIP: 150, Services: e.services()})
	args := []string{"--zk", e.z.Addr, "--fleet", "--fleet-url", fmt.Sprintf("http://{host}:%d/;csv", e.fleet.StatsPort), "--timeout", "30s"}

	// The incident.
	e.register(t, "svc_b", 3, 32001)
	e.nerve[e.ip(1)].Deregister(e.znode["svc_a/"+e.ip(1)])
	e.regs["svc_a"][1].Disabled = true
	stuck, dead := []int{20, 21, 22}, []int{19, 23}
	var fine []int
	for i := range fleetHosts {
		if !slices.Contains(stuck, i) && !slices.Contains(dead, i) {
			fine = append(fine, i)
		}
	}
	for _, i := range dead {
		e.fleet.Hosts[i].Kill()
	}
	e.reload(t, fine)
	stuckIPs := []string{e.ip(20), e.ip(21), e.ip(22)}
	gone := "host_127_0_0_151_127.0.0.151:31001"
	added := "host_127_0_0_153_127.0.0.153:32001"

	out, stderr, code := run(t, nil, append([]string{"snapshot", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("snapshot --fleet: exit %d\n%s", code, stderr)
	}
	var doc report.FleetDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("snapshot --fleet --json: %v\n%s", err, out)
	}
	if doc.Kind != "fleet" || len(doc.Hosts) != fleetHosts || doc.GraceSeconds != 30 {
		t.Fatalf("fleet document: kind %q, %d hosts, grace %v", doc.Kind, len(doc.Hosts), doc.GraceSeconds)
	}
	for _, h := range doc.Hosts {
		isDead := h.Host == e.ip(19) || h.Host == e.ip(23)
		switch {
		case isDead && (h.Reachable || !strings.Contains(h.Error, "connection refused")):
			t.Errorf("dead host %s: %+v", h.Host, h)
		case !isDead && !h.Reachable:
			t.Errorf("host %s not read: %s", h.Host, h.Error)
		case slices.Contains(stuckIPs, h.Host) && h.Disagreements != 2:
			t.Errorf("stuck host %s disagrees on %d instances, want 2", h.Host, h.Disagreements)
		}
	}
	old := fleetInstance(t, &doc, "svc_a", gone)
	if old.Registered || old.Counts != (state.FleetCounts{Up: 3, Maint: 19, Unknown: 2}) || !slices.Equal(old.HostsByState["UP"], stuckIPs) {
		t.Errorf("deregistered %s: registered %v, %+v, UP on %v", gone, old.Registered, old.Counts, old.HostsByState["UP"])
	}
	for _, f := range old.Findings {
		if f.Kind != state.FleetStale || !f.Routing || f.Overdue || !slices.Contains(stuckIPs, f.Host) {
			t.Errorf("finding on %s: %+v (one read cannot know it is overdue)", gone, f)
		}
	}
	nw := fleetInstance(t, &doc, "svc_b", added)
	if !nw.Registered || nw.Counts != (state.FleetCounts{Up: 19, Absent: 3, Unknown: 2}) || !slices.Equal(nw.HostsByState["not at all"], stuckIPs) {
		t.Errorf("new %s: registered %v, %+v, absent on %v", added, nw.Registered, nw.Counts, nw.HostsByState["not at all"])
	}
	if len(old.Findings) != 3 || len(nw.Findings) != 3 {
		t.Errorf("findings: %d on %s, %d on %s, want the three stuck hosts each", len(old.Findings), gone, len(nw.Findings), added)
	}

	// check watches for the grace period: then the stuck hosts are overdue.
	start := time.Now()
	out, _, code = run(t, nil, append([]string{"check", "--fleet-grace", "3s"}, args...)...)
	took := time.Since(start)
	if code != 2 || !strings.HasPrefix(out, "STACKTUI CRITICAL - 22 of 24 fleet hosts read") ||
		!strings.Contains(out, "svc_a CRITICAL (3 of 22 hosts still route to deregistered "+gone+": "+strings.Join(stuckIPs, ", ")+")") ||
		!strings.Contains(out, "3 of 22 hosts do not route to registered "+added) || !strings.Contains(out, "'svc_a_stale_hosts'=3;;;0;22") {
		t.Errorf("check --fleet during the incident: exit %d\n%s", code, out)
	}
	if took < 3*time.Second {
		t.Errorf("check --fleet took %v: it must watch for the grace period (3s) before it can call a host overdue", took)
	}

	// The stuck hosts' Synapse catches up: OK (two dead hosts of 24 are
	// under the unreadable threshold).
	e.reload(t, stuck)
	out, _, code = run(t, nil, append([]string{"check", "--fleet-grace", "3s"}, args...)...)
	if code != 0 || !strings.HasPrefix(out, "STACKTUI OK - 22 of 24 fleet hosts read, 2 services") {
		t.Errorf("check --fleet once the hosts caught up: exit %d\n%s", code, out)
	}
	out, _, code = run(t, nil, append([]string{"snapshot"}, args...)...)
	if code != 0 || !strings.Contains(out, "stacktui fleet snapshot at") || !strings.Contains(out, "22 of 24 hosts read") ||
		!strings.Contains(out, e.ip(19)) || !strings.Contains(out, "connection refused") {
		t.Errorf("snapshot --fleet table: exit %d\n%s", code, out)
	}
}

func fleetInstance(t *testing.T, d *report.FleetDocument, svc, server string) *report.FleetInstanceDoc {
	t.Helper()
	for i := range d.Services {
		if d.Services[i].Name != svc {
			continue
		}
		for k := range d.Services[i].Instances {
			if in := &d.Services[i].Instances[k]; in.Server == server {
				return in
			}
		}
	}
	t.Fatalf("no instance %s/%s in the fleet document", svc, server)
	return nil
}
