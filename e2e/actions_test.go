package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/state"
)

// selectRow goes to the top and presses j until the selected row (drawn
// with "> ") holds text.
func selectRow(t *testing.T, term *Term, text string) {
	t.Helper()
	term.Keys("g")
	time.Sleep(100 * time.Millisecond)
	for i := 0; i < 20; i++ {
		for _, line := range strings.Split(term.Screen(), "\n") {
			if strings.HasPrefix(line, "> ") && strings.Contains(line, text) {
				return
			}
		}
		term.Keys("j")
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no row %q could be selected:\n%s", text, term.Screen())
}

// serfTag is member name's tag k as agent a sees it.
func serfTag(t *testing.T, a *testenv.SerfAgent, name, k string) string {
	t.Helper()
	ms, err := a.Members()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			return m.Tags[k]
		}
	}
	return ""
}

// TestTagsOnlyThroughTheMembersOwnAgent drives t against two real Serf
// agents with different RPC addresses. stacktui reads node-a's agent: t on
// node-b's instance refuses and shows the exact command for node-b's host,
// with -rpc-addr; t on node-a changes node-a (never node-b) through its
// agent; with node-b's agent configured (--serf-member-rpc), t on node-b
// changes node-b.
func TestTagsOnlyThroughTheMembersOwnAgent(t *testing.T) {
	testenv.Need(t, "haproxy")
	testenv.Need(t, "serf")
	ba, bb := testenv.Backend(t), testenv.Backend(t)
	a := testenv.Serf(t, "node-a", map[string]string{"smart:api_" + ba.PortString(): ba.Addr, "smart:serverweight": "50"})
	b := testenv.Serf(t, "node-b", map[string]string{"smart:api_" + bb.PortString(): bb.Addr}, a.BindAddr)
	if err := a.WaitMembers(20*time.Second, map[string]string{"node-a": "alive", "node-b": "alive"}); err != nil {
		t.Fatal(err)
	}
	h := testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "api",
		Servers: []testenv.HAServer{{Name: "node-a", Addr: ba.Addr}, {Name: "node-b", Addr: bb.Addr}}}}})

	term := startTerm(t, 150, 40, tuiEnv(t), binary, "--serf", a.RPCAddr, "--haproxy", "local="+h.Socket)
	term.WaitText(10*time.Second, "api")
	term.Keys("Enter")
	term.WaitText(5*time.Second, "node-a", "node-b")
	selectRow(t, term, "node-b")
	term.Keys("t")
	s := term.WaitText(5*time.Second, "Cannot change the Serf tags of node-b from here", "serf tags -rpc-addr 127.0.0.1:7373 -set smart:serverweight=0")
	if !strings.Contains(s, "Run on node-b's host (127.0.0.1):") || !strings.Contains(s, "--serf-member-") {
		t.Fatalf("the refusal does not say where and how:\n%s", s)
	}
	term.Keys("Escape")
	term.WaitGone(3*time.Second, "Cannot change")

	selectRow(t, term, "node-a")
	term.Keys("t")
	term.WaitText(5*time.Second, "Serf tags of member node-a", "tags of node-a: smart:serverweight=50")
	term.Keys("BSpace", "BSpace")
	term.Type("0")
	term.Keys("Enter")
	term.WaitText(5*time.Second, "Serf: drain node-a (weight 0)", "serf tags -rpc-addr "+a.RPCAddr+" -set smart:serverweight=0", "smart:serverweight=50 (the values before)")
	term.Keys("y")
	deadline := time.Now().Add(10 * time.Second)
	for serfTag(t, b, "node-a", "smart:serverweight") != "0" {
		if time.Now().After(deadline) {
			t.Fatalf("node-a's weight never became 0:\n%s", term.Screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if w := serfTag(t, a, "node-b", "smart:serverweight"); w != "" {
		t.Fatalf("node-b was changed too: %q", w)
	}

	// Marks never surprise: counted in the footer, also when a filter hides
	// them; a plan over them says so first; u clears them.
	selectRow(t, term, "node-a")
	term.Keys("Space")
	term.WaitText(3*time.Second, "1 marked · u clears")
	term.Keys("/")
	term.Type("node-b")
	term.Keys("Enter")
	term.WaitText(3*time.Second, "1 marked (1 off screen)")
	term.Keys("d")
	term.WaitText(3*time.Second, "Note: this acts on marked rows not on screen: 1 of 1 (1 hidden by the filter", "node-a_"+ba.Addr)
	term.Keys("Escape")
	term.WaitGone(3*time.Second, "Note:")
	term.Keys("u")
	term.WaitGone(3*time.Second, "marked")
	// The filtered HAProxy view names each server's backend.
	term.Keys("Escape", "2", "/")
	term.Type("node-b")
	term.Keys("Enter")
	term.WaitText(3*time.Second, "api/node-b_"+bb.Addr)
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)

	// With node-b's own agent configured, t on node-b goes through it.
	term = startTerm(t, 150, 40, tuiEnv(t), binary, "--serf", a.RPCAddr, "--haproxy", "local="+h.Socket, "--serf-member-rpc", "node-b="+b.RPCAddr)
	term.WaitText(10*time.Second, "api")
	term.Keys("Enter")
	term.WaitText(5*time.Second, "node-a", "node-b")
	selectRow(t, term, "node-b")
	term.Keys("t")
	term.WaitText(5*time.Second, "tags of node-b: smart:serverweight=")
	term.Type("0")
	term.Keys("Enter")
	term.WaitText(5*time.Second, "serf tags -rpc-addr "+b.RPCAddr+" -set smart:serverweight=0")
	term.Keys("y")
	deadline = time.Now().Add(10 * time.Second)
	for serfTag(t, a, "node-b", "smart:serverweight") != "0" {
		if time.Now().After(deadline) {
			t.Fatalf("node-b's weight never became 0:\n%s", term.Screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}

// maintEnv is a ZooKeeper with Nerve-style registrations of svc_m for this
// host (127.0.0.1) and for another host (10.9.9.9, an address no
// interface here has), an HAProxy with both servers, and this host's Nerve
// files: svc_m in service_conf_dir, checked directly (not through
// hacheck), with a real process standing in for Nerve.
type maintEnv struct {
	z      *testenv.ZK
	h      *testenv.HAP
	nh     *testenv.NerveHost
	local  *testenv.HTTPBackend
	znode  string
	nerve  *testenv.Nerve
	svcCfg string
}

func newMaintEnv(t *testing.T, hacheckRoute bool) *maintEnv {
	e := &maintEnv{z: testenv.ZooKeeper(t), local: testenv.Backend(t)}
	e.h = testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "svc_m",
		Servers: []testenv.HAServer{{Name: "web-1", Addr: e.local.Addr}, {Name: "web-2", Addr: "10.9.9.9:" + e.local.PortString()}}}}})
	e.nerve = e.z.Nerve(t, "web-1")
	e.znode = e.nerve.Register("/nerve/services/svc_m/services", "127.0.0.1", e.local.Port)
	e.z.Nerve(t, "web-2").Register("/nerve/services/svc_m/services", "10.9.9.9", e.local.Port)
	e.nh = testenv.StartNerveHost(t, "web-1")
	s := testenv.NerveHostService{Host: "127.0.0.1", Port: e.local.Port, ZKPath: "/nerve/services/svc_m/services"}
	if hacheckRoute {
		s.Hacheck = "svc_m"
		e.nh.Service(t, "svc_m_"+e.local.PortString(), s)
	} else {
		e.svcCfg = e.nh.ConfService(t, "svc_m_"+e.local.PortString(), s)
	}
	return e
}

