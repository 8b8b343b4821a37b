package sshconn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
	"github.com/stacktui/stacktui/sources/fleet"
	"github.com/stacktui/stacktui/sources/serf"
	"github.com/stacktui/stacktui/sources/zookeeper"
)

// waitSnap waits until the registry's current snapshot satisfies ok.
func waitSnap(t *testing.T, r sources.Registry, what string, ok func(sources.Snapshot) bool) sources.Snapshot {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		s := r.Current()
		if ok(s) {
			return s
		}
		select {
		case <-r.Updates():
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%s: not within 60s; snapshot state %s, err %q, %d services", what, s.State, s.Err, len(s.Services))
		}
	}
}

func registered(s sources.Snapshot, svc, host string) bool {
	for _, v := range s.Services {
		if v.Name == svc {
			for _, r := range v.Registrations {
				if r.Host == host {
					return true
				}
			}
		}
	}
	return false
}

// TestEverySourceThroughOneSSHConnection reads a real ZooKeeper, a real
// HAProxy's unix socket, a real Serf agent, the host's Synapse config and a
// fleet host's stats page, all through one SSH connection; then the
// connection drops (sshd killed): every source is unreachable; sshd comes
// back: every source recovers by itself.
func TestEverySourceThroughOneSSHConnection(t *testing.T) {
	s := testenv.SSHDWith(t)
	z := testenv.ZooKeeper(t)
	z.Nerve(t, "web1").Register("/nerve/services/svc_a/services", "127.0.0.1", 31001)
	hap := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "svc_a",
		Servers: []testenv.HAServer{{Name: "web1", Addr: "127.0.0.1:31001"}}}}})
	agent := testenv.Serf(t, "node1", map[string]string{"smart:svc_b": "127.0.0.1:32001"})
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 1, FirstIP: 40, Services: []testenv.HAService{{Name: "svc_a",
		Servers: []testenv.HAServer{{Name: "web1", Addr: "127.0.0.1:31001"}}}}})

	c := dial(t, Options{Target: s.Alias, Files: files(s)})
	ctx := context.Background()

	zs, err := zookeeper.Open(ctx, zookeeper.Options{Servers: []string{z.Addr}, Dial: c.DialContext})
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	waitSnap(t, zs, "ZooKeeper through SSH", func(s sources.Snapshot) bool { return s.Synced && registered(s, "svc_a", "127.0.0.1") })
	if h := zookeeper.HealthAllVia(ctx, []string{z.Addr}, c.DialContext); !h[0].OK {
		t.Errorf("ZooKeeper health through SSH: %+v", h[0])
	}

	hc, err := client.Dial(ctx, client.Options{Address: hap.Socket, ReadOnly: true, Dial: c.DialContext, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if st, err := hc.ShowStat(ctx); err != nil || len(st.Rows) == 0 {
		t.Fatalf("HAProxy unix socket through SSH: %v", err)
	}

	local, err := c.Forward(agent.RPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := serf.Open(ctx, serf.Options{Addr: local, Label: agent.RPCAddr, Reconnect: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	snap := waitSnap(t, ss, "Serf through SSH", func(s sources.Snapshot) bool { return s.Synced && registered(s, "svc_b", "127.0.0.1") })
	if snap.Address != agent.RPCAddr {
		t.Errorf("Serf snapshot names %q, want the agent's own address %q", snap.Address, agent.RPCAddr)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "synapse.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "synapse.conf.json"), fmt.Sprintf(`{"service_conf_dir": %q, "haproxy": {"socket_file_path": %q}}`, filepath.Join(dir, "synapse.d"), hap.Socket))
	writeFile(t, filepath.Join(dir, "synapse.d", "svc_a.json"), fmt.Sprintf(`{"discovery": {"method": "zookeeper", "hosts": [%q], "path": "/nerve/services/svc_a/services"}, "haproxy": {"port": 3210}}`, z.Addr))
	path := config.FindIn(c, "", filepath.Join(dir, "synapse.conf.json"))
	syn, err := config.LoadSynapseFS(c, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := syn.ZKServers(); len(got) != 1 || got[0] != z.Addr || syn.HAProxy.SocketFilePath != hap.Socket {
		t.Fatalf("Synapse config read over SFTP: zk %v, socket %q", got, syn.HAProxy.SocketFilePath)
	}
	if config.FindIn(c, "", filepath.Join(dir, "missing.json")) != "" {
		t.Error("FindIn found a file that does not exist on the host")
	}

	tg, err := fleet.ParseEndpoint(fl.Hosts[0].StatsURL)
	if err != nil {
		t.Fatal(err)
	}
	fp := fleet.New(fleet.Options{Targets: []fleet.Target{tg}, Refresh: 200 * time.Millisecond, Dial: c.DialContext})
	fp.Start(ctx)
	defer fp.Close()
	waitFleetHost(t, fp, "the fleet through SSH as a jump host", func(h *fleet.Host) bool { return h.Reachable() })

	if n := s.Connections(); n != 1 {
		t.Errorf("sshd has %d client connections, want everything on one", n)
	}

	// The connection drops: every source unreachable, with what it knows.
	s.Kill()
	waitState(t, c, "down", func(st State) bool { return !st.Up })
	waitSnap(t, zs, "ZooKeeper unreachable", func(s sources.Snapshot) bool { return s.State != sources.StateConnected })
	waitSnap(t, ss, "Serf unreachable", func(s sources.Snapshot) bool { return s.State != sources.StateConnected })
	if _, err := hc.ShowStat(ctx); err == nil || !strings.Contains(err.Error(), "SSH connection") {
		t.Errorf("HAProxy read while SSH is down: %v, want the SSH outage named", err)
	}
	h := waitFleetHost(t, fp, "fleet host unreachable", func(h *fleet.Host) bool { return !h.Reachable() })
	if !strings.Contains(h.Err, "is down since") {
		t.Errorf("fleet host error %q does not say SSH is down", h.Err)
	}

	// SSH comes back: everything recovers by itself.
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	waitState(t, c, "up", func(st State) bool { return st.Up })
	waitSnap(t, zs, "ZooKeeper back", func(s sources.Snapshot) bool {
		return s.State == sources.StateConnected && registered(s, "svc_a", "127.0.0.1")
	})
	waitSnap(t, ss, "Serf back", func(s sources.Snapshot) bool { return s.State == sources.StateConnected && s.Synced })
	if _, err := hc.ShowStat(ctx); err != nil {
		t.Errorf("HAProxy after SSH came back: %v", err)
	}
	waitFleetHost(t, fp, "fleet host back", func(h *fleet.Host) bool { return h.Reachable() })
}

func waitFleetHost(t *testing.T, p *fleet.Poller, what string, ok func(*fleet.Host) bool) *fleet.Host {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case s := <-p.Updates():
			if len(s.Hosts) > 0 && ok(&s.Hosts[0]) {
				return &s.Hosts[0]
			}
		case <-deadline:
			t.Fatalf("%s: not within 60s: %+v", what, p.Current().Hosts)
		}
	}
}
