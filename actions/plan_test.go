package actions

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
)

// snap builds a snapshot with server rows "backend/server" (weight 10, UP).
func snap(label string, servers ...string) *haproxy.Snapshot {
	st := &haproxy.Stats{}
	for _, s := range servers {
		b, n, _ := strings.Cut(s, "/")
		st.Rows = append(st.Rows,
			haproxy.Row{Proxy: b, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND"),
			haproxy.Row{Proxy: b, Type: haproxy.TypeServer, UWeight: 10, Weight: 10}.WithString(haproxy.ColName, n).WithString(haproxy.ColStatus, "UP").WithString(haproxy.ColAddr, n[strings.LastIndexByte(n, '_')+1:]))
	}
	return &haproxy.Snapshot{Label: label, Stats: st}
}

const (
	srvA = "host_127.0.0.1:3000"
	srvB = "other_127.0.0.1:3001"
)

func testSnaps() []*haproxy.Snapshot {
	return []*haproxy.Snapshot{
		snap("main", "svc_a/"+srvA, "svc_b/"+srvA, "svc_a/"+srvB),
		snap("peer", "svc_a/"+srvA, "svc_c/"+srvA, "svc_c/"+srvB),
	}
}

func TestServerActionScopes(t *testing.T) {
	sel := []Target{{Socket: "main", Backend: "svc_a", Server: srvA, Service: "svc_a"}}
	cases := []struct {
		scope Scope
		want  []string
	}{
		{ScopeBackend, []string{"socket main: set server svc_a/" + srvA + " state drain"}},
		{ScopeSocket, []string{
			"socket main: set server svc_a/" + srvA + " state drain",
			"socket main: set server svc_b/" + srvA + " state drain",
		}},
		{ScopeAllSockets, []string{
			"socket main: set server svc_a/" + srvA + " state drain",
			"socket main: set server svc_b/" + srvA + " state drain",
			"socket peer: set server svc_a/" + srvA + " state drain",
			"socket peer: set server svc_c/" + srvA + " state drain",
		}},
	}
	for _, c := range cases {
		a, err := NewServerAction(OpDrain, "", sel, c.scope, testSnaps())
		if err != nil {
			t.Fatalf("%s: %v", c.scope, err)
		}
		p := a.Plan()
		if !slices.Equal(p.Commands, c.want) {
			t.Errorf("%s: commands\n got %q\nwant %q", c.scope, p.Commands, c.want)
		}
		if len(p.Targets) != len(c.want) || p.Scope != c.scope || p.Kind != KindHAProxy {
			t.Errorf("%s: plan %+v", c.scope, p)
		}
		if p.Durable || !strings.Contains(p.Transient, "Synapse re-enables") || !strings.Contains(p.Alternative, "hacheck maintenance for svc_a") || p.Undo != "press {ready} to make ready again" {
			t.Errorf("%s: durability texts wrong: %+v", c.scope, p)
		}
		if want := "Drain " + nServers(len(c.want)); p.Title != want {
			t.Errorf("%s: title %q, want %q", c.scope, p.Title, want)
		}
	}
}

func TestServerActionMarkedRowsDeduplicated(t *testing.T) {
	sel := []Target{
		{Socket: "main", Backend: "svc_a", Server: srvA},
		{Socket: "main", Backend: "svc_b", Server: srvA}, // already reached by the socket scope
		{Socket: "main", Backend: "svc_a", Server: srvB},
	}
	a, err := NewServerAction(OpWeight, "50%", sel, ScopeSocket, testSnaps())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"socket main: set server svc_a/" + srvA + " weight 50%",
		"socket main: set server svc_b/" + srvA + " weight 50%",
		"socket main: set server svc_a/" + srvB + " weight 50%",
	}
	p := a.Plan()
	if !slices.Equal(p.Commands, want) {
		t.Errorf("commands\n got %q\nwant %q", p.Commands, want)
	}
	if p.Targets[0] != "socket main: svc_a/"+srvA+" (weight 10)" || !strings.Contains(p.Undo, "(10)") || !strings.Contains(p.Transient, "reload resets weights") {
		t.Errorf("plan texts: %q / %q / %q", p.Targets[0], p.Undo, p.Transient)
	}
}