// TestDurableMaintenanceOnThisHostOnly drives M, U and R in tmux on real
// ZooKeeper registrations: M on another host's instance refuses with what
// to run there; M on this host's instance, whose Nerve does not check
// through hacheck, moves its service file aside and SIGHUPs Nerve instead
// of writing a spool file that would do nothing; the row then reads
// maintenance; U puts it back. R's output and exit code stay on screen.
func TestDurableMaintenanceOnThisHostOnly(t *testing.T) {
	e := newMaintEnv(t, false)
	reload := "echo reloading haproxy; echo '[ALERT] config: missing LF on last line'; exit 3"
	term := startTerm(t, 160, 40, tuiEnv(t), binary, "--zk", e.z.Addr, "--haproxy", "local="+e.h.Socket,
		"--nerve-config", e.nh.Config, "--hacheck-spool", e.nh.Spool, "--nerve-pid-file", e.nh.PIDFile, "--reload-cmd", reload)
	term.WaitText(10*time.Second, "svc_m")
	term.Keys("Enter")
	term.WaitText(5*time.Second, "web-1", "web-2")

	selectRow(t, term, "web-2")
	term.Keys("M")
	s := term.WaitText(5*time.Second, "Cannot put svc_m 10.9.9.9:"+e.local.PortString()+" (web-2) in durable maintenance from here")
	if !strings.Contains(s, "not an address of this host") || !strings.Contains(s, "hadown -r '<reason>' svc_m") {
		t.Fatalf("refusal:\n%s", s)
	}
	term.Keys("Escape")
	term.WaitGone(3*time.Second, "Cannot put")

	selectRow(t, term, "web-1")
	term.Keys("M")
	term.WaitText(5*time.Second, "stop registering svc_m 127.0.0.1:"+e.local.PortString()+" (web-1)", "a hacheck spool file would change nothing", "kill -HUP")
	term.Keys("y")
	e.nh.WaitHUPs(t, 1)
	if _, err := os.Stat(e.svcCfg + ".disabled"); err != nil {
		t.Fatalf("the service file was not moved aside: %v", err)
	}
	if es, _ := os.ReadDir(e.nh.Spool); len(es) != 0 {
		t.Fatalf("M wrote %d spool files", len(es))
	}
	// What Nerve and Synapse (with its state file) do then.
	e.nerve.Deregister(e.znode)
	e.h.Command("set server svc_m/web-1_" + e.local.Addr + " state maint")
	term.WaitFor("the row in maintenance, not deregistered", 10*time.Second, func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "web-1 (in maintenance)") && strings.Contains(l, "maintenance:") {
				return true
			}
		}
		return false
	})
	term.Keys("D")
	term.WaitText(5*time.Second, "In durable maintenance on this host? yes", "Nerve service file moved aside")
	term.Keys("Escape")

	term.Keys("U")
	term.WaitText(5*time.Second, "register svc_m 127.0.0.1:"+e.local.PortString()+" (web-1) on this host again")
	term.Keys("y")
	e.nh.WaitHUPs(t, 2)
	if _, err := os.Stat(e.svcCfg); err != nil {
		t.Fatalf("the service file was not moved back: %v", err)
	}

	term.Keys("R")
	term.WaitText(5*time.Second, "Confirm: Reload")
	term.Keys("y")
	term.WaitText(10*time.Second, "FAILED", "[ALERT] config: missing LF on last line", "exit code 3")
	time.Sleep(300 * time.Millisecond)
	term.WaitText(time.Second, "exit code 3") // it stays
	term.Keys("Escape")
	term.WaitGone(3*time.Second, "exit code 3")
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}

