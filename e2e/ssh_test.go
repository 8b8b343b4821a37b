package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/internal/testenv"
)

// sshEnv is a host reached through a real sshd: its ZooKeeper and HAProxy
// (newConsoleEnv), its Synapse config naming them, its hacheck spool, and
// two fleet hosts the console reads through the same connection.
type sshEnv struct {
	*consoleEnv
	sshd    *testenv.SSHD
	fleet   *testenv.Fleet
	synapse string
	spool   string
	hosts   string
	audit   string
}

func newSSHEnv(t *testing.T) *sshEnv {
	e := &sshEnv{consoleEnv: newConsoleEnv(t), sshd: testenv.SSHDWith(t)}
	e.fleet = testenv.NewFleet(t, testenv.FleetConfig{Hosts: 2, FirstIP: 140, Services: []testenv.HAService{{Name: "svc_alpha",
		Servers: []testenv.HAServer{{Name: "web", Addr: e.a1.Addr}, {Name: "web", Addr: e.a2.Addr}}}}})
	dir := t.TempDir()
	e.synapse, e.spool, e.hosts, e.audit = filepath.Join(dir, "synapse.conf.json"), filepath.Join(dir, "spool"), filepath.Join(dir, "fleet"), filepath.Join(dir, "audit.log")
	if err := os.Mkdir(e.spool, 0o755); err != nil {
		t.Fatal(err)
	}
	svc := func(name string) string {
		return fmt.Sprintf(`%q: {"discovery": {"method": "zookeeper", "hosts": [%q], "path": "/nerve/services/%s/services"}, "haproxy": {"port": 0}}`, name, e.z.Addr, name)
	}
	writeFile(t, e.synapse, `{"services": {`+svc("svc_alpha")+`, `+svc("svc_bravo")+`}, "haproxy": {"socket_file_path": "`+e.h.Socket+`", "reload_command": "true"}}`)
	writeFile(t, e.hosts, e.fleet.Hosts[0].IP+"\n"+e.fleet.Hosts[1].IP+"\n")
	return e
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// argv is the console on the SSH host: the ssh_config alias and the path
// of the host's Synapse config, nothing else about ZooKeeper or HAProxy.
func (e *sshEnv) argv(extra ...string) []string {
	return append([]string{binary, "--ssh", e.sshd.Alias, "--ssh-config", e.sshd.ClientConfig, "--synapse-config", e.synapse,
		"--hacheck-spool", e.spool, "--audit-log", e.audit,
		"--fleet-hosts", e.hosts, "--fleet-url", fmt.Sprintf("http://{host}:%d/;csv", e.fleet.StatsPort)}, extra...)
}

// TestConsoleThroughSSH drives the console in tmux on a host reached
// through a real sshd: ZooKeeper, HAProxy's unix socket and the fleet's
// stats pages all through the one connection, configured from the host's
// Synapse config read over SFTP. Durable maintenance names the SSH host in
// its dialog and audit record and writes the spool file there (sshd's SFTP
// log shows it). When sshd dies, every source shows unreachable with its
// age, and the console recovers by itself when sshd is back.
func TestConsoleThroughSSH(t *testing.T) {
	e := newSSHEnv(t)
	host, _ := os.Hostname()
	term := startTerm(t, 160, 45, tuiEnv(t), e.argv()...)
	term.WaitText(30*time.Second, "svc_alpha", "svc_bravo", "on "+host+" through SSH")
	if n := e.sshd.Connections(); n != 1 {
		t.Errorf("sshd has %d connections: everything must go through one", n)
	}

	// M on one of the host's instances: the dialog names the host.
	term.WaitFor("svc_alpha selected", 30*time.Second, func(s string) bool { return selected(s, "svc_alpha") })
	term.Keys("Enter")
	term.WaitText(30*time.Second, e.a1.PortString(), e.a2.PortString())
	selectRow(t, term, e.a1.PortString())
	term.Keys("M")
	term.WaitText(30*time.Second, "maintenance reason for", "on "+host+" (through SSH")
	term.Type("disk swap")
	term.Keys("Enter")
	term.WaitText(30*time.Second, "expires after")
	term.Keys("Enter")
	s := term.WaitText(30*time.Second, "Confirm: Maintenance: take svc_alpha", "On host: "+host+" (through SSH")
	if strings.Contains(s, "this host") {
		t.Errorf("the dialog of an action on the SSH host says \"this host\":\n%s", s)
	}
	term.Keys("y")
	spoolFile := filepath.Join(e.spool, "svc_alpha:"+e.a1.PortString())
	waitUntil(t, "the spool file on the SSH host", func() bool { _, err := os.Stat(spoolFile); return err == nil })
	if log, _ := os.ReadFile(e.sshd.SFTPLogPath()); !strings.Contains(string(log), `posix-rename old "`+spoolFile+`.stacktui-tmp" new "`+spoolFile+`"`) {
		t.Errorf("the spool file was not written through SSH (sftp log):\n%s", log)
	}
	recs, err := actions.ReadAudit(e.audit, 0)
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.TargetHost != host || !strings.HasPrefix(r.Via, "SSH ") || !strings.Contains(r.Via, e.sshd.Alias) || !strings.Contains(strings.Join(r.Targets, " "), "through SSH") {
			t.Errorf("audit %s record does not name the SSH host: %+v", r.Phase, r)
		}
	}

	// The fleet, read through the same connection: view 6 and D.
	term.Keys("Escape", "6")
	term.WaitText(30*time.Second, "Fleet: 2 of 2 hosts read")
	term.Keys("D")
	term.WaitText(30*time.Second, "From which hosts: svc_alpha", "UP on 2 hosts: "+e.fleet.Hosts[0].IP+", "+e.fleet.Hosts[1].IP)
	term.Keys("Escape", "1")

	// sshd dies: every source unreachable, with its age.
	e.sshd.Kill()
	term.WaitText(30*time.Second, "SSH to", "DOWN for", "all unreachable, last read: ZooKeeper ", "s, HAProxy ", "s, fleet (2 hosts) ")
	term.Keys("6")
	term.WaitText(30*time.Second, "Fleet: 0 of 2 hosts read", "unreadable: "+e.fleet.Hosts[0].IP)
	term.Keys("1")

	// sshd is back: everything recovers by itself.
	if err := e.sshd.Start(); err != nil {
		t.Fatal(err)
	}
	term.WaitFor("every source back", 60*time.Second, func(s string) bool {
		return strings.Contains(s, "on "+host+" through SSH") && !strings.Contains(s, "unreachable") && !strings.Contains(s, "last known state")
	})
	term.Keys("6")
	term.WaitText(30*time.Second, "Fleet: 2 of 2 hosts read")
	term.Keys("q")
	term.WaitExit(30*time.Second, 0)
}

