package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/sshconn"
	"github.com/stacktui/stacktui/internal/testenv"
)

// TestOpenThroughSSH opens the console's sources with --ssh and nothing
// else but the path of the host's Synapse config: the ZooKeeper ensemble,
// the HAProxy socket and the backends come from that config, read over
// SFTP; ZooKeeper, the unix socket and a fleet host's stats page are read
// through the one SSH connection; the host is named from its own kernel;
// and the writers act there (a drain sent through the tunnel shows on the
// real HAProxy). The fleet's socket gets no writer.
func TestOpenThroughSSH(t *testing.T) {
	s := testenv.SSHDWith(t)
	z := testenv.ZooKeeper(t)
	z.Nerve(t, "web1").Register("/nerve/services/svc_a/services", "127.0.0.1", 31001)
	svc := testenv.HAService{Name: "svc_a", Servers: []testenv.HAServer{{Name: "web1", Addr: "127.0.0.1:31001"}}}
	hap := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{svc}})
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 1, FirstIP: 130, TCPSocket: true, Services: []testenv.HAService{svc}})

	dir := t.TempDir()
	synapse := filepath.Join(dir, "synapse.conf.json")
	write(t, synapse, fmt.Sprintf(`{"services": {"svc_a": {"discovery": {"method": "zookeeper", "hosts": [%q], "path": "/nerve/services/svc_a/services"},
		"haproxy": {"port": 3210}}}, "haproxy": {"socket_file_path": %q, "reload_command": "true"}}`, z.Addr, hap.Socket))
	hosts := filepath.Join(dir, "fleet")
	write(t, hosts, fl.Hosts[0].IP+"\n")

	ctx := t.Context()
	src, err := Open(ctx, Settings{SSH: s.Alias, SSHConfig: s.ClientConfig, SynapseConfig: synapse, Refresh: 200 * time.Millisecond,
		HacheckSpool: dir, Fleet: &FleetSettings{HostsFile: hosts, URL: fmt.Sprintf("tcp://{host}:%d", fl.SocketPort), Refresh: 200 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()

	here, _ := os.Hostname()
	if w := src.Where; !w.Remote() || w.Host.Name != here || !slices.Contains(w.Host.Addrs, "127.0.0.1") || !strings.Contains(w.Via, s.Alias) {
		t.Errorf("the SSH host: %+v (want this machine's name and addresses, read from its /proc over SFTP)", w)
	}
	if src.Synapse == nil || len(src.ZKServers) != 1 || src.ZKServers[0] != z.Addr || len(src.HAProxyOpts) != 1 || src.HAProxyOpts[0].Address != hap.Socket {
		t.Fatalf("from the host's Synapse config: zk %v, sockets %+v", src.ZKServers, src.HAProxyOpts)
	}
	waitFor(t, "ZooKeeper through SSH", func() bool {
		r := src.Registry.Current()
		return r.Synced && len(r.Services) == 1 && len(r.Services[0].Registrations) == 1
	})
	waitFor(t, "HAProxy's unix socket through SSH", func() bool {
		c := src.Poller.Current()
		return len(c) == 1 && c[0] != nil && c[0].Stats != nil && c[0].Err == nil
	})
	waitFor(t, "the fleet host through SSH", func() bool { return src.Fleet.Poller.Current().Reachable() == 1 })
	if n := s.Connections(); n != 1 {
		t.Errorf("sshd has %d connections: everything must go through one", n)
	}

	w, closeWriters := src.OpenWriters()
	defer closeWriters()
	if _, ok := w.Files.(remoteFiles); !ok || w.Where.Via != src.Where.Via {
		t.Errorf("writers: files %T, where %+v: want the SSH host's", w.Files, w.Where)
	}
	for label, hw := range w.HAProxy {
		if o := hw.(*haproxyWriter).opts; o.Address == fl.Hosts[0].SocketAddr || label != src.HAProxyOpts[0].Label {
			t.Errorf("a writer for %s (%s): only this host's own socket may have one, never a fleet host's", label, o.Address)
		}
	}
	audit, err := actions.OpenAudit(filepath.Join(dir, "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	ex := actions.NewExecutor(w, audit)
	drain, err := actions.NewServerAction(actions.OpDrain, "", []actions.Target{{Socket: src.HAProxyOpts[0].Label, Backend: "svc_a", Server: "web1_127.0.0.1:31001"}},
		actions.ScopeBackend, src.Poller.Current())
	if err != nil {
		t.Fatal(err)
	}
	if res := ex.Run(ctx, drain); res.Err != nil {
		t.Fatalf("drain through SSH: %v", res.Err)
	}
	if st := hap.Command("show stat"); !strings.Contains(st, "web1_127.0.0.1:31001") || !hasStatus(st, "web1_127.0.0.1:31001", "DRAIN") {
		t.Errorf("the drain sent through SSH did not reach HAProxy:\n%s", st)
	}
	// sshd saw each: the socket by stream-local forwarding, ZooKeeper by
	// TCP forwarding, the Synapse config over SFTP.
	_, zkPort, _ := strings.Cut(z.Addr, ":")
	sshdLog, _ := os.ReadFile(s.LogPath())
	sftpLog, _ := os.ReadFile(s.SFTPLogPath())
	for _, c := range []struct{ log, want string }{
		{string(sshdLog), "server_request_direct_streamlocal: originator  port 0, target " + hap.Socket},
		{string(sshdLog), "target 127.0.0.1 port " + zkPort},
		{string(sftpLog), `open "` + synapse + `" flags READ`},
	} {
		if !strings.Contains(c.log, c.want) {
			t.Errorf("sshd's logs lack %q", c.want)
		}
	}
	recs, _ := audit.Recent(2)
	if len(recs) != 2 || recs[0].TargetHost != here || !strings.HasPrefix(recs[0].Via, "SSH ") {
		t.Errorf("audit of an action through SSH: %+v", recs)
	}
}

// TestOpenRefusesAWrongHostKey: a host whose key does not match
// known_hosts opens nothing and says why.
func TestOpenRefusesAWrongHostKey(t *testing.T) {
	s := testenv.SSHDWith(t)
	cfg, err := s.ChangedKeyConfig("ssh_config_wrong")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), Settings{SSH: s.Alias, SSHConfig: cfg, HAProxy: []string{"/run/haproxy.sock"}})
	var hk *sshconn.HostKeyError
	var reach *ReachError
	if !errors.As(err, &hk) || !hk.Changed || !errors.As(err, &reach) || !strings.Contains(err.Error(), "REFUSED") {
		t.Fatalf("Open with a wrong host key: %v", err)
	}
}

func hasStatus(stat, server, status string) bool {
	st, err := haproxy.ParseStat([]byte(stat))
	if err != nil {
		return false
	}
	for _, r := range st.Rows {
		if r.Name() == server {
			return r.StatusWord() == status
		}
	}
	return false
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within 60s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