func TestServerActionEveryOp(t *testing.T) {
	sel := []Target{{Socket: "main", Backend: "svc_a", Server: srvA}}
	want := map[ServerOp]string{
		OpDrain:            "set server svc_a/" + srvA + " state drain",
		OpMaint:            "set server svc_a/" + srvA + " state maint",
		OpReady:            "set server svc_a/" + srvA + " state ready",
		OpWeight:           "set server svc_a/" + srvA + " weight 7",
		OpHealthUp:         "set server svc_a/" + srvA + " health up",
		OpHealthStopping:   "set server svc_a/" + srvA + " health stopping",
		OpHealthDown:       "set server svc_a/" + srvA + " health down",
		OpChecksOn:         "enable health svc_a/" + srvA,
		OpChecksOff:        "disable health svc_a/" + srvA,
		OpAgentUp:          "set server svc_a/" + srvA + " agent up",
		OpAgentDown:        "set server svc_a/" + srvA + " agent down",
		OpAgentOn:          "enable agent svc_a/" + srvA,
		OpAgentOff:         "disable agent svc_a/" + srvA,
		OpShutdownSessions: "shutdown sessions server svc_a/" + srvA,
	}
	for _, op := range ServerOps {
		arg := ""
		if op == OpWeight {
			arg = "7"
		}
		a, err := NewServerAction(op, arg, sel, ScopeBackend, testSnaps())
		if err != nil {
			t.Errorf("%s: %v", op, err)
			continue
		}
		p := a.Plan()
		if len(p.Commands) != 1 || p.Commands[0] != "socket main: "+want[op] {
			t.Errorf("%s: commands %q, want %q", op, p.Commands, want[op])
		}
		if p.Title == "" || p.Undo == "" || (!p.Durable && p.Transient == "") {
			t.Errorf("%s: incomplete plan %+v", op, p)
		}
	}
}

func TestServerActionRefusals(t *testing.T) {
	ok := []Target{{Socket: "main", Backend: "svc_a", Server: srvA}}
	cases := []struct {
		name    string
		op      ServerOp
		arg     string
		targets []Target
		scope   Scope
		snaps   []*haproxy.Snapshot
		want    string
	}{
		{"no targets", OpDrain, "", nil, ScopeBackend, testSnaps(), "no server selected"},
		{"unknown op", "explode", "", ok, ScopeBackend, testSnaps(), "unknown server operation"},
		{"arg on drain", OpDrain, "5", ok, ScopeBackend, testSnaps(), "takes no value"},
		{"weight too big", OpWeight, "300", ok, ScopeBackend, testSnaps(), "out of range"},
		{"weight garbage", OpWeight, "ten", ok, ScopeBackend, testSnaps(), "want a number"},
		{"weight empty", OpWeight, "", ok, ScopeBackend, testSnaps(), "want a number"},
		{"weight negative", OpWeight, "-1", ok, ScopeBackend, testSnaps(), "want a number"},
		{"injection in server", OpDrain, "", []Target{{Socket: "main", Backend: "svc_a", Server: srvA + ";shutdown sessions"}}, ScopeBackend, testSnaps(), "not allowed"},
		{"newline in backend", OpDrain, "", []Target{{Socket: "main", Backend: "svc_a\nset", Server: srvA}}, ScopeBackend, testSnaps(), "not allowed"},
		{"unknown socket", OpDrain, "", []Target{{Socket: "nope", Backend: "svc_a", Server: srvA}}, ScopeBackend, testSnaps(), "no HAProxy socket labelled"},
		{"unknown server", OpDrain, "", []Target{{Socket: "main", Backend: "svc_a", Server: "ghost_1.1.1.1:1"}}, ScopeBackend, testSnaps(), "not in that socket's last"},
		{"bad scope", OpDrain, "", ok, "everything", testSnaps(), "unknown scope"},
		{"socket without stats", OpDrain, "", ok, ScopeAllSockets, append(testSnaps(), &haproxy.Snapshot{Label: "slow"}), "has not answered"},
	}
	for _, c := range cases {
		a, err := NewServerAction(c.op, c.arg, c.targets, c.scope, c.snaps)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, %v; want an error containing %q", c.name, a, err, c.want)
		}
	}
}

