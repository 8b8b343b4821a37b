package fleet_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/fleet"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// fleetScene is 22 SmartStack hosts: each registers svc_a on its own
// address (Nerve in a real ZooKeeper), three also svc_b, and each runs an
// HAProxy configured as Synapse would from that registry.
type fleetScene struct {
	zk    *testenv.ZK
	fleet *testenv.Fleet
	nerve map[string]*testenv.Nerve
	znode map[string]string // "svc/ip" -> znode
	regs  map[string][]testenv.HAServer
}

const (
	portA = 31001
	portB = 32001
)

// services is the HAProxy config Synapse writes for the current registry.
func (s *fleetScene) services() []testenv.HAService {
	return []testenv.HAService{{Name: "svc_a", Servers: s.regs["svc_a"]}, {Name: "svc_b", Servers: s.regs["svc_b"]}}
}

func (s *fleetScene) register(t *testing.T, svc, ip string, port int) {
	t.Helper()
	n := s.nerve[ip]
	if n == nil {
		n = s.zk.Nerve(t, "host_"+strings.ReplaceAll(ip, ".", "_"))
		s.nerve[ip] = n
	}
	s.znode[svc+"/"+ip] = n.Register("/nerve/services/"+svc+"/services", ip, port)
	s.regs[svc] = append(s.regs[svc], testenv.HAServer{Name: n.ID, Addr: ip + ":" + strconv.Itoa(port)})
}

// deregister removes the registration; Synapse with a state file then
// disables the server (it stays, in MAINT).
func (s *fleetScene) deregister(t *testing.T, svc, ip string) {
	t.Helper()
	s.nerve[ip].Deregister(s.znode[svc+"/"+ip])
	for i := range s.regs[svc] {
		if strings.HasPrefix(s.regs[svc][i].Addr, ip+":") {
			s.regs[svc][i].Disabled = true
		}
	}
}

func newFleetScene(t *testing.T, hosts int) *fleetScene {
	t.Helper()
	s := &fleetScene{zk: testenv.ZooKeeper(t), nerve: map[string]*testenv.Nerve{}, znode: map[string]string{}, regs: map[string][]testenv.HAServer{}}
	for i := range hosts {
		ip := "127.0.0." + strconv.Itoa(10+i)
		s.register(t, "svc_a", ip, portA)
		if i < 3 {
			s.register(t, "svc_b", ip, portB)
		}
	}
	s.fleet = testenv.NewFleet(t, testenv.FleetConfig{Hosts: hosts, Services: s.services()})
	return s
}

