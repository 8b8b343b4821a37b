package actions

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/testenv"
)

// The real components are started once, on first use, and shared by the
// package's tests (two cores: no per-test ZooKeeper). Tests that change
// state put it back.
var env struct {
	mu    sync.Mutex
	zk    *testenv.ZK
	main  *testenv.HAP
	peer  *testenv.HAP
	serfA *testenv.SerfAgent
	serfB *testenv.SerfAgent
	stops []func()
}

func TestMain(m *testing.M) {
	if f := os.Getenv(sighupHelperEnv); f != "" {
		sighupHelper(f) // a child process standing in for Nerve
		return
	}
	code := m.Run()
	for i := len(env.stops) - 1; i >= 0; i-- {
		env.stops[i]()
	}
	testenv.StopAll()
	os.Exit(code)
}

// Server names shared by the HAProxy fixtures: hostA is in several backends
// on both sockets, which is what scope expansion must find.
const (
	hostA   = "host_127.0.0.1:3000"
	hostB   = "other_127.0.0.1:3001"
	checked = "chk_127.0.0.1:3002"
)

func mainConfig() testenv.HAProxyConfig {
	return testenv.HAProxyConfig{Services: []testenv.HAService{
		{Name: "svc_a", Servers: []testenv.HAServer{{Name: "host", Addr: "127.0.0.1:3000", Weight: 10}, {Name: "other", Addr: "127.0.0.1:3001", Weight: 10}}},
		{Name: "svc_b", Servers: []testenv.HAServer{{Name: "host", Addr: "127.0.0.1:3000", Weight: 20}}},
		{Name: "svc_h", Servers: []testenv.HAServer{{Name: "chk", Addr: "127.0.0.1:3002", Check: true, Options: "agent-check agent-port 3002 agent-inter 1h"}}},
	}}
}

func peerConfig() testenv.HAProxyConfig {
	return testenv.HAProxyConfig{TCPSocket: true, Services: []testenv.HAService{
		{Name: "svc_a", Servers: []testenv.HAServer{{Name: "host", Addr: "127.0.0.1:3000", Weight: 10}}},
		{Name: "svc_c", Servers: []testenv.HAServer{{Name: "host", Addr: "127.0.0.1:3000", Weight: 30}, {Name: "other", Addr: "127.0.0.1:3001", Weight: 30}}},
	}}
}

func haproxies(t *testing.T) (main, peer *testenv.HAP) {
	t.Helper()
	testenv.Need(t, "haproxy")
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.main == nil {
		m, err := testenv.StartHAProxy(mainConfig())
		if err != nil {
			t.Fatal(err)
		}
		env.stops = append(env.stops, m.Stop)
		p, err := testenv.StartHAProxy(peerConfig())
		if err != nil {
			t.Fatal(err)
		}
		env.stops = append(env.stops, p.Stop)
		env.main, env.peer = m, p
	}
	return env.main, env.peer
}

func zooKeeper(t *testing.T) *testenv.ZK {
	t.Helper()
	testenv.Need(t, "zookeeper")
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.zk == nil {
		z, err := testenv.StartZooKeeper()
		if err != nil {
			t.Fatal(err)
		}
		env.stops = append(env.stops, z.Stop)
		env.zk = z
	}
	return env.zk
}

// serfPair returns two joined agents: A is "local", B observes.
func serfPair(t *testing.T) (a, b *testenv.SerfAgent) {
	t.Helper()
	testenv.Need(t, "serf")
	env.mu.Lock()
	defer env.mu.Unlock()
	if env.serfA == nil {
		a, err := testenv.StartSerf(testenv.SerfConfig{Name: "local", Tags: map[string]string{"role": "web"}})
		if err != nil {
			t.Fatal(err)
		}
		env.stops = append(env.stops, a.Stop)
		b, err := testenv.StartSerf(testenv.SerfConfig{Name: "observer", Join: []string{a.BindAddr}})
		if err != nil {
			t.Fatal(err)
		}
		env.stops = append(env.stops, b.Stop)
		env.serfA, env.serfB = a, b
	}
	return env.serfA, env.serfB
}

// showStat reads the live `show stat` of h.
func showStat(t *testing.T, h *testenv.HAP) *haproxy.Stats {
	t.Helper()
	out, err := h.CommandErr("show stat")
	if err != nil {
		t.Fatal(err)
	}
	st, err := haproxy.ParseStat([]byte(out))
	if err != nil {
		t.Fatalf("parse show stat: %v\n%s", err, out)
	}
	return st
}

// snapshots is what the UI would hand NewServerAction: both sockets, labelled.
func snapshots(t *testing.T) []*haproxy.Snapshot {
	main, peer := haproxies(t)
	return []*haproxy.Snapshot{
		{Label: "main", Address: main.Socket, Stats: showStat(t, main)},
		{Label: "peer", Address: peer.Socket, Stats: showStat(t, peer)},
	}
}

// row finds backend/server in h's live stats.
func row(t *testing.T, h *testenv.HAP, backend, server string) *haproxy.Row {
	t.Helper()
	rows := showStat(t, h).Rows
	for i := range rows {
		if r := &rows[i]; r.IsServer() && r.Proxy == backend && r.Name() == server {
			return r
		}
	}
	t.Fatalf("%s/%s not in show stat", backend, server)
	return nil
}

// resetServers puts every fixture server back to ready and its configured weight.
func resetServers(t *testing.T) {
	t.Helper()
	main, peer := haproxies(t)
	for _, h := range []*testenv.HAP{main, peer} {
		for _, r := range showStat(t, h).Rows {
			if !r.IsServer() {
				continue
			}
			for _, c := range []string{
				"set server " + r.Proxy + "/" + r.Name() + " state ready",
				"set server " + r.Proxy + "/" + r.Name() + " health up",
				"set server " + r.Proxy + "/" + r.Name() + " weight 100%",
			} {
				if out := h.Command(c); strings.TrimSpace(out) != "" {
					t.Fatalf("%s: %s", c, out)
				}
			}
		}
	}
}