// TestSnapshotAndCheckShowMaintenance: a hacheck spool file in force on
// this host (its Nerve checks svc_m through hacheck) shows in snapshot --json
// on this host's instance only, and in check's line; still registered two
// minutes after the file was written, it says Nerve may not be honouring it.
func TestSnapshotAndCheckShowMaintenance(t *testing.T) {
	e := newMaintEnv(t, true)
	created := time.Now().Add(-2 * time.Minute)
	spool := filepath.Join(e.nh.Spool, "svc_m:"+e.local.PortString())
	if err := os.WriteFile(spool, hacheck.Encode("disk swap (by alice)", created.Add(time.Hour), created), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--zk", e.z.Addr, "--haproxy", "local=" + e.h.Socket, "--nerve-config", e.nh.Config, "--hacheck-spool", e.nh.Spool, "--read-only"}
	out, stderr, code := run(t, nil, append([]string{"snapshot", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("snapshot exit %d: %s", code, stderr)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	svc := findService(t, &doc, "svc_m")
	var local, remote *report.InstanceDoc
	for i := range svc.Instances {
		switch svc.Instances[i].Host {
		case "127.0.0.1":
			local = &svc.Instances[i]
		case "10.9.9.9":
			remote = &svc.Instances[i]
		}
	}
	if local == nil || remote == nil {
		t.Fatalf("instances:\n%s", out)
	}
	if local.Worst != state.CodeMaintenance || len(local.Maintenance) != 1 || local.Maintenance[0].By != "alice" || local.Maintenance[0].File != spool {
		t.Fatalf("this host's instance:\n%s", out)
	}
	if !strings.Contains(local.Diagnoses[0].Text, "still registered") {
		t.Errorf("a file Nerve does not act on is not said: %s", local.Diagnoses[0].Text)
	}
	if len(remote.Maintenance) != 0 {
		t.Errorf("the other host's instance on the same port is in this host's maintenance:\n%s", out)
	}
	if doc.Maintenance == nil || len(doc.Maintenance.Entries) != 1 || doc.Maintenance.Entries[0].Addr != "127.0.0.1:"+e.local.PortString() {
		t.Errorf("document maintenance %+v", doc.Maintenance)
	}
	line, _, _ := run(t, nil, append([]string{"check", "--service", "svc_m", "--crit-up-below", "0"}, args...)...)
	if !strings.Contains(line, "in maintenance on this host: svc_m 127.0.0.1:"+e.local.PortString()+" (disk swap, by alice)") {
		t.Errorf("check line: %s", line)
	}
}
