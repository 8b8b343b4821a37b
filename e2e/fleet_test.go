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
// newFleetEnv starts fleetHosts real HAProxy hosts, each registering
// svc_a in a real ZooKeeper (the first three also svc_b), every host's
// HAProxy routing to every registered instance.
func newFleetEnv(t *testing.T) *fleetEnv {
	e := &fleetEnv{z: testenv.ZooKeeper(t), nerve: map[string]*testenv.Nerve{}, znode: map[string]string{}, regs: map[string][]testenv.HAServer{}}
	for i := range fleetHosts {
		e.register(t, "svc_a", i, 31001)
		if i < 3 {
			e.register(t, "svc_b", i, 32001)
		}
	}
	e.fleet = testenv.NewFleet(t, testenv.FleetConfig{Hosts: fleetHosts, FirstIP: 150, Services: e.services()})
	return e
}

// The incident both fleet tests make: svc_a on .151 deregistered, a new
// svc_b instance on .153; the Synapse of hosts 20-22 (.170-.172) applies
// neither, hosts 19 and 23 (.169, .173) are dead.
var (
	fleetStuck, fleetDead = []int{20, 21, 22}, []int{19, 23}
	fleetGone             = "host_127_0_0_151_127.0.0.151:31001"
	fleetAdded            = "host_127_0_0_153_127.0.0.153:32001"
)

// incident makes it: the registry changes, every host but the stuck and
// the dead ones applies it.
func (e *fleetEnv) incident(t *testing.T) {
	e.register(t, "svc_b", 3, 32001)
	e.nerve[e.ip(1)].Deregister(e.znode["svc_a/"+e.ip(1)])
	e.regs["svc_a"][1].Disabled = true
	var fine []int
	for i := range fleetHosts {
		if !slices.Contains(fleetStuck, i) && !slices.Contains(fleetDead, i) {
			fine = append(fine, i)
		}
	}
	for _, i := range fleetDead {
		e.fleet.Hosts[i].Kill()
	}
	e.reload(t, fine)
}

func (e *fleetEnv) ips(is []int) []string {
	var out []string
	for _, i := range is {
		out = append(out, e.ip(i))
	}
	return out
}

