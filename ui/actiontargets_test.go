package ui

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/sources"
)

// serfAgentA is the Serf fixture read through node-a's own agent.
func serfAgentA(o *testOptions) {
	serfRegistry(o)
	r := o.Registry
	r.cur.Agent = "node-a"
	r.cur.Members[1].Tags = map[string]string{"smart:svc_b_8080": "10.0.0.1:8080", actions.SerfWeightTag: "50"}
}

// selectInstance moves the detail view's cursor to the instance whose row
// shows text.
func selectInstance(t *testing.T, m *Model, text string) {
	t.Helper()
	for i, in := range m.detail.rows {
		if strings.Contains(instName(in)+" "+instAddr(in), text) {
			m.moveTo(i)
			return
		}
	}
	t.Fatalf("no instance %q in the detail view", text)
}

// TestTagsActOnTheSelectedMember: t names the selected instance's member,
// shows its tags and pre-fills the drain knob with its current value; it
// goes through that member's own agent, with -rpc-addr in the exact
// command. Another member is refused with the command for its host, unless
// its agent's RPC address is configured.
func TestTagsActOnTheSelectedMember(t *testing.T) {
	m := newTestModel(t, 120, 40, serfAgentA, readWrite(t, &recWriter{}))
	openService(t, m, "svc_b")
	selectInstance(t, m, "node-a")
	press(m, "t")
	if m.mode != modePrompt || m.edit.String() != "smart:serverweight=50" {
		t.Fatalf("prompt %v, pre-filled %q; want the current weight", m.mode, m.edit.String())
	}
	if s := screen(m); !strings.Contains(s, "Serf tags of member node-a") || !strings.Contains(s, "smart:svc_b_8080=10.0.0.1:8080") {
		t.Fatalf("the prompt does not show the member's tags:\n%s", s)
	}
	m.edit.set("smart:serverweight=0")
	press(m, "enter")
	p := m.confirm.plan
	if p.Title != "Serf: drain node-a (weight 0)" || p.Commands[0] != "serf tags -rpc-addr 127.0.0.1:7373 -set smart:serverweight=0" ||
		!strings.Contains(p.Undo, "smart:serverweight=50") {
		t.Fatalf("plan %+v", p)
	}
	press(m, "esc")

	// node-b: no agent of its own reachable from here.
	selectInstance(t, m, "node-b")
	press(m, "t")
	if m.mode != modeNormal || m.confirm != nil || m.overlay != overlayOutput {
		t.Fatalf("t on another member: mode %v confirm %v overlay %v", m.mode, m.confirm, m.overlay)
	}
	s := screen(m)
	for _, want := range []string{"Cannot change the Serf tags of node-b from here", "node-b's host (10.0.0.2)", "serf tags -rpc-addr 127.0.0.1:7373 -set smart:serverweight=0", "--serf-member-rpc node-b="} {
		if !strings.Contains(s, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, s)
		}
	}
	press(m, "esc")
	if m.overlay != overlayNone {
		t.Fatal("esc did not dismiss the refusal")
	}

	// With node-b's agent configured, t goes through it.
	m = newTestModel(t, 120, 40, serfAgentA, readWrite(t, &recWriter{}), func(o *testOptions) {
		o.SerfAgents = map[string]string{"node-b": "10.0.0.2:7373"}
	})
	openService(t, m, "svc_b")
	selectInstance(t, m, "node-b")
	press(m, "t")
	typeText(m, "0")
	press(m, "enter")
	if p := m.confirm.plan; p.Commands[0] != "serf tags -rpc-addr 10.0.0.2:7373 -set smart:serverweight=0" || !strings.Contains(p.Targets[0], "member node-b") {
		t.Fatalf("plan %+v", p)
	}
	// Outside the detail view, t is for the member whose agent is read.
	press(m, "esc", "esc", "t")
	if !strings.Contains(m.prompt.label, "node-a") {
		t.Fatalf("t in the services view: %q", m.prompt.label)
	}
}