// TestSSHHostKeyRefused: a host whose key does not match known_hosts, or
// is not in it, is refused before anything is read, with what to do; the
// terminal is left as it was.
func TestSSHHostKeyRefused(t *testing.T) {
	s := testenv.SSHDWith(t)
	changed, err := s.ChangedKeyConfig("ssh_config_changed")
	if err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(s.Dir, "empty_known_hosts")
	writeFile(t, empty, "")
	unknown, err := s.ClientConfigWith("ssh_config_unknown", empty)
	if err != nil {
		t.Fatal(err)
	}

	term := startTerm(t, 160, 30, tuiEnv(t), binary, "--ssh", s.Alias, "--ssh-config", changed, "--haproxy", "/run/haproxy.sock")
	sc := term.WaitExit(30*time.Second, 1)
	if !strings.Contains(sc, "REFUSED: the host key of") || !strings.Contains(sc, "does not match known_hosts") || !strings.Contains(sc, "ssh-keygen -R") {
		t.Errorf("a changed host key is not refused with what to do:\n%s", sc)
	}

	_, stderr, code := run(t, nil, "snapshot", "--ssh", s.Alias, "--ssh-config", unknown, "--haproxy", "/run/haproxy.sock")
	if code != 1 || !strings.Contains(stderr, "is not in known_hosts") || !strings.Contains(stderr, "never trusts a key on first use") {
		t.Errorf("an unknown host key: exit %d\n%s", code, stderr)
	}
	out, _, code := run(t, nil, "check", "--ssh", s.Alias, "--ssh-config", changed, "--haproxy", "/run/haproxy.sock")
	if code != 3 || !strings.HasPrefix(out, "STACKTUI UNKNOWN - REFUSED") {
		t.Errorf("check with a refused host key: exit %d (want 3, UNKNOWN)\n%s", code, out)
	}
	if log, _ := os.ReadFile(s.LogPath()); strings.Contains(string(log), "Accepted publickey") {
		t.Error("a refused host was logged in to: the key must be checked before authenticating")
	}
}

// TestSerfTagsThroughSSH: t on the member whose agent the console reads
// through SSH changes that member's tags through the SSH connection (sshd
// forwarded to the agent's RPC port), with the host named in the dialog
// and the audit log.
func TestSerfTagsThroughSSH(t *testing.T) {
	testenv.Need(t, "serf")
	s := testenv.SSHDWith(t)
	b := testenv.Backend(t)
	a := testenv.Serf(t, "node-ssh", map[string]string{"smart:api_" + b.PortString(): b.Addr, "smart:serverweight": "50"})
	audit := filepath.Join(t.TempDir(), "audit.log")
	host, _ := os.Hostname()
	term := startTerm(t, 160, 40, tuiEnv(t), binary, "--ssh", s.Alias, "--ssh-config", s.ClientConfig, "--serf", a.RPCAddr, "--audit-log", audit)
	term.WaitText(30*time.Second, "api", "on "+host+" through SSH")
	term.Keys("t")
	term.WaitText(30*time.Second, "Serf tags of member node-ssh", "tags of node-ssh: smart:serverweight=50")
	term.Keys("BSpace", "BSpace")
	term.Type("0")
	term.Keys("Enter")
	term.WaitText(30*time.Second, "Serf: drain node-ssh (weight 0)", "On host: "+host+" (through SSH", "reached through SSH")
	term.Keys("y")
	waitUntil(t, "node-ssh's weight 0", func() bool { return serfTag(t, a, "node-ssh", "smart:serverweight") == "0" })
	_, port, _ := strings.Cut(a.RPCAddr, ":")
	if log, _ := os.ReadFile(s.LogPath()); !strings.Contains(string(log), "target 127.0.0.1 port "+port) {
		t.Error("the agent was not reached through SSH (no forwarding to its RPC port in sshd's log)")
	}
	b2, err := os.ReadFile(audit)
	if err != nil {
		t.Fatal(err)
	}
	var rec actions.AuditRecord
	if err := json.Unmarshal([]byte(strings.SplitN(string(b2), "\n", 2)[0]), &rec); err != nil || rec.TargetHost != host || !strings.Contains(rec.Via, s.Alias) {
		t.Errorf("audit of the tag change: %+v %v", rec, err)
	}
	term.Keys("q")
	term.WaitExit(30*time.Second, 0)
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// selected reports whether screen's selected row (">", then a change mark
// or a space) names text.
func selected(screen, text string) bool {
	for _, line := range strings.Split(screen, "\n") {
		if strings.HasPrefix(line, ">") && strings.Contains(line, text) {
			return true
		}
	}
	return false
}