func TestFleetSnapshotAndCheck(t *testing.T) {
	e := newFleetEnv(t)
	args := []string{"--zk", e.z.Addr, "--fleet", "--fleet-url", fmt.Sprintf("http://{host}:%d/;csv", e.fleet.StatsPort), "--timeout", "30s"}

	e.incident(t)
	stuck, stuckIPs := fleetStuck, e.ips(fleetStuck)
	gone, added := fleetGone, fleetAdded

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
		isDead := slices.Contains(e.ips(fleetDead), h.Host)
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

// TestFleetConsole: the console's fleet view (6) on the same 24 hosts,
// live through the incident. Before it every host routes to every
// instance; then the view counts, per instance, the hosts that route to it
// and how, names the dead hosts with their age, and once the grace period
// is over calls the three hosts whose backend did not change while the
// registry did stuck. D on the deregistered instance answers "from which
// hosts?" host by host, and so does D on the new instance in view 1. When
// the stuck hosts' Synapse catches up, the view says so by itself.
func TestFleetConsole(t *testing.T) {
	e := newFleetEnv(t)
	term := startTerm(t, 220, 50, tuiEnv(t), binary, "--zk", e.z.Addr, "--read-only", "--fleet-grace", "3s",
		"--fleet-url", fmt.Sprintf("http://{host}:%d/;csv", e.fleet.StatsPort), "--fleet")
	term.WaitText(30*time.Second, "svc_a", "svc_b", "6 Fleet")
	term.Keys("6")
	term.WaitText(60*time.Second, "Fleet: 24 of 24 hosts read")

	e.incident(t)
	stuckIPs, deadIPs := e.ips(fleetStuck), e.ips(fleetDead)
	stuckText := func(is []string) string {
		var l []string
		for _, ip := range is {
			l = append(l, ip+" (svc_a,svc_b)")
		}
		return "Synapse stuck: " + strings.Join(l, ", ")
	}
	term.WaitText(60*time.Second, "Fleet: 22 of 24 hosts read", "unreadable: "+deadIPs[0]+" (", stuckText(stuckIPs))
	s := term.WaitFor("the deregistered instance's row", 30*time.Second, func(s string) bool {
		return len(fleetRow(s, fleetGone)) > 0 && len(fleetRow(s, fleetAdded)) > 0
	})
	// SERVICE INSTANCE REG UP DRAIN DOWN MAINT NOT ? DISAGREE...
	want := []string{"svc_a", fleetGone, "no", "3", "·", "·", "19", "·", "2", stuckIPs[0] + "!", stuckIPs[1] + "!", stuckIPs[2] + "!"}
	if got := fleetRow(s, fleetGone); !slices.Equal(got, want) {
		t.Errorf("the deregistered instance's row: %q, want %q\n%s", got, want, s)
	}
	want = []string{"svc_b", fleetAdded, "yes", "19", "·", "·", "·", "3", "2", stuckIPs[0] + "!", stuckIPs[1] + "!", stuckIPs[2] + "!"}
	if got := fleetRow(s, fleetAdded); !slices.Equal(got, want) {
		t.Errorf("the new instance's row: %q, want %q\n%s", got, want, s)
	}

	if top := fleetTop(s, 2); len(top) != 2 || top[0] != fleetGone || top[1] != fleetAdded {
		t.Errorf("the instances the hosts disagree about are not on top: %q\n%s", top, s)
	}

	term.Keys("/")
	term.Type(fleetGone)
	term.Keys("Enter")
	term.WaitFor("the deregistered instance alone", 30*time.Second, func(s string) bool { return selected(s, fleetGone) && fleetRow(s, fleetAdded) == nil })
	term.Keys("D")
	term.WaitText(30*time.Second, "From which hosts: svc_a / "+fleetGone, fleetGone+" is not registered",
		"UP on 3 hosts: "+strings.Join(stuckIPs, ", "), "MAINT on 19 hosts: ",
		"! "+stuckIPs[0]+" still has this unregistered server UP", "Synapse on "+stuckIPs[0]+" looks stuck",
		"Unknown on 2 hosts that could not be read: "+deadIPs[0]+" (connection refused")
	term.Keys("Escape", "Escape", "1")

	// D on the new instance in the service's detail ends with the fleet.
	term.WaitFor("svc_b listed", 30*time.Second, func(s string) bool { return strings.Contains(s, "svc_b") })
	for i := 0; i < 5 && !selected(term.Screen(), "svc_b"); i++ {
		term.Keys("j")
		time.Sleep(100 * time.Millisecond)
	}
	term.Keys("Enter")
	selectRow(t, term, "127.0.0.153")
	term.Keys("D")
	term.WaitText(30*time.Second, "From which hosts? (the fleet, view 6)", fleetAdded+" is registered",
		"not at all on 3 hosts: "+strings.Join(stuckIPs, ", "), "has no server for this registered instance")
	term.Keys("Escape", "Escape", "6")

	// The stuck hosts catch up: nobody is stuck, the old instance is MAINT everywhere.
	e.reload(t, fleetStuck)
	term.WaitFor("the stuck hosts caught up", 60*time.Second, func(s string) bool {
		got := fleetRow(s, fleetGone)
		return !strings.Contains(s, "Synapse stuck") && len(got) == 9 && got[3] == "0" && got[6] == "22"
	})
	term.Keys("q")
	term.WaitExit(30*time.Second, 0)
}

// fleetRow is the fields of the fleet view's row of server, or nil.
func fleetRow(screen, server string) []string {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(strings.TrimLeft(line, ">+~ "))
		if len(f) > 1 && f[1] == server {
			return f
		}
	}
	return nil
}

// fleetTop is the instances of the fleet view's first n rows.
func fleetTop(screen string, n int) []string {
	var out []string
	lines := strings.Split(screen, "\n")
	for i, line := range lines {
		if !strings.Contains(line, "INSTANCE") || !strings.Contains(line, "DISAGREE") {
			continue
		}
		for _, row := range lines[i+1:] {
			if f := strings.Fields(strings.TrimLeft(row, ">+~ ")); len(f) > 1 && len(out) < n {
				out = append(out, f[1])
			}
		}
		break
	}
	return out
}