// TestDurableMaintenanceOnlyOnThisHost: M on an instance of another host is
// refused with what to run there; on this host's instance it plans the
// spool file.
func TestDurableMaintenanceOnlyOnThisHost(t *testing.T) {
	spool := t.TempDir()
	m := newTestModel(t, 120, 40, readWrite(t, &recWriter{}), func(o *testOptions) {
		o.SpoolDir = spool
		o.Durable.Where.Host = sources.Host{Name: "web1", Addrs: []string{"10.0.0.1"}}
	})
	press(m, "j", "enter") // svc_b
	selectInstance(t, m, "web2")
	press(m, "M")
	if m.mode != modeNormal || m.overlay != overlayOutput {
		t.Fatalf("M on another host's instance opened mode %v overlay %v (status %q)", m.mode, m.overlay, m.status)
	}
	if s := screen(m); !strings.Contains(s, "10.0.0.2, which is not an address of this host (web1: 10.0.0.1)") || !strings.Contains(s, "hadown") {
		t.Fatalf("refusal:\n%s", s)
	}
	press(m, "esc")
	selectInstance(t, m, "web1")
	press(m, "M")
	if !strings.Contains(screen(m), "Durable maintenance of svc_b 10.0.0.1:8080 (web1) on this host") {
		t.Fatalf("M prompt:\n%s", screen(m))
	}
	typeText(m, "disk swap")
	press(m, "enter", "enter")
	if p := m.confirm.plan; !strings.Contains(p.Commands[0], spool+"/svc_b:8080") || !strings.Contains(p.Commands[0], "disk swap (by ") {
		t.Fatalf("plan %+v", p)
	}
}

// TestMaintenanceInTheRowAndWalkthrough: a spool file read from this host
// turns its instance's row into "maintenance" with the reason, and D says so.
func TestMaintenanceInTheRowAndWalkthrough(t *testing.T) {
	read := func(now time.Time) *sources.Maintenance {
		return &sources.Maintenance{At: now, Host: sources.Host{Name: "web1", Addrs: []string{"10.0.0.1"}}, InstanceID: "web1",
			Entries: []sources.MaintenanceEntry{{Kind: sources.MaintHacheck, File: "/var/spool/hacheck/svc_b:8080", Service: "svc_b", Port: 8080,
				Reason: "disk swap", By: "alice", Since: fixedNow.Add(-time.Hour), Until: fixedNow.Add(time.Hour)}}}
	}
	m := newTestModel(t, 160, 40, func(o *testOptions) { o.Maintenance = read })
	drain(m, m.Init())
	press(m, "j", "enter")
	selectInstance(t, m, "web1")
	in := m.detail.selected()
	if in.Worst != "maintenance" {
		t.Fatalf("web1: %s", in.Worst)
	}
	s := screen(m)
	if !strings.Contains(s, "maintenance") || !strings.Contains(s, `"disk swap", by alice`) {
		t.Fatalf("row and footer:\n%s", s)
	}
	press(m, "D")
	if s := screen(m); !strings.Contains(s, "In durable maintenance on this host? yes") || !strings.Contains(s, "/var/spool/hacheck/svc_b:8080") {
		t.Fatalf("walkthrough:\n%s", s)
	}
}

// fakeProcs runs nothing: it answers with a fixed output and exit code.
type fakeProcs struct {
	out  string
	code int
	ran  []string
}

func (p *fakeProcs) Run(_ context.Context, cmd string) ([]byte, int, error) {
	p.ran = append(p.ran, cmd)
	return []byte(p.out), p.code, nil
}
func (p *fakeProcs) Signal(int, syscall.Signal) error { return nil }

