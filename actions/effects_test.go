package actions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/haproxy/client"
)

func newAudit(t *testing.T) *AuditLog {
	t.Helper()
	a, err := OpenAudit(filepath.Join(t.TempDir(), "state", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// ok fails t when planning failed: ok(t)(NewReload(Where{}, "..."))
func ok(t *testing.T) func(Action, error) Action {
	return func(a Action, err error) Action {
		t.Helper()
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		return a
	}
}

func run(t *testing.T, e *Executor, a Action) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return e.Run(ctx, a)
}

func TestHAProxyStateAndWeightReadBack(t *testing.T) {
	main, _ := haproxies(t)
	resetServers(t)
	t.Cleanup(func() { resetServers(t) })
	e := NewExecutor(realWriters(t), newAudit(t))
	sel := []Target{{Socket: "main", Backend: "svc_a", Server: hostA, Service: "svc_a"}}

	steps := []struct {
		op         ServerOp
		arg        string
		status     string
		uweight    int
		wantWeight int
	}{
		{OpDrain, "", "DRAIN", 10, 0},
		{OpMaint, "", "MAINT", 10, 0},
		{OpReady, "", "no check", 10, 10},
		{OpWeight, "7", "no check", 7, 7},
		{OpWeight, "50%", "no check", 5, 5},
		{OpWeight, "0", "no check", 0, 0},
	}
	for _, s := range steps {
		a, err := NewServerAction(s.op, s.arg, sel, ScopeBackend, snapshots(t))
		r := run(t, e, okErr(t, a, err))
		if r.Err != nil || len(r.Steps) != 1 {
			t.Fatalf("%s %s: %v %+v", s.op, s.arg, r.Err, r.Steps)
		}
		got := row(t, main, "svc_a", hostA)
		if got.Status() != s.status || int(got.UWeight) != s.uweight {
			t.Errorf("after %s %s: status %q uweight %d; want %q %d", s.op, s.arg, got.Status(), got.UWeight, s.status, s.uweight)
		}
		// The neighbour in the same backend is never touched.
		if other := row(t, main, "svc_a", hostB); other.Status() != "no check" || other.UWeight != 10 {
			t.Errorf("after %s: svc_a/%s changed too: %q %d", s.op, hostB, other.Status(), other.UWeight)
		}
	}
}

func TestHAProxyHealthAgentAndReplies(t *testing.T) {
	main, _ := haproxies(t)
	resetServers(t)
	t.Cleanup(func() {
		main.Command("enable health svc_h/" + checked)
		main.Command("enable agent svc_h/" + checked)
		resetServers(t)
	})
	e := NewExecutor(realWriters(t), newAudit(t))
	sel := []Target{{Socket: "main", Backend: "svc_h", Server: checked}}
	do := func(op ServerOp) Result {
		t.Helper()
		a, err := NewServerAction(op, "", sel, ScopeBackend, snapshots(t))
		return run(t, e, okErr(t, a, err))
	}
	// Checks off: HAProxy stops checking and says so in the status.
	if r := do(OpChecksOff); r.Err != nil {
		t.Fatal(r.Err)
	}
	if st := row(t, main, "svc_h", checked); st.CheckStatus() != "" && !strings.Contains(st.Status(), "no check") {
		t.Errorf("after checks off: status %q check %q", st.Status(), st.CheckStatus())
	}
	if r := do(OpChecksOn); r.Err != nil {
		t.Fatal(r.Err)
	}
	// Forced health down is visible at once.
	if r := do(OpHealthDown); r.Err != nil {
		t.Fatal(r.Err)
	}
	if st := row(t, main, "svc_h", checked); !strings.HasPrefix(st.Status(), "DOWN") {
		t.Errorf("after health down: status %q", st.Status())
	}
	for _, op := range []ServerOp{OpHealthStopping, OpHealthUp, OpAgentOff, OpAgentOn, OpAgentDown, OpAgentUp, OpShutdownSessions} {
		if r := do(op); r.Err != nil {
			t.Errorf("%s: %v %+v", op, r.Err, r.Steps)
		}
	}
	// HAProxy's refusal comes back in the step: svc_a's servers have no agent.
	a, err := NewServerAction(OpAgentUp, "", []Target{{Socket: "main", Backend: "svc_a", Server: hostA}}, ScopeBackend, snapshots(t))
	r := run(t, e, okErr(t, a, err))
	if r.Err == nil || len(r.Steps) != 1 || strings.TrimSpace(r.Steps[0].Output) != "agent checks are not enabled on this server." {
		t.Fatalf("agent on a server without agent: want HAProxy's refusal, got %v %+v", r.Err, r.Steps)
	}
	t.Logf("HAProxy replied: %s", r.Steps[0].Err)

	// Defence in depth: a read-only session refuses even a read-write executor.
	ctx := context.Background()
	ro, err := client.Dial(ctx, client.Options{Label: "main", Address: main.Socket, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	e2 := NewExecutor(Writers{HAProxy: map[string]HAProxyWriter{"main": ro}}, newAudit(t))
	r = run(t, e2, ok(t)(NewServerAction(OpMaint, "", []Target{{Socket: "main", Backend: "svc_a", Server: hostA}}, ScopeBackend, snapshots(t))))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "read-only") {
		t.Errorf("read-only session: %v; want the client's read-only refusal", r.Err)
	}
	if r := row(t, main, "svc_a", hostA); r.Status() == "MAINT" {
		t.Error("the read-only session changed HAProxy")
	}
}

func TestHAProxyScopeTwoSockets(t *testing.T) {
	main, peer := haproxies(t)
	resetServers(t)
	t.Cleanup(func() { resetServers(t) })
	e := NewExecutor(realWriters(t), newAudit(t))
	sel := []Target{{Socket: "main", Backend: "svc_a", Server: hostA, Service: "svc_a"}}

	a, err := NewServerAction(OpDrain, "", sel, ScopeSocket, snapshots(t))
	if r := run(t, e, okErr(t, a, err)); r.Err != nil || len(r.Steps) != 2 {
		t.Fatalf("socket scope: %v %+v", r.Err, r.Steps)
	}
	for _, c := range []struct {
		h       string
		backend string
		server  string
		want    string
	}{
		{"main", "svc_a", hostA, "DRAIN"}, {"main", "svc_b", hostA, "DRAIN"}, {"main", "svc_a", hostB, "no check"},
		{"peer", "svc_a", hostA, "no check"}, {"peer", "svc_c", hostA, "no check"},
	} {
		h := main
		if c.h == "peer" {
			h = peer
		}
		if got := row(t, h, c.backend, c.server).Status(); got != c.want {
			t.Errorf("socket scope: %s %s/%s is %q, want %q", c.h, c.backend, c.server, got, c.want)
		}
	}

	a, err = NewServerAction(OpMaint, "", sel, ScopeAllSockets, snapshots(t))
	r := run(t, e, okErr(t, a, err))
	if r.Err != nil || len(r.Steps) != 4 {
		t.Fatalf("all sockets: %v %+v", r.Err, r.Steps)
	}
	for _, c := range []struct {
		h               string
		backend, server string
		want            string
	}{
		{"main", "svc_a", hostA, "MAINT"}, {"main", "svc_b", hostA, "MAINT"}, {"main", "svc_a", hostB, "no check"},
		{"peer", "svc_a", hostA, "MAINT"}, {"peer", "svc_c", hostA, "MAINT"}, {"peer", "svc_c", hostB, "no check"},
	} {
		h := main
		if c.h == "peer" {
			h = peer
		}
		if got := row(t, h, c.backend, c.server).Status(); got != c.want {
			t.Errorf("all sockets: %s %s/%s is %q, want %q", c.h, c.backend, c.server, got, c.want)
		}
	}
	// Weight over both sockets, relative to each backend's configured weight.
	a, err = NewServerAction(OpWeight, "50%", sel, ScopeAllSockets, snapshots(t))
	if r := run(t, e, okErr(t, a, err)); r.Err != nil {
		t.Fatal(r.Err)
	}
	for _, c := range []struct {
		h               string
		backend, server string
		want            int32
	}{{"main", "svc_a", hostA, 5}, {"main", "svc_b", hostA, 10}, {"peer", "svc_c", hostA, 15}} {
		h := main
		if c.h == "peer" {
			h = peer
		}
		if got := row(t, h, c.backend, c.server).UWeight; got != c.want {
			t.Errorf("weight 50%%: %s %s/%s has %d, want %d", c.h, c.backend, c.server, got, c.want)
		}
	}
}

func TestMaintenanceSpoolReadBack(t *testing.T) {
	dir := t.TempDir()
	e := NewExecutor(Writers{Files: OSFiles{}}, newAudit(t))
	before := time.Now()
	r := run(t, e, ok(t)(NewMaintenance(Where{}, dir, "svc_a", 3000, "deploy v2", time.Hour)))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	path := filepath.Join(dir, "svc_a:3000")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// hacheck-compatible: Python json.dumps layout, exactly what the step says was written.
	if !strings.HasPrefix(string(raw), `{"reason": "deploy v2", "expiration": `) || r.Steps[0].Command != "write "+path+": "+string(raw) {
		t.Errorf("spool content %s; step %q", raw, r.Steps[0].Command)
	}
	entries, err := hacheck.List(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("List: %v %+v", err, entries)
	}
	got := entries[0]
	if got.Service != "svc_a" || got.Port != 3000 || got.Reason != "deploy v2" || got.Legacy || got.Problem != "" {
		t.Errorf("entry %+v", got)
	}
	if d := got.Expiration.Sub(got.Creation); d < time.Hour-time.Second || d > time.Hour+time.Second {
		t.Errorf("expiration - creation = %v, want 1h", d)
	}
	if got.Creation.Before(before.Add(-time.Second)) || got.Creation.After(time.Now()) {
		t.Errorf("creation %v not now", got.Creation)
	}

	// Refreshing with the same reason keeps the creation time, as hadown does.
	time.Sleep(10 * time.Millisecond)
	if r := run(t, e, ok(t)(NewMaintenance(Where{}, dir, "svc_a", 3000, "deploy v2", 2*time.Hour))); r.Err != nil {
		t.Fatal(r.Err)
	}
	again, _ := hacheck.ReadFile(path)
	if !again.Creation.Equal(got.Creation) || !again.Expiration.After(got.Expiration) {
		t.Errorf("refresh: creation %v -> %v, expiration %v -> %v", got.Creation, again.Creation, got.Expiration, again.Expiration)
	}

	// "all" without expiry.
	if r := run(t, e, ok(t)(NewMaintenance(Where{}, dir, "all", 0, "host reboot", 0))); r.Err != nil {
		t.Fatal(r.Err)
	}
	all, _ := hacheck.ReadFile(filepath.Join(dir, "all"))
	if all.Service != "all" || !all.Expiration.IsZero() || all.Reason != "host reboot" {
		t.Errorf("all: %+v", all)
	}

	// Undo removes the file.
	if r := run(t, e, ok(t)(NewMaintenanceUndo(Where{}, dir, "svc_a", 3000))); r.Err != nil {
		t.Fatal(r.Err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("spool file still there after undo: %v", err)
	}
}

func TestNerveToggleSendsSIGHUP(t *testing.T) {
	pid, pidFile, hups := startSighupChild(t)
	conf := t.TempDir()
	svc := filepath.Join(conf, "svc_a.json")
	if err := os.WriteFile(svc, []byte(`{"host":"127.0.0.1","port":3000}`), 0o644); err != nil {
		t.Fatal(err)
	}
	e := NewExecutor(Writers{Files: OSFiles{}, Procs: OSProcs{}}, newAudit(t))

	r := run(t, e, ok(t)(NewNerveToggle(Where{}, conf, "svc_a", true, PIDFile(pidFile))))
	if r.Err != nil {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	if _, err := os.Stat(svc + DisabledSuffix); err != nil {
		t.Errorf("service file not moved aside: %v", err)
	}
	waitHUP := func(want string) {
		t.Helper()
		waitUntil(t, 5*time.Second, func() bool {
			b, _ := os.ReadFile(hups)
			return string(b) == want
		}, "the stand-in Nerve did not get SIGHUP "+want)
	}
	waitHUP("hup 1\n")
	if r.Steps[0].Output != itoa(pid) || r.Steps[2].Command != "kill -HUP "+itoa(pid) {
		t.Errorf("steps %+v", r.Steps)
	}

	r = run(t, e, ok(t)(NewNerveToggle(Where{}, conf, "svc_a", false, PIDCommand("cat "+pidFile))))
	if r.Err != nil {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	if _, err := os.Stat(svc); err != nil {
		t.Errorf("service file not moved back: %v", err)
	}
	waitHUP("hup 2\n")

	// A pid that cannot be found changes nothing.
	bad := filepath.Join(t.TempDir(), "nope.pid")
	r = run(t, e, ok(t)(NewNerveToggle(Where{}, conf, "svc_a", true, PIDFile(bad))))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "nothing changed") {
		t.Errorf("missing pid file: %v", r.Err)
	}
	if _, err := os.Stat(svc); err != nil {
		t.Errorf("the service file moved although Nerve could not be found: %v", err)
	}
}

func TestReloadOutputAndExitCode(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "reloaded")
	e := NewExecutor(Writers{Procs: OSProcs{}}, newAudit(t))
	r := run(t, e, ok(t)(NewReload(Where{}, "echo reloading; touch "+marker+"; echo warn >&2")))
	if r.Err != nil || r.Steps[0].ExitCode != 0 || r.Steps[0].Output != "reloading\nwarn\n" {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("reload command did not run: %v", err)
	}
	r = run(t, e, ok(t)(NewReload(Where{}, "echo config invalid; exit 3")))
	if r.Err == nil || r.Steps[0].ExitCode != 3 || r.Steps[0].Output != "config invalid\n" || !strings.Contains(r.Err.Error(), "status 3") {
		t.Errorf("failing reload: %v %+v", r.Err, r.Steps)
	}
}

func TestSerfTagsSeenByAnotherAgent(t *testing.T) {
	a, b := serfPair(t)
	e := NewExecutor(Writers{Serf: serfWriter(t, a)}, newAudit(t))
	tagsOfLocal := func() map[string]string {
		ms, err := b.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == a.Name {
				return m.Tags
			}
		}
		return nil
	}
	r := run(t, e, ok(t)(NewSerfTags(map[string]string{SerfWeightTag: "0", "smart:svc_a_3000": "127.0.0.1:3000"}, nil)))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		tags := tagsOfLocal()
		return tags[SerfWeightTag] == "0" && tags["smart:svc_a_3000"] == "127.0.0.1:3000" && tags["role"] == "web"
	}, "the observer agent never saw the new tags")

	r = run(t, e, ok(t)(NewSerfTags(map[string]string{SerfWeightTag: "50"}, []string{"smart:svc_a_3000"})))
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		tags := tagsOfLocal()
		_, still := tags["smart:svc_a_3000"]
		return tags[SerfWeightTag] == "50" && !still
	}, "the observer agent never saw the tag deleted")
	run(t, e, ok(t)(NewSerfTags(nil, []string{SerfWeightTag})))

	// The plan calls tags set over RPC transient: the agent's next SIGHUP
	// (what Nerve's Serf reporter sends) puts the configured tags back.
	if !strings.Contains(ok(t)(NewSerfTags(map[string]string{"k": "v"}, nil)).Plan().Transient, "SIGHUP") {
		t.Error("the serf tags plan does not say why it is transient")
	}
	if r := run(t, e, ok(t)(NewSerfTags(map[string]string{"transient_probe": "1"}, nil))); r.Err != nil {
		t.Fatal(r.Err)
	}
	waitUntil(t, 10*time.Second, func() bool { return tagsOfLocal()["transient_probe"] == "1" }, "probe tag never seen")
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		tags := tagsOfLocal()
		_, still := tags["transient_probe"]
		return !still && tags["role"] == "web"
	}, "a SIGHUP did not reset the RPC-set tag: the plan's Transient text is wrong")
}

