package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// waitFleetView polls View until ok holds.
func waitFleetView(t *testing.T, f *Fleet, reg sources.Registry, what string, ok func(*state.FleetView) bool) *state.FleetView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var snap *sources.Snapshot
		if reg != nil {
			s := reg.Current()
			snap = &s
		}
		v := f.View(snap, time.Now())
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 60s; %d hosts, %d read", what, len(v.Hosts), v.Reachable)
		}
		select {
		case <-f.Poller.Updates():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func TestFleetFollowsTheRegistrysHosts(t *testing.T) {
	z := testenv.ZooKeeper(t)
	svc := testenv.HAService{Name: "svc_a"}
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 3, FirstIP: 60, Services: []testenv.HAService{svc}})
	n0 := z.Nerve(t, "a")
	n0.Register("/nerve/services/svc_a/services", fl.Hosts[0].IP, 31001)
	zs, err := zookeeper.Open(context.Background(), zookeeper.Options{Servers: []string{z.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	f, err := OpenFleet(context.Background(), FleetSettings{URL: fmt.Sprintf("http://{host}:%d/;csv", fl.StatsPort), Refresh: 200 * time.Millisecond}, zs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.Discovered {
		t.Fatal("without a hosts file the fleet is not discovered")
	}
	waitFleetView(t, f, zs, "the one registering host read", func(v *state.FleetView) bool {
		return len(v.Hosts) == 1 && v.Hosts[0].Name == fl.Hosts[0].IP && v.Reachable == 1
	})

	// A host that starts registering joins the fleet.
	z.Nerve(t, "b").Register("/nerve/services/svc_a/services", fl.Hosts[1].IP, 31001)
	v := waitFleetView(t, f, zs, "the second host read", func(v *state.FleetView) bool { return v.Reachable == 2 })
	if s := v.Service("svc_a"); s == nil || s.Registered != 2 || s.Hosts != 2 {
		t.Fatalf("svc_a: %+v", s)
	}

	// A registry that goes away keeps the hosts it had.
	z.Kill()
	waitFleetView(t, f, zs, "the registry down", func(v *state.FleetView) bool { return v.Registry.State != sources.StateConnected })
	cur := zs.Current()
	f.follow(&cur)
	if got := len(f.Poller.Current().Hosts); got != 2 {
		t.Errorf("the fleet has %d hosts while the registry is down, want the 2 it had", got)
	}
}

// TestFleetFromAHostsFile: the hosts of a hosts file and of --fleet-host
// together, each once; one where nothing listens is a host with its error.
func TestFleetFromAHostsFile(t *testing.T) {
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 2, FirstIP: 70, Services: []testenv.HAService{{Name: "svc_a"}}})
	file := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(file, []byte("# the fleet\n"+fl.Hosts[0].IP+"\n127.0.0.250\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFleet(context.Background(), FleetSettings{HostsFile: file, Hosts: []string{fl.Hosts[1].IP, fl.Hosts[0].IP},
		URL: fmt.Sprintf("http://{host}:%d/;csv", fl.StatsPort), Refresh: 200 * time.Millisecond}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := waitFleetView(t, f, nil, "two hosts read, one where nothing listens", func(v *state.FleetView) bool {
		return len(v.Hosts) == 3 && v.Reachable == 2 && v.Hosts[0].Err != ""
	})
	if h := v.Hosts[0]; h.Name != "127.0.0.250" || !strings.Contains(h.Err, "connection refused") { // hosts sort by name
		t.Errorf("host where nothing listens: %+v", h)
	}

	for _, c := range []struct {
		fs   FleetSettings
		want string
	}{
		{FleetSettings{HostsFile: filepath.Join(t.TempDir(), "missing")}, "--fleet-hosts"},
		{FleetSettings{}, "--fleet needs the hosts"},
		{FleetSettings{HostsFile: file, URL: "http://x/;csv"}, "--fleet-url"},
		{FleetSettings{Hosts: []string{"web-1", "web/2"}}, "--fleet-host: fleet host: host \"web/2\""},
	} {
		if _, err := OpenFleet(context.Background(), c.fs, nil, nil, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("OpenFleet(%+v) = %v, want an error naming %s", c.fs, err, c.want)
		}
	}
}