// TestReloadOutputPane: R's whole output and exit code stay on screen, in
// a page that scrolls, until dismissed; the reload and a Synapse restart
// are events of their own.
func TestReloadOutputPane(t *testing.T) {
	var out strings.Builder
	for i := 1; i <= 60; i++ {
		out.WriteString("[ALERT] line " + itoa(i) + " of HAProxy's complaint\n")
	}
	procs := &fakeProcs{out: out.String(), code: 1}
	m := newTestModel(t, 100, 24, readWrite(t, &recWriter{}), func(o *testOptions) {
		o.Executor = actions.NewExecutor(actions.Writers{Procs: procs}, o.Audit)
		o.ReloadCommand = "systemctl reload haproxy"
		o.RestartCommand = "systemctl restart synapse"
	})
	press(m, "R", "r")
	drain(m, press(m, "y"))
	if m.overlay != overlayOutput {
		t.Fatalf("no output pane after R (status %q)", m.status)
	}
	s := screen(m)
	if !strings.Contains(s, "FAILED") || !strings.Contains(s, "line 1 of") || !strings.Contains(s, "j/k scroll") {
		t.Fatalf("output pane:\n%s", s)
	}
	press(m, "G")
	if s := screen(m); !strings.Contains(s, "line 60 of") || !strings.Contains(s, "exit code 1") {
		t.Fatalf("end of the output:\n%s", s)
	}
	press(m, "esc")
	if m.overlay != overlayNone {
		t.Fatal("esc did not dismiss the output")
	}
	procs.code, procs.out = 0, "synapse restarted\n"
	press(m, "R", "s")
	if m.confirm == nil || m.confirm.plan.Kind != actions.KindRestart {
		t.Fatalf("R s: %+v", m.confirm)
	}
	drain(m, press(m, "y"))
	if s := screen(m); !strings.Contains(s, "synapse restarted") || !strings.Contains(s, "exit code 0") {
		t.Fatalf("restart output:\n%s", s)
	}
	var kinds []string
	for _, e := range m.events.all {
		if e.Source == "action" {
			kinds = append(kinds, e.Kind+": "+e.Text)
		}
	}
	if len(kinds) != 2 || !strings.HasPrefix(kinds[0], "reload:") || !strings.Contains(kinds[0], "exit code 1") || !strings.HasPrefix(kinds[1], "restart:") {
		t.Fatalf("events %q", kinds)
	}
}

// TestMarksNeverSurprise: the footer counts marked rows and those off
// screen; a plan over marked rows a filter hides says so in its first line
// and includes them; u clears every mark.
func TestMarksNeverSurprise(t *testing.T) {
	m := newTestModel(t, 160, 40, readWrite(t, &recWriter{}))
	press(m, "j", "enter")
	selectInstance(t, m, "web1")
	press(m, "space")
	selectInstance(t, m, "web3")
	press(m, "space")
	if s := screen(m); !strings.Contains(s, "2 marked · u clears") {
		t.Fatalf("footer:\n%s", s)
	}
	press(m, "/")
	typeText(m, "web1")
	press(m, "enter")
	if s := screen(m); !strings.Contains(s, "2 marked (1 off screen)") {
		t.Fatalf("footer with a filter hiding a mark:\n%s", s)
	}
	press(m, "d")
	d := m.confirm
	if d == nil || len(d.plan.Targets) != 2 || !strings.Contains(d.note, "this acts on marked rows not on screen: 1 of 2 (1 hidden by the filter") {
		t.Fatalf("plan over hidden marks: %+v", d)
	}
	if first := strings.SplitN(screen(m), "\n", 4)[2]; !strings.Contains(first, "Note: this acts on marked rows not on screen") {
		t.Fatalf("the dialog's first line: %q", first)
	}
	press(m, "esc", "u")
	if len(m.detail.marks) != 0 || strings.Contains(screen(m), "marked") {
		t.Fatal("u did not clear the marks")
	}
}

// TestFilteredHAProxyNamesBackends: with a filter, server rows carry their
// backend (the filter may hide its FRONTEND/BACKEND rows).
func TestFilteredHAProxyNamesBackends(t *testing.T) {
	m := newTestModel(t, 120, 30)
	press(m, "2", "/")
	typeText(m, "web1")
	press(m, "enter")
	if s := screen(m); !strings.Contains(s, "svc_b/web1_10.0.0.1:8080") {
		t.Fatalf("filtered server row without its backend:\n%s", s)
	}
}

// TestScopeCountsInTheDialog: every scope shows how many servers it reaches.
func TestScopeCountsInTheDialog(t *testing.T) {
	m := newTestModel(t, 120, 40, twoSockets(t), readWrite(t, &recWriter{}))
	press(m, "j", "enter", "d")
	s := screen(m)
	for _, want := range []string{"this backend only — 1 server", "this instance in every backend of every socket — 2 servers", "this host (all its instances) on every socket — 2 servers"} {
		if !strings.Contains(s, want) {
			t.Errorf("dialog lacks %q:\n%s", want, s)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