// TestFleetViewAgainstRealZooKeeperAndTwentyTwoHAProxies is the whole
// fleet path: hosts discovered from a real registry, 22 real HAProxy
// stats pages, two hosts whose Synapse is stuck, two dead hosts.
func TestFleetViewAgainstRealZooKeeperAndTwentyTwoHAProxies(t *testing.T) {
	const hosts = 22
	sc := newFleetScene(t, hosts)
	ctx := t.Context()
	zs, err := zookeeper.Open(ctx, zookeeper.Options{Servers: []string{sc.zk.Addr}, Root: "/nerve/services"})
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	reg := waitRegistry(t, zs, func(s *sources.Snapshot) bool { return countRegs(s) == hosts+3 })

	// Discover the fleet from the registry: every host that registers.
	found := fleet.Discover(reg)
	if len(found) != hosts {
		t.Fatalf("discovered %d hosts, want %d: %v", len(found), hosts, found)
	}
	tm, err := fleet.ParseTemplate(fmt.Sprintf("http://{host}:%d/;csv", sc.fleet.StatsPort))
	if err != nil {
		t.Fatal(err)
	}
	var targets []fleet.Target
	for _, h := range found {
		tg, err := tm.For(h)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	p := fleet.New(fleet.Options{Targets: targets, Refresh: 300 * time.Millisecond, Concurrency: 8})
	p.Start(context.Background())
	defer p.Close()

	hist := state.NewFleetHistory()
	grace := 2 * time.Second
	join := func() *state.FleetView {
		r := zs.Current()
		v := state.JoinFleet(&r, p.Current(), state.FleetConfig{History: hist, Grace: grace})
		hist.Observe(v)
		return v
	}
	v := waitView(t, p, join, "every host read and agreeing", func(v *state.FleetView) bool {
		if v.Reachable != hosts {
			return false
		}
		for _, s := range v.Services {
			if s.Disagreeing != 0 {
				return false
			}
		}
		return true
	})
	a := v.Service("svc_a")
	if a.Hosts != hosts || a.Registered != hosts || len(a.Instances) != hosts {
		t.Fatalf("svc_a across the fleet: %d hosts, %d registered, %d instances", a.Hosts, a.Registered, len(a.Instances))
	}
	for _, in := range a.Instances {
		if in.Counts != (state.FleetCounts{Up: hosts}) {
			t.Fatalf("%s: %+v, want UP on every host", in.Key, in.Counts)
		}
	}

	// The incident: a new svc_b instance on .13, svc_a on .20 deregistered.
	// Synapse acts on every host but .28 and .29 (stuck); .30 and .31 die.
	sc.register(t, "svc_b", "127.0.0.13", portB)
	sc.deregister(t, "svc_a", "127.0.0.20")
	waitRegistry(t, zs, func(s *sources.Snapshot) bool {
		for _, svc := range s.Services {
			if svc.Name == "svc_b" && len(svc.Registrations) == 4 {
				return countRegs(s) == hosts+3
			}
		}
		return false
	})
	stuck := map[string]bool{"127.0.0.28": true, "127.0.0.29": true}
	dead := map[string]bool{"127.0.0.30": true, "127.0.0.31": true}
	var wg sync.WaitGroup
	errs := make(chan error, hosts)
	for _, h := range sc.fleet.Hosts {
		switch {
		case dead[h.IP]:
			h.Kill()
		case !stuck[h.IP]:
			wg.Go(func() {
				if err := h.Reload(sc.services()); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	newKey := "svc_b/host_127_0_0_13_127.0.0.13:" + strconv.Itoa(portB)
	goneKey := "svc_a/host_127_0_0_20_127.0.0.20:" + strconv.Itoa(portA)
	v = waitView(t, p, join, "the stuck hosts named after the grace period", func(v *state.FleetView) bool {
		_, in := v.Instance(newKey)
		_, old := v.Instance(goneKey)
		if in == nil || old == nil || in.Counts.Up != hosts-4 || v.Reachable != hosts-2 ||
			len(v.Hosts[indexOf(v, "127.0.0.28")].Stuck) != 2 || len(v.Hosts[indexOf(v, "127.0.0.29")].Stuck) != 2 {
			return false
		}
		for _, f := range append(in.Findings, old.Findings...) {
			if !f.Overdue {
				return false // first seen less than the grace period ago
			}
		}
		return true
	})

	_, nb := v.Instance(newKey)
	if want := (state.FleetCounts{Up: hosts - 4, Absent: 2, Unknown: 2}); nb.Counts != want {
		t.Errorf("new svc_b instance: %+v, want %+v", nb.Counts, want)
	}
	_, gone := v.Instance(goneKey)
	if gone == nil || gone.Registration != nil {
		t.Fatalf("deregistered instance: %+v", gone)
	}
	if want := (state.FleetCounts{Up: 2, Maint: hosts - 4, Unknown: 2}); gone.Counts != want {
		t.Errorf("deregistered svc_a instance: %+v, want %+v", gone.Counts, want)
	}
	for _, in := range []*state.FleetInstance{nb, gone} {
		if len(in.Findings) != 2 {
			t.Fatalf("%s: findings %+v, want the two stuck hosts", in.Key, in.Findings)
		}
		for _, f := range in.Findings {
			if !stuck[f.Host] || !f.Stuck || !f.Overdue {
				t.Errorf("%s: finding %+v", in.Key, f)
			}
		}
	}
	for _, h := range v.Hosts {
		switch {
		case dead[h.Name]:
			if h.Reachable || !strings.Contains(h.Err, "connection refused") {
				t.Errorf("dead host %s: %+v", h.Name, h)
			}
		case stuck[h.Name]:
			if h.Disagreements != 2 {
				t.Errorf("stuck host %s disagrees on %d instances, want 2", h.Name, h.Disagreements)
			}
		default:
			if !h.Reachable || h.Disagreements != 0 || len(h.Stuck) != 0 {
				t.Errorf("up-to-date host %s: %+v", h.Name, h)
			}
		}
	}
	ev := strings.Join(v.Evidence(goneKey), "\n")
	for _, want := range []string{"is not registered", "UP on 2 hosts: 127.0.0.28, 127.0.0.29",
		"Synapse on 127.0.0.28 looks stuck", "Unknown on 2 hosts that could not be read: 127.0.0.30 (connection refused"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence for %s lacks %q:\n%s", goneKey, want, ev)
		}
	}

	// Synapse on .28 catches up: it stops disagreeing.
	if err := sc.fleet.Host("127.0.0.28").Reload(sc.services()); err != nil {
		t.Fatal(err)
	}
	waitView(t, p, join, "the host that caught up agreeing", func(v *state.FleetView) bool {
		h := v.Hosts[indexOf(v, "127.0.0.28")]
		return h.Reachable && h.Disagreements == 0 && len(h.Stuck) == 0
	})
}

func indexOf(v *state.FleetView, host string) int {
	for i := range v.Hosts {
		if v.Hosts[i].Name == host {
			return i
		}
	}
	return -1
}

func countRegs(s *sources.Snapshot) int {
	n := 0
	for _, svc := range s.Services {
		n += len(svc.Registrations)
	}
	return n
}

func waitRegistry(t *testing.T, zs *zookeeper.Source, ok func(*sources.Snapshot) bool) *sources.Snapshot {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s := zs.Current()
		if s.Synced && ok(&s) {
			return &s
		}
		select {
		case _, open := <-zs.Updates():
			if !open {
				t.Fatal("registry closed")
			}
		case <-deadline:
			t.Fatalf("registry not as expected within 30s: %d registrations, synced %v", countRegs(&s), s.Synced)
		}
	}
}

// waitView joins at each fleet update until ok holds.
func waitView(t *testing.T, p *fleet.Poller, join func() *state.FleetView, what string, ok func(*state.FleetView) bool) *state.FleetView {
	t.Helper()
	deadline := time.After(60 * time.Second)
	var v *state.FleetView
	for {
		select {
		case _, open := <-p.Updates():
			if !open {
				t.Fatal("fleet poller closed")
			}
			v = join()
			if ok(v) {
				return v
			}
		case <-deadline:
			var b strings.Builder
			if v != nil {
				for _, h := range v.Hosts {
					fmt.Fprintf(&b, "  %s reachable=%v err=%q disagreements=%d stuck=%v\n", h.Name, h.Reachable, h.Err, h.Disagreements, h.Stuck)
				}
			}
			t.Fatalf("%s: not seen within 60s; last view:\n%s", what, b.String())
		}
	}
}