func TestMaintenancePlans(t *testing.T) {
	dir := t.TempDir()
	a, err := NewMaintenance(Where{}, dir, "svc_a", 3000, " deploy of v2 ", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Plan()
	path := filepath.Join(dir, "svc_a:3000")
	if p.Kind != KindMaintenance || !p.Durable || len(p.Commands) != 1 ||
		p.Commands[0] != "write "+path+`: {"reason": "deploy of v2", "expiration": <unix time when applied + 7200>, "creation": <unix time when applied>}` {
		t.Errorf("plan %+v", p)
	}
	all, err := NewMaintenance(Where{}, dir, "all", 0, "host reboot", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := all.Plan(); !strings.Contains(p.Warning, "EVERY service") || !strings.Contains(p.Commands[0], `"expiration": null`) {
		t.Errorf("all plan %+v", p)
	}
	bad := []struct {
		dir, svc, reason string
		port             int
		exp              time.Duration
		want             string
	}{
		{"", "svc", "r", 0, 0, "--hacheck-spool"},
		{filepath.Join(dir, "missing"), "svc", "r", 0, 0, "check --hacheck-spool"},
		{dir, "../x", "r", 0, 0, "cannot be part of a spool file name"},
		{dir, "all", "r", 80, 0, "no port"},
		{dir, "svc", "r", 70000, 0, "out of range"},
		{dir, "svc", "  ", 0, 0, "reason is required"},
		{dir, "svc", "a\x1bb", 0, 0, "control character"},
		{dir, "svc", "r", 0, -time.Minute, "negative"},
	}
	for _, c := range bad {
		if _, err := NewMaintenance(Where{}, c.dir, c.svc, c.port, c.reason, c.exp); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewMaintenance(Where{}, %q, %q, %d, %q, %v) = %v; want error containing %q", c.dir, c.svc, c.port, c.reason, c.exp, err, c.want)
		}
	}
	if _, err := NewMaintenanceUndo(Where{}, dir, "svc_a", 3000); err == nil || !strings.Contains(err.Error(), "nothing to undo") {
		t.Errorf("undo without a spool file: %v", err)
	}
}

func TestNerveTogglePlans(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "svc_a.yaml"), []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := NewNerveToggle(Where{}, dir, "svc_a", true, PIDFile("/run/nerve.pid"))
	if err != nil {
		t.Fatal(err)
	}
	from := filepath.Join(dir, "svc_a.yaml")
	want := []string{"mv " + from + " " + from + ".disabled", "kill -HUP <nerve pid from pid file /run/nerve.pid>"}
	if p := a.Plan(); !slices.Equal(p.Commands, want) || !p.Durable {
		t.Errorf("plan commands %q, want %q", p.Commands, want)
	}
	if _, err := NewNerveToggle(Where{}, dir, "svc_a", false, PIDFile("/x")); err == nil || !strings.Contains(err.Error(), "no disabled service file") {
		t.Errorf("enable without a disabled file: %v", err)
	}
	if _, err := NewNerveToggle(Where{}, dir, "svc_b", true, PIDFile("/x")); err == nil || !strings.Contains(err.Error(), "no enabled service file") {
		t.Errorf("disable a missing service: %v", err)
	}
	if _, err := NewNerveToggle(Where{}, dir, "svc_a", true, nil); err == nil || !strings.Contains(err.Error(), "pid") {
		t.Errorf("no pid source: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "svc_a.json"), []byte("{}"), 0o644)
	if _, err := NewNerveToggle(Where{}, dir, "svc_a", true, PIDFile("/x")); err == nil || !strings.Contains(err.Error(), "several") {
		t.Errorf("two service files: %v", err)
	}
}

func TestOtherPlansAndRefusals(t *testing.T) {
	r, err := NewReload(Where{}, "sv restart synapse && echo 'done'")
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Plan(); p.Commands[0] != `/bin/sh -c 'sv restart synapse && echo '\''done'\'''` || !strings.Contains(p.Warning, "resets weights") {
		t.Errorf("reload plan %+v", p)
	}
	if _, err := NewReload(Where{}, "  "); err == nil || !strings.Contains(err.Error(), "--reload-cmd") {
		t.Errorf("empty reload: %v", err)
	}

	tags, err := NewSerfTags(map[string]string{SerfWeightTag: "0", "role": "web"}, []string{"smart:svc_a_3000", "smart:svc_a_3000"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"serf tags -rpc-addr <the --serf address> -set role=web -set smart:serverweight=0 -delete smart:svc_a_3000"}
	if p := tags.Plan(); !slices.Equal(p.Commands, want) || !strings.Contains(p.Warning, "drains") || !strings.Contains(p.Warning, "deregisters") || p.Durable {
		t.Errorf("serf tags plan %+v", p)
	}
	for _, c := range []struct {
		set  map[string]string
		del  []string
		want string
	}{
		{nil, nil, "nothing to set"},
		{map[string]string{"": "x"}, nil, "empty tag name"},
		{map[string]string{"a b": "x"}, nil, "may not contain"},
		{map[string]string{"k=v": "x"}, nil, "may not contain"},
		{map[string]string{SerfWeightTag: "heavy"}, nil, "0 to 256"},
		{map[string]string{SerfWeightTag: "257"}, nil, "0 to 256"},
		{map[string]string{"k": "x"}, []string{"k"}, "both set and deleted"},
		{map[string]string{"k": "a\nb"}, nil, "printable"},
	} {
		if _, err := NewSerfTags(c.set, c.del); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewSerfTags(%v, %v) = %v; want %q", c.set, c.del, err, c.want)
		}
	}

	ev, err := NewSerfEvent(Where{}, "deploy", []byte("v2"), false)
	if err != nil {
		t.Fatal(err)
	}
	if p := ev.Plan(); p.Commands[0] != "serf event -coalesce=false deploy 'v2'" {
		t.Errorf("serf event plan %q", p.Commands)
	}
	if _, err := NewSerfEvent(Where{}, "two words", nil, true); err == nil {
		t.Error("event name with a space accepted")
	}
	if p := mustPlan(NewSerfEvent(Where{}, "big", make([]byte, 600), true)); !strings.Contains(p.Warning, "512") || !strings.Contains(p.Commands[0], "600 bytes") {
		t.Errorf("big event plan %+v", p)
	}

	z, err := NewZKDelete("/nerve/services/svc_a/services/host_0000000001", "host")
	if err != nil {
		t.Fatal(err)
	}
	if p := z.Plan(); p.ConfirmText != "host_0000000001" || !strings.Contains(p.Warning, "live Nerve") || p.Commands[0] != "delete /nerve/services/svc_a/services/host_0000000001 (any version)" {
		t.Errorf("zk plan %+v", p)
	}
	for _, path := range []string{"", "/", "relative/x", "/a//b", "/a/", "/a/../b", "/zookeeper/quota", "/a/b\x00"} {
		if _, err := NewZKDelete(path, "host"); err == nil {
			t.Errorf("NewZKDelete(%q) accepted", path)
		}
	}
	if _, err := NewZKDelete("/a/b", " "); err == nil {
		t.Error("NewZKDelete without an instance name accepted")
	}
	// Two registrations of one instance name get different words; a
	// path-encoded child's word is its name and sequence number.
	a := mustPlan(NewZKDelete("/nerve/services/svc_a/services/host2_0000000003", "host2")).ConfirmText
	b := mustPlan(NewZKDelete("/nerve/services/svc_a/services/host2_0000000009", "host2")).ConfirmText
	if a == b || a != "host2_0000000003" {
		t.Errorf("confirm words %q and %q do not tell the two znodes apart", a, b)
	}
	if w := mustPlan(NewZKDelete("/nerve/services/svc_a/services/base64_57_eyJob3N0IjoiMTI3LjAuMC4xIn0=_0000000004", "host2")).ConfirmText; w != "host2_0000000004" {
		t.Errorf("path-encoded confirm word %q", w)
	}
}

func mustPlan(a Action, err error) Plan {
	if err != nil {
		panic(err)
	}
	return a.Plan()
}

func TestPlanIsACopy(t *testing.T) {
	a, err := NewServerAction(OpDrain, "", []Target{{Socket: "main", Backend: "svc_a", Server: srvA}}, ScopeBackend, testSnaps())
	if err != nil {
		t.Fatal(err)
	}
	p := a.Plan()
	p.Commands[0] = "shutdown sessions server svc_a/" + srvA
	if a.Plan().Commands[0] == p.Commands[0] {
		t.Fatal("changing a returned plan changed the action")
	}
}

func TestNerveServices(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"svc_a.json", "svc_b.yaml.disabled", "notes.txt", "svc_c.yml", ".json"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := NerveServices(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []NerveService{{"svc_a", "svc_a.json", false}, {"svc_b", "svc_b.yaml.disabled", true}, {"svc_c", "svc_c.yml", false}}
	if !slices.Equal(got, want) {
		t.Errorf("NerveServices = %+v, want %+v", got, want)
	}
	if none, err := NerveServices(filepath.Join(dir, "missing")); none != nil || err != nil {
		t.Errorf("missing dir: %v %v", none, err)
	}
}