func TestSerfEventSeenByAnotherAgent(t *testing.T) {
	a, b := serfPair(t)
	obs := serfWriter(t, b)
	ch := make(chan map[string]any, 16)
	h, err := obs.Stream("user", ch)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Stop(h)
	e := NewExecutor(Writers{Serf: serfWriter(t, a)}, newAudit(t))
	if r := run(t, e, ok(t)(NewSerfEvent(Where{}, "stacktui-test", []byte("payload-1"), false))); r.Err != nil {
		t.Fatal(r.Err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev["Name"] == "stacktui-test" {
				if p, _ := ev["Payload"].([]byte); string(p) != "payload-1" {
					t.Errorf("payload %q", p)
				}
				return
			}
		case <-timeout:
			t.Fatal("the observer agent never received the user event")
		}
	}
}

var _ SerfWriter = (*serfclient.RPCClient)(nil)
var _ ZKWriter = (*zk.Conn)(nil)

func TestZKDeleteRemovesZnode(t *testing.T) {
	z := zooKeeper(t)
	path := "/nerve/services/svc_a/services/stale_0000000007"
	if err := z.Put(path, []byte(`{"host":"127.0.0.1","port":3000,"name":"stale"}`)); err != nil {
		t.Fatal(err)
	}
	c := z.Client(t)
	e := NewExecutor(Writers{ZK: c}, newAudit(t))
	a := ok(t)(NewZKDelete(path, "stale"))
	// The word names this znode, not the instance (whose name several
	// registrations may share).
	if a.Plan().ConfirmText != "stale_0000000007" {
		t.Errorf("confirm text %q", a.Plan().ConfirmText)
	}
	if r := run(t, e, a); r.Err != nil {
		t.Fatal(r.Err)
	}
	exists, _, err := c.Exists(path)
	if err != nil || exists {
		t.Fatalf("znode still exists (%v, %v)", exists, err)
	}
	// Deleting it again reports ZooKeeper's answer.
	r := run(t, e, ok(t)(NewZKDelete(path, "stale")))
	if r.Err == nil || !strings.Contains(r.Steps[0].Err, "node does not exist") {
		t.Errorf("second delete: %v %+v", r.Err, r.Steps)
	}
}

func okErr(t *testing.T, a Action, err error) Action { t.Helper(); return ok(t)(a, err) }

func itoa(n int) string { return strconv.Itoa(n) }
