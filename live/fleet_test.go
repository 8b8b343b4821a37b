package live

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/app"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// waitFleet reads frames until one's fleet view satisfies ok.
func waitFleet(t *testing.T, sub *Subscription, what string, ok func(Frame) bool) Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var last Frame
	for {
		f, more := sub.Next(ctx)
		if !more {
			var hosts []state.FleetHost
			if last.Fleet != nil {
				hosts = last.Fleet.Hosts
			}
			t.Fatalf("%s: not within 30s; last fleet hosts %+v", what, hosts)
		}
		last = f
		if f.Fleet != nil && ok(f) {
			return f
		}
	}
}

// TestFleetThroughThePipeline: three real HAProxy hosts and a real
// ZooKeeper. Frames are ready once every host was read, with the fleet
// joined to the registry; a deregistration shows at once as every host
// still routing to the instance (the registry change triggers the fleet
// join, without waiting for the next poll); a dead host becomes a row with
// its error while the others go on.
func TestFleetThroughThePipeline(t *testing.T) {
	z := testenv.ZooKeeper(t)
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 3, FirstIP: 110, Services: []testenv.HAService{{Name: "svc_a",
		Servers: []testenv.HAServer{{Name: "web1", Addr: "127.0.0.1:31001"}, {Name: "web2", Addr: "127.0.0.1:31002"}}}}})
	n1, n2 := z.Nerve(t, "web1"), z.Nerve(t, "web2")
	n1.Register("/nerve/services/svc_a/services", "127.0.0.1", 31001)
	web2 := n2.Register("/nerve/services/svc_a/services", "127.0.0.1", 31002)

	hosts := filepath.Join(t.TempDir(), "hosts")
	var list []string
	for _, h := range fl.Hosts {
		list = append(list, h.IP)
	}
	if err := os.WriteFile(hosts, []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	reg, err := zookeeper.Open(ctx, zookeeper.Options{Servers: []string{z.Addr}, Root: "/nerve/services"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	f, err := app.OpenFleet(ctx, app.FleetSettings{HostsFile: hosts, URL: fmt.Sprintf("http://{host}:%d/;csv", fl.StatsPort),
		Refresh: 500 * time.Millisecond}, reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := New(Options{Registry: reg, Fleet: f})
	sub := p.Subscribe()
	go p.Run(ctx)
	defer func() { cancel(); <-p.Done() }()

	ready := waitFleet(t, sub, "the first ready frame", func(f Frame) bool { return f.Ready })
	v := ready.Fleet
	if v.Reachable != 3 || len(ready.Failures()) != 0 {
		t.Fatalf("ready frame: %d of %d hosts read, failures %v", v.Reachable, len(v.Hosts), ready.Failures())
	}
	if s := v.Service("svc_a"); s == nil || s.Registered != 2 || s.Hosts != 3 || s.Disagreeing != 0 {
		t.Fatalf("svc_a in the ready frame: %+v", s)
	}

	n2.Deregister(web2)
	f2 := waitFleet(t, sub, "the deregistration in the fleet view", func(f Frame) bool {
		s := f.Fleet.Service("svc_a")
		return s != nil && s.Registered == 1
	})
	_, in := f2.Fleet.Instance("svc_a/web2_127.0.0.1:31002")
	if in == nil || in.Registration != nil || in.Counts.Up != 3 || len(in.Findings) != 3 {
		t.Fatalf("deregistered web2 in the fleet view: %+v", in)
	}
	for _, fd := range in.Findings {
		if fd.Kind != state.FleetStale || !fd.Routing || fd.Overdue {
			t.Errorf("finding right after the deregistration: %+v (stale, routing, not overdue yet)", fd)
		}
	}

	fl.Hosts[2].Kill()
	f3 := waitFleet(t, sub, "the dead host", func(f Frame) bool { return f.Fleet.Reachable == 2 })
	dead := f3.Fleet.Hosts[2]
	if dead.Name != fl.Hosts[2].IP || dead.Reachable || !strings.Contains(dead.Err, "connection refused") || dead.LastGood.IsZero() {
		t.Errorf("dead host row: %+v", dead)
	}
	if fails := f3.Failures(); len(fails) != 0 {
		t.Errorf("one dead host of three failed the frame: %v", fails)
	}
}

// TestFleetAloneThroughThePipeline: a fleet without a registry or HAProxy
// of this host (--fleet-hosts and nothing else) still makes frames, every
// backend a service of its own, and the pipeline ends when the fleet does.
func TestFleetAloneThroughThePipeline(t *testing.T) {
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 2, FirstIP: 115, Services: []testenv.HAService{{Name: "svc_a",
		Servers: []testenv.HAServer{{Name: "web1", Addr: "127.0.0.1:31001"}}}}})
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte(fl.Hosts[0].IP+"\n"+fl.Hosts[1].IP+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := app.OpenFleet(t.Context(), app.FleetSettings{HostsFile: hosts, URL: fmt.Sprintf("http://{host}:%d/;csv", fl.StatsPort),
		Refresh: 300 * time.Millisecond}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{Fleet: f})
	sub := p.Subscribe()
	go p.Run(t.Context())
	ready := waitFleet(t, sub, "the fleet alone", func(f Frame) bool { return f.Ready })
	if s := ready.Fleet.Service("svc_a"); ready.Fleet.Reachable != 2 || s == nil || s.Hosts != 2 || len(s.Instances) != 1 {
		t.Fatalf("fleet alone: %d hosts read, svc_a %+v", ready.Fleet.Reachable, s)
	}
	f.Close()
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the pipeline did not end when its only source, the fleet, stopped")
	}
}
