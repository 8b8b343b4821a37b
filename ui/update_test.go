package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/command"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

func selectedService(m *Model) string {
	if s := m.services.selected(); s != nil {
		return s.Name
	}
	return ""
}

func serviceNames(m *Model) []string {
	var out []string
	for _, s := range m.services.rows {
		out = append(out, s.Name)
	}
	return out
}

func TestNavigation(t *testing.T) {
	m := newTestModel(t, 80, 24)
	if got := selectedService(m); got != "svc_a" {
		t.Fatalf("start selection %q", got)
	}
	press(m, "j")
	if got := selectedService(m); got != "svc_b" {
		t.Fatalf("after j: %q", got)
	}
	press(m, "G")
	if got := selectedService(m); got != "svc_c" {
		t.Fatalf("after G: %q", got)
	}
	press(m, "k", "g")
	if got := selectedService(m); got != "svc_a" {
		t.Fatalf("after k g: %q", got)
	}
	press(m, "down", "down", "down", "up")
	if got := selectedService(m); got != "svc_b" {
		t.Fatalf("arrows: %q", got)
	}
	press(m, "pgdown")
	if got := selectedService(m); got != "svc_c" {
		t.Fatalf("pgdown: %q", got)
	}
	press(m, "pgup")
	if got := selectedService(m); got != "svc_a" {
		t.Fatalf("pgup: %q", got)
	}
	// Views by number, tab and shift+tab.
	for k, v := range map[string]viewID{"2": viewHAProxy, "3": viewRegistry, "4": viewCluster, "5": viewEvents, "1": viewServices} {
		press(m, k)
		if m.view != v {
			t.Errorf("key %s: view %v, want %v", k, m.view, v)
		}
	}
	press(m, "1", "tab")
	if m.view != viewHAProxy {
		t.Errorf("tab: view %v", m.view)
	}
	press(m, "shift+tab", "shift+tab")
	if m.view != viewEvents {
		t.Errorf("shift+tab twice from HAProxy: view %v", m.view)
	}
	// enter opens the detail, esc goes back.
	press(m, "1", "j", "enter")
	if m.view != viewDetail || m.detail.service != "svc_b" {
		t.Fatalf("enter: view %v service %q", m.view, m.detail.service)
	}
	press(m, "esc")
	if m.view != viewServices {
		t.Fatalf("esc: view %v", m.view)
	}
	if !isQuit(press(m, "q")) {
		t.Fatal("q did not quit")
	}
}

func TestFilterTypingNeverActs(t *testing.T) {
	w := &recWriter{}
	m := newTestModel(t, 80, 24, readWrite(t, w))
	press(m, "j", "enter") // svc_b detail, actions possible here
	press(m, "/")
	for _, k := range []string{"q", "d", "m", "r", "x", "w", "h", "X", "D", "?", "1", "2", ":", "s", "space", "j", "G"} {
		if cmd := press(m, k); isQuit(cmd) {
			t.Fatalf("typing %q in the filter quit", k)
		}
		if m.mode != modeFilter {
			t.Fatalf("typing %q left filter mode (mode %v)", k, m.mode)
		}
	}
	if m.confirm != nil || m.overlay != overlayNone || m.view != viewDetail {
		t.Fatalf("a key typed in the filter acted: confirm=%v overlay=%v view=%v", m.confirm != nil, m.overlay, m.view)
	}
	if got := m.edit.String(); got != "qdmrxwhXD?12:s jG" {
		t.Fatalf("filter text %q", got)
	}
	press(m, "backspace")
	if got := m.edit.String(); got != "qdmrxwhXD?12:s j" {
		t.Fatalf("backspace in filter: %q", got)
	}
	press(m, "esc")
	if m.mode != modeNormal || m.detail.filter.text != "" {
		t.Fatalf("esc: mode %v filter %q", m.mode, m.detail.filter.text)
	}
	if len(w.cmds) != 0 {
		t.Fatalf("commands sent: %v", w.cmds)
	}
	// ctrl+c quits even from the filter.
	press(m, "/")
	if !isQuit(press(m, "ctrl+c")) {
		t.Fatal("ctrl+c in the filter did not quit")
	}
}

func TestFilterRegexInvertAndClear(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, "/")
	typeText(m, "svc_[ab]")
	if got := strings.Join(serviceNames(m), ","); got != "svc_a,svc_b" {
		t.Fatalf("regex filter live: %s", got)
	}
	press(m, "enter")
	if m.mode != modeNormal || m.services.filter.text != "svc_[ab]" {
		t.Fatalf("enter keeps the filter: mode %v filter %q", m.mode, m.services.filter.text)
	}
	press(m, "/", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	typeText(m, "!SVC_A")
	press(m, "enter")
	if got := strings.Join(serviceNames(m), ","); got != "svc_b,svc_c" {
		t.Fatalf("inverted, case-insensitive: %s", got)
	}
	press(m, "esc")
	if got := len(m.services.rows); got != 3 || m.services.filter.text != "" {
		t.Fatalf("esc clears: %d rows, filter %q", got, m.services.filter.text)
	}
	// An invalid regex matches literally and says so.
	press(m, "/")
	typeText(m, "svc_[")
	if len(m.services.rows) != 0 || m.services.filter.err == "" {
		t.Fatalf("invalid regex: rows %d err %q", len(m.services.rows), m.services.filter.err)
	}
	// Filter by diagnosis.
	press(m, "esc", "/")
	typeText(m, "^down$")
	if got := strings.Join(serviceNames(m), ","); got != "svc_a" {
		t.Fatalf("filter by worst code: %s", got)
	}
}

func TestSort(t *testing.T) {
	m := newTestModel(t, 160, 48)
	if m.services.sort != 3 || !m.services.desc || !strings.Contains(screen(m), "WORST▼") {
		t.Fatalf("default sort: column %d desc %v", m.services.sort, m.services.desc)
	}
	press(m, "s") // SESS descending: svc_b has sessions
	if got := serviceNames(m)[0]; got != "svc_b" {
		t.Fatalf("sessions desc: %v", serviceNames(m))
	}
	if !strings.Contains(screen(m), "SESS▼") {
		t.Fatal("sorted column not marked in the header")
	}
	for i := 0; i < 10 && m.services.sort >= 0; i++ {
		press(m, "s")
	}
	if m.services.sort != -1 {
		t.Fatal("s never cycled back to the natural order")
	}
	press(m, "s") // SERVICE, descending kept
	if got := strings.Join(serviceNames(m), ","); got != "svc_c,svc_b,svc_a" {
		t.Fatalf("by name reversed: %s", got)
	}
	press(m, "S")
	if got := strings.Join(serviceNames(m), ","); got != "svc_a,svc_b,svc_c" {
		t.Fatalf("by name: %s", got)
	}
	// HAProxy view sorts servers inside each proxy, keeping the grouping.
	press(m, "2", "s", "s", "s") // NAME, W, STATUS
	var names []string
	for _, r := range m.hap.rows {
		if r.row.Proxy == "svc_b" {
			names = append(names, r.row.Name())
		}
	}
	if names[0] != "FRONTEND" || names[len(names)-1] != "BACKEND" || names[1] != "web2_10.0.0.2:8080" {
		t.Fatalf("HAProxy sort by status within svc_b: %v", names)
	}
}

func TestMarksMakeOnePlan(t *testing.T) {
	w := &recWriter{}
	m := newTestModel(t, 160, 48, readWrite(t, w))
	press(m, "j", "enter", "space", "space") // mark web1, web2
	if len(m.detail.marks) != 2 || m.detail.selected().Registration.Name != "web3" {
		t.Fatalf("space marks and moves down: marks %v", m.detail.marks)
	}
	press(m, "k", "space", "space") // unmark web2, mark web3
	if len(m.detail.marks) != 2 || m.detail.marks["svc_b/web2_10.0.0.2:8080"] {
		t.Fatalf("marks after toggling: %v", m.detail.marks)
	}
	press(m, "d")
	if m.confirm == nil {
		t.Fatalf("no confirm dialog; status %q", m.status)
	}
	p := m.confirm.plan
	if len(p.Targets) != 2 || !strings.Contains(p.Targets[0], "web1") || !strings.Contains(p.Targets[1], "web3") {
		t.Fatalf("one plan for the marked rows: %v", p.Targets)
	}
	drain(m, press(m, "y"))
	if len(w.cmds) != 2 {
		t.Fatalf("sent %v", w.cmds)
	}
	if len(m.detail.marks) != 0 {
		t.Fatal("marks kept after the action ran")
	}
}

func TestConfirmFocusStartsOnCancel(t *testing.T) {
	w := &recWriter{}
	feed := newFakeFeed(fixtureHAProxy(t, "local"))
	m := newTestModel(t, 80, 24, readWrite(t, w), func(o *testOptions) { o.HAProxy = feed })
	press(m, "j", "enter", "d")
	if m.mode != modeConfirm || m.confirm.focus != focusCancel {
		t.Fatalf("mode %v focus %v", m.mode, m.confirm)
	}
	drain(m, press(m, "enter"))
	if m.mode != modeNormal || len(w.cmds) != 0 {
		t.Fatalf("enter on the initial focus must cancel: mode %v sent %v", m.mode, w.cmds)
	}
	if !strings.Contains(m.status, "cancelled") {
		t.Fatalf("status %q", m.status)
	}
	// n and esc cancel too.
	press(m, "d", "n")
	press(m, "d", "esc")
	if len(w.cmds) != 0 {
		t.Fatalf("sent after n/esc: %v", w.cmds)
	}
	// tab to Execute, enter runs it; HAProxy is refreshed and the footer says how to undo.
	press(m, "d", "tab")
	if m.confirm.focus != focusExecute {
		t.Fatal("tab did not move focus")
	}
	drain(m, press(m, "enter"))
	if len(w.cmds) != 1 || w.cmds[0] != "set server svc_b/web1_10.0.0.1:8080 state drain" {
		t.Fatalf("sent %v", w.cmds)
	}
	if feed.refreshed != 1 {
		t.Fatalf("HAProxy refreshed %d times", feed.refreshed)
	}
	if !strings.Contains(m.status, "done") || !strings.Contains(m.status, "press r") {
		t.Fatalf("status %q", m.status)
	}
	if len(m.events.all) == 0 || m.events.all[len(m.events.all)-1].Source != "action" {
		t.Fatal("action not in the events timeline")
	}
}

func TestConfirmScopeWidens(t *testing.T) {
	w := &recWriter{}
	m := newTestModel(t, 80, 24, twoSockets(t), readWrite(t, w))
	press(m, "j", "enter", "d")
	if len(m.confirm.plan.Commands) != 1 {
		t.Fatalf("narrowest scope first: %v", m.confirm.plan.Commands)
	}
	press(m, "s", "s")
	if len(m.confirm.plan.Commands) != 2 || !strings.Contains(m.confirm.plan.Commands[1], "remote") {
		t.Fatalf("all sockets: %v", m.confirm.plan.Commands)
	}
	drain(m, press(m, "y"))
	if len(w.cmds) != 2 {
		t.Fatalf("sent %v", w.cmds)
	}
}

func TestTypedConfirmation(t *testing.T) {
	m := newTestModel(t, 80, 24, readWrite(t, &recWriter{}))
	press(m, "enter", "X")
	// The word names one znode: ss-accept-host registered twice.
	if m.confirm == nil || m.confirm.plan.ConfirmText != "ss-accept-host_0000000004" {
		t.Fatalf("no typed confirmation: %+v status %q", m.confirm, m.status)
	}
	press(m, "y", "n")
	if m.mode != modeConfirm || m.confirm.typed.String() != "yn" {
		t.Fatalf("y and n must be typed, not act: mode %v typed %q", m.mode, m.confirm.typed.String())
	}
	press(m, "tab", "enter")
	if m.mode != modeConfirm || m.confirm.err == "" {
		t.Fatalf("wrong name must not execute: mode %v err %q", m.mode, m.confirm.err)
	}
	press(m, "esc")
	if m.mode != modeNormal {
		t.Fatal("esc did not cancel")
	}
}

func TestReadOnlyRefusesActionKeys(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, "j", "enter")
	for _, k := range []string{"d", "m", "r", "w", "h", "a", "x", "M", "U", "R", "t", "E", "X"} {
		m.status = ""
		press(m, k)
		if m.mode != modeNormal || m.confirm != nil {
			t.Fatalf("%s opened something in read-only mode", k)
		}
		if m.status != "read-only mode: actions are disabled" {
			t.Fatalf("%s: status %q", k, m.status)
		}
	}
	press(m, "?")
	help := screen(m)
	for _, s := range []string{"drain", "weight", "reload"} {
		if strings.Contains(help, s) {
			t.Errorf("help in read-only mode mentions %q", s)
		}
	}
	press(m, "esc")
	if !strings.Contains(screen(m), " RO ") {
		t.Error("no RO badge")
	}
}

func TestCommandLine(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, ":")
	typeText(m, "svc svc_b")
	press(m, "enter")
	if m.view != viewDetail || m.detail.service != "svc_b" {
		t.Fatalf(":svc: view %v service %q", m.view, m.detail.service)
	}
	press(m, ":")
	typeText(m, "events")
	press(m, "enter")
	if m.view != viewEvents {
		t.Fatalf(":events: %v", m.view)
	}
	press(m, ":")
	typeText(m, "haproxy")
	press(m, "enter")
	if m.view != viewHAProxy {
		t.Fatalf(":haproxy: %v", m.view)
	}
	drain(m, press(m, ":"))
	drain(m, typeText(m, "zk /nerve/services"))
	drain(m, press(m, "enter"))
	if m.view != viewRegistry || m.registry.path != "/nerve/services" || len(m.registry.children) != 3 {
		t.Fatalf(":zk: view %v path %q children %v", m.view, m.registry.path, m.registry.children)
	}
	press(m, ":")
	typeText(m, "nonsense")
	press(m, "enter")
	if !m.statusErr || !strings.Contains(m.status, "unknown command") {
		t.Fatalf("unknown command: %q", m.status)
	}
	// History: up walks back, down forward.
	press(m, ":", "up")
	if m.edit.String() != "nonsense" {
		t.Fatalf("up: %q", m.edit.String())
	}
	press(m, "up", "up")
	if m.edit.String() != "haproxy" {
		t.Fatalf("up x3: %q", m.edit.String())
	}
	press(m, "down")
	if m.edit.String() != "zk /nerve/services" {
		t.Fatalf("down: %q", m.edit.String())
	}
	press(m, "esc")
	press(m, ":")
	typeText(m, "q")
	if !isQuit(press(m, "enter")) {
		t.Fatal(":q did not quit")
	}
}

// TestSelectionFollowsRowWhenRowsMove: a new snapshot that reorders the
// servers and inserts one before the selection keeps the same row selected.
func TestSelectionFollowsRowWhenRowsMove(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, "j", "enter", "j", "j") // web3
	if in := m.detail.selected(); in.Registration.Name != "web3" {
		t.Fatalf("selected %s", instName(in))
	}
	// A new registration web0 sorts before web3.
	reg := fixtureRegistry(t)
	r := reg.Services[1].Registrations[0]
	r.Name, r.Host, r.Path = "web0", "10.0.0.9", "/nerve/services/svc_b/services/web0_0000000009"
	reg.Services[1].Registrations = append([]sources.Registration{r}, reg.Services[1].Registrations...)
	sendRegistry(m, sources.Update{Snapshot: reg})
	if in := m.detail.selected(); in.Registration.Name != "web3" {
		t.Fatalf("after a row was inserted above: selected %s", instName(in))
	}
	// HAProxy view: reversed server order keeps the selected row.
	press(m, "2", "j", "j", "j")
	want := m.hap.selected().row.Key()
	s := fixtureHAProxy(t, "local")
	rows := s.Stats.Rows
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	sendHAProxy(m, *s)
	if got := m.hap.selected().row.Key(); got != want {
		t.Fatalf("HAProxy selection moved from %s to %s", want, got)
	}
	// When the selected row disappears, the cursor stays at its index.
	idx := m.hap.cursor
	s2 := fixtureHAProxy(t, "local")
	var kept []haproxy.Row
	for _, r := range s2.Stats.Rows {
		if r.Key() != want {
			kept = append(kept, r)
		}
	}
	s2.Stats.Rows = kept
	sendHAProxy(m, *s2)
	if m.hap.cursor != idx {
		t.Fatalf("cursor jumped from %d to %d when its row vanished", idx, m.hap.cursor)
	}
}

func TestLiveRegistryUpdate(t *testing.T) {
	m := newTestModel(t, 80, 24)
	reg := fixtureRegistry(t)
	reg.Services[1].Registrations = reg.Services[1].Registrations[:1]
	sendRegistry(m, sources.Update{Snapshot: reg, Events: []sources.Event{{At: fixedNow, Kind: sources.EventDeregistered, Source: sources.KindZooKeeper, Service: "svc_b", Message: "web2 deregistered"}}})
	if got := m.services.rows[1].Summary.Registered; got != 1 {
		t.Fatalf("registered after update: %d", got)
	}
	if !regexp.MustCompile(`svc_b\s+1 `).MatchString(screen(m)) {
		t.Fatalf("screen does not show the new count:\n%s", screen(m))
	}
	// The frame reader is re-armed after each message.
	reg.Services[1].Registrations = nil
	if cmd := sendRegistry(m, sources.Update{Snapshot: reg}); cmd == nil {
		t.Fatal("frame reader not re-armed")
	}
}

func TestTinyTerminal(t *testing.T) {
	m := newTestModel(t, 20, 5)
	out := screen(m)
	if strings.Join(strings.Fields(out), " ") != "terminal too small (need 60x12)" {
		t.Fatalf("tiny terminal: %q", out)
	}
	m.Update(tea.WindowSizeMsg{Width: 60, Height: 12})
	if out := screen(m); !strings.Contains(out, "svc_a") {
		t.Fatalf("60x12 should render:\n%s", out)
	}
	m.Update(tea.WindowSizeMsg{Width: 200, Height: 5})
	if out := screen(m); !strings.Contains(out, "need 60x12") {
		t.Fatalf("too short: %q", out)
	}
}

func TestMouse(t *testing.T) {
	m := newTestModel(t, 80, 24)
	press(m, "2")
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.hap.cursor != 3 {
		t.Fatalf("wheel down: cursor %d", m.hap.cursor)
	}
	// Rows start below header, tabs, two info lines and the column header.
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 2 + 3 + 5})
	if m.hap.cursor != 5 {
		t.Fatalf("click: cursor %d", m.hap.cursor)
	}
	// Clicking a tab switches view.
	m.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 2, Y: 1})
	if m.view != viewServices {
		t.Fatalf("tab click: view %v", m.view)
	}
}

func TestCommandPanicIsRecovered(t *testing.T) {
	m := newTestModel(t, 80, 24)
	cmd := guard(func() tea.Msg { panic("boom") })
	drain(m, cmd)
	if !m.statusErr || !strings.Contains(m.status, "boom") {
		t.Fatalf("status %q", m.status)
	}
	if strings.Contains(screen(m), "goroutine") {
		t.Fatal("stack trace on screen")
	}
}

func TestMonochromeHasNoColour(t *testing.T) {
	m := newTestModel(t, 120, 30)
	m.mono = true
	m.st = m.makeStyles()
	press(m, "2")
	out := m.render()
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|4[0-9]|9[0-7]|10[0-7])[;m]`).MatchString(out) {
		t.Fatalf("colour codes in monochrome output: %q", out)
	}
	// Every state still reads as text.
	for _, s := range []string{"DOWN", "DRAIN", "[2 HAProxy]", "> "} {
		if !strings.Contains(ansiStrip(out), s) {
			t.Errorf("monochrome frame lacks %q", s)
		}
	}
}

// TestAuditShownInEvents: actions recorded in the audit log by an earlier
// run appear in the events timeline at start.
func TestAuditShownInEvents(t *testing.T) {
	w := &recWriter{}
	var audit *actions.AuditLog
	m := newTestModel(t, 80, 24, readWrite(t, w), func(o *testOptions) { audit = o.Audit })
	press(m, "j", "enter", "d")
	drain(m, press(m, "y"))
	if len(w.cmds) != 1 {
		t.Fatalf("sent %v", w.cmds)
	}
	m2 := newTestModel(t, 80, 24, func(o *testOptions) { o.Audit = audit })
	drain(m2, readAudit(audit))
	press(m2, "5")
	out := screen(m2)
	if !strings.Contains(out, "Drain 1 server") || !strings.Contains(out, "action") {
		t.Fatalf("audit record not in the events view:\n%s", out)
	}
}

// TestActionFailureShown: a refused command is shown as an error with
// HAProxy's reply, and the marks stay usable.
func TestActionFailureShown(t *testing.T) {
	m := newTestModel(t, 80, 24, readWrite(t, &recWriter{}), func(o *testOptions) {
		audit := o.Audit
		o.Executor = actions.NewExecutor(actions.Writers{HAProxy: map[string]actions.HAProxyWriter{"local": failWriter{}}}, audit)
	})
	press(m, "j", "enter", "d")
	drain(m, press(m, "y"))
	if !m.statusErr || !strings.Contains(m.status, "No such server") {
		t.Fatalf("status %q", m.status)
	}
}

type failWriter struct{}

func (failWriter) Exec(context.Context, command.Command) error {
	return errors.New("No such server.")
}

// TestActionPlans: every action key builds its plan and opens the confirm
// dialog (through its prompt or menu) without sending anything.
func TestActionPlans(t *testing.T) {
	spool := t.TempDir()
	w := &recWriter{}
	m := newTestModel(t, 120, 40, readWrite(t, w), func(o *testOptions) {
		o.SpoolDir = spool
		o.ReloadCommand = "systemctl reload synapse"
		o.Durable.Where.Host = sources.Host{Name: "web1", Addrs: []string{"10.0.0.1"}} // web1's host
	})
	check := func(name string, want ...string) {
		t.Helper()
		if m.mode != modeConfirm || m.confirm == nil {
			t.Fatalf("%s: no confirm dialog (mode %v, status %q)", name, m.mode, m.status)
		}
		all := strings.Join(append(append([]string{m.confirm.plan.Title}, m.confirm.plan.Targets...), m.confirm.plan.Commands...), "\n")
		for _, s := range want {
			if !strings.Contains(all, s) {
				t.Errorf("%s: plan lacks %q:\n%s", name, s, all)
			}
		}
		if m.confirm.focus != focusCancel {
			t.Errorf("%s: focus not on Cancel", name)
		}
		press(m, "esc")
	}
	press(m, "R")
	check("reload", "systemctl reload synapse")
	press(m, "j", "enter") // svc_b detail, web1 selected
	press(m, "w")
	typeText(m, "50%")
	press(m, "enter")
	check("weight", "set server svc_b/web1_10.0.0.1:8080 weight 50%")
	press(m, "h", "s")
	check("health stopping", "health stopping")
	press(m, "h", "f")
	check("checks off", "disable health svc_b/web1_10.0.0.1:8080")
	press(m, "a", "d")
	check("agent down", "agent down")
	press(m, "x")
	check("shutdown", "shutdown sessions server svc_b/web1_10.0.0.1:8080")
	press(m, "m")
	check("maint", "state maint")
	press(m, "r")
	check("ready", "state ready")
	press(m, "M")
	typeText(m, "disk swap INC-42")
	press(m, "enter")
	typeText(m, "2h")
	press(m, "enter")
	check("hacheck maintenance", spool, "svc_b")
	press(m, "U")
	if !m.statusErr || !strings.Contains(m.status, "not in durable maintenance") {
		t.Fatalf("U without a spool file: %q", m.status)
	}
	if err := os.WriteFile(filepath.Join(spool, "svc_b:8080"), []byte(`{"reason":"x","expiration":null,"creation":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	press(m, "U")
	check("hacheck maintenance off", spool)
	press(m, "t")
	if !m.statusErr || !strings.Contains(m.status, "does not read a Serf cluster") {
		t.Fatalf("t in the ZooKeeper flavour: %q", m.status)
	}
	press(m, "E")
	typeText(m, "deploy v42")
	press(m, "enter")
	check("serf event", "deploy")
	press(m, "M")
	typeText(m, "reason")
	press(m, "enter")
	typeText(m, "soon")
	press(m, "enter")
	if m.mode != modeNormal || !m.statusErr || !strings.Contains(m.status, "30m or 2h") {
		t.Fatalf("bad expiry: mode %v status %q", m.mode, m.status)
	}
	if len(w.cmds) != 0 {
		t.Fatalf("plans sent commands: %v", w.cmds)
	}
	// Server actions outside a server list say where to go.
	press(m, "1", "d")
	if !m.statusErr || !strings.Contains(m.status, "server actions work on servers") {
		t.Fatalf("d in the services view: %q", m.status)
	}
}

// TestUnchangedRowsSkipTheJoin: a snapshot carrying the very same rows (the
// poller's light poll) updates the header but does not join again; new rows
// or an error do.
func TestUnchangedRowsSkipTheJoin(t *testing.T) {
	m := newTestModel(t, 80, 24)
	s := *m.haps[0]
	before := m.joined
	info := *s.Info // the same process, newer figures
	info.Version, info.MaxConn = "2.6.99", 10
	s.Info = &info
	sendHAProxy(m, s)
	if &m.joined.Services[0].Instances[0] != &before.Services[0].Instances[0] {
		t.Fatal("same rows joined again")
	}
	press(m, "2")
	if !strings.Contains(screen(m), "2.6.99") {
		t.Fatal("header not updated from the new show info")
	}
	s.Err = errors.New("connection refused")
	sendHAProxy(m, s)
	if m.joined == before {
		t.Fatal("an unreachable socket was not joined (its diagnosis would be missing)")
	}
	fresh := fixtureHAProxy(t, "local")
	before = m.joined
	sendHAProxy(m, *fresh)
	if m.joined == before {
		t.Fatal("new rows not joined")
	}
}

func TestOverlayScrollReachesTheEnd(t *testing.T) {
	m := newTestModel(t, 80, 24, readWrite(t, &recWriter{}))
	press(m, "?", "G")
	last := m.text.lines[len(m.text.lines)-1]
	if !strings.Contains(screen(m), ansiStrip(last)) {
		t.Fatalf("G in help does not show the last line %q:\n%s", last, screen(m))
	}
	press(m, "g")
	if m.text.offset != 0 {
		t.Fatal("g did not go back to the top")
	}
	press(m, "esc")
	if m.overlay != overlayNone {
		t.Fatal("esc did not close help")
	}
}

// TestPanicInUpdateKeepsFeedsFlowing: a frame that makes Update panic is
// reported in the status bar and the frame reader is re-armed.
func TestPanicInUpdateKeepsFeedsFlowing(t *testing.T) {
	m := newTestModel(t, 80, 24)
	reg := fixtureRegistry(t)
	// Force a panic inside the handling: a first-screen hook that panics.
	m.o.FirstView, m.firstViewDone = func() { panic("clock broke") }, false
	cmd := sendRegistry(m, sources.Update{Snapshot: reg})
	if !m.statusErr || !strings.Contains(m.status, "clock broke") {
		t.Fatalf("status %q", m.status)
	}
	if cmd == nil {
		t.Fatal("frame reader not re-armed after a panic")
	}
	if strings.Contains(screen(m), "goroutine") {
		t.Fatal("stack on screen")
	}
}

func TestHatopFKeysExplainThemselves(t *testing.T) {
	m := newTestModel(t, 80, 24, readWrite(t, &recWriter{}))
	press(m, "j", "enter")
	m.Update(tea.KeyPressMsg{Code: tea.KeyF2})
	if m.mode != modeNormal || !strings.Contains(m.status, "press m") {
		t.Fatalf("F2: mode %v status %q", m.mode, m.status)
	}
	ro := newTestModel(t, 80, 24)
	ro.Update(tea.KeyPressMsg{Code: tea.KeyF1})
	if ro.status != "read-only mode: actions are disabled" {
		t.Fatalf("F1 read-only: %q", ro.status)
	}
}

// TestFirstViewOnceEverySourceRead: Options.FirstView (the program resumes
// garbage collection there) fires once, when the registry is synced and
// every socket has full stats (not a preview) or an error, not before.
func TestFirstViewOnceEverySourceRead(t *testing.T) {
	reg := fixtureRegistry(t)
	unsynced := reg
	unsynced.Synced = false
	full := fixtureHAProxy(t, "local")
	empty := &haproxy.Snapshot{Label: "local", Address: full.Address}
	failing := &haproxy.Snapshot{Label: "other", Address: "/run/other.sock", Err: errors.New("connection refused")}
	calls := 0
	o := testOptions{Options: Options{ReadOnly: true, FirstView: func() { calls++ }},
		Registry: &fakeRegistry{cur: unsynced}, HAProxy: newFakeFeed(empty, failing)}
	m := newFedModel(o, 80, 24)
	if calls != 0 {
		t.Fatal("FirstView before any source was read")
	}
	sendHAProxy(m, *full)
	if calls != 0 {
		t.Fatal("FirstView before the registry was synced")
	}
	preview := *full
	preview.Preview = true
	sendHAProxy(m, preview)
	sendRegistry(m, sources.Update{Snapshot: reg})
	if calls != 0 {
		t.Fatal("FirstView on a preview: the first full read is still to come")
	}
	sendHAProxy(m, *full)
	if calls != 1 {
		t.Fatalf("FirstView called %d times once every source was read", calls)
	}
	sendHAProxy(m, *full)
	sendRegistry(m, sources.Update{Snapshot: reg})
	if calls != 1 {
		t.Fatalf("FirstView called %d times in all", calls)
	}
}

// TestLightPollMovesTraffic: a light poll re-reads only the frontend and
// backend rows (Snapshot.Aggregates); without a join, the services' traffic
// and the HAProxy view's BACKEND row show the new figures.
func TestLightPollMovesTraffic(t *testing.T) {
	m := newTestModel(t, 160, 48)
	s := *m.haps[0]
	svc := m.joined.Services[0].Backend
	var aggs []haproxy.Row
	for _, r := range s.Stats.Rows {
		if !r.IsServer() {
			if r.Type == haproxy.TypeBackend && r.Proxy == svc {
				r.Set(haproxy.ColSCur, 4242)
			}
			aggs = append(aggs, r)
		}
	}
	s.Aggregates = aggs
	before := m.joined
	sendHAProxy(m, s)
	var got *state.Service
	for i := range m.joined.Services {
		if m.joined.Services[i].Backend == svc {
			got = &m.joined.Services[i]
		}
	}
	if got == nil || got.Summary.SCur != 4242 {
		t.Fatalf("service %s traffic after a light poll: %+v", svc, got)
	}
	if &m.joined.Services[0].Instances[0] != &before.Services[0].Instances[0] {
		t.Fatal("a light poll joined again")
	}
	if !strings.Contains(screen(m), "4242") {
		t.Fatalf("services view does not show the new sessions:\n%s", screen(m))
	}
	press(m, "2")
	if out := screen(m); !strings.Contains(out, svc+" BACKEND") || !strings.Contains(out, "4242") {
		t.Fatalf("HAProxy view does not show the new BACKEND row:\n%s", out)
	}
}

// TestPreviewShowsStatesNotZeros: while a socket shows a preview (states
// from `show servers state`, counters not read), the header says so, the
// services are listed, and server counters read "…" rather than a false 0;
// the full read then fills them in.
func TestPreviewShowsStatesNotZeros(t *testing.T) {
	m := newTestModel(t, 160, 48)
	full := *m.haps[0]
	pv := full
	pv.Preview = true
	pv.Stats = &haproxy.Stats{Fields: full.Stats.Fields}
	for _, r := range full.Stats.Rows {
		if r.IsServer() {
			r.Set(haproxy.ColSCur, 0)
			r.Set(haproxy.ColSTot, 0)
			r.Preview = true
		}
		pv.Stats.Rows = append(pv.Stats.Rows, r)
	}
	sendHAProxy(m, pv)
	out := screen(m)
	if !strings.Contains(out, "reading counters") || !strings.Contains(out, m.joined.Services[0].Name) {
		t.Fatalf("services view during a preview:\n%s", out)
	}
	press(m, "2")
	out = screen(m)
	var server string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "  UP ") || strings.Contains(line, " DOWN ") || strings.Contains(line, " MAINT ") {
			server = line
			break
		}
	}
	if server == "" || !strings.Contains(server, "…") {
		t.Fatalf("no server row with unread counters:\n%s", out)
	}
	sendHAProxy(m, full)
	if out := screen(m); strings.Contains(out, "…") || strings.Contains(out, "reading counters") {
		t.Fatalf("counters still unread after the full read:\n%s", out)
	}
}

// TestWatchFollowsScreen: the UI names the backends whose servers are on
// screen (Feed.Watch) — those of the HAProxy view's visible rows, or
// of the open service — and none elsewhere; a light poll's re-read rows of
// those backends (Snapshot.Watched) then show on both views.
func TestWatchFollowsScreen(t *testing.T) {
	m := newTestModel(t, 160, 48)
	feed := m.o.Feed.(*testFeed).hap
	if feed.watched != nil {
		t.Fatalf("services view watches %v", feed.watched)
	}
	press(m, "2")
	from, to := m.hap.visible()
	want := map[string]bool{}
	for i := from; i < to; i++ {
		if r := m.hap.rows[i].row; r.Type != haproxy.TypeFrontend {
			want[r.Proxy] = true
		}
	}
	if len(feed.watched) == 0 || len(feed.watched) != len(want) {
		t.Fatalf("HAProxy view watches %v, want the proxies on screen %v", feed.watched, want)
	}
	for _, b := range feed.watched {
		if !want[b] {
			t.Errorf("watching %s, not on screen", b)
		}
	}

	// A light poll re-read the first server on screen: its new counters show.
	var srv *haproxy.Row
	for i := from; i < to && srv == nil; i++ {
		if r := m.hap.rows[i].row; r.IsServer() {
			srv = r
		}
	}
	s := *m.haps[0]
	fresh := *srv
	fresh.Set(haproxy.ColSCur, 777)
	fresh.Set(haproxy.ColRate, 555)
	s.Watched = []haproxy.Row{fresh}
	s.Aggregates = []haproxy.Row{}
	sendHAProxy(m, s)
	if out := screen(m); !strings.Contains(out, "777") {
		t.Fatalf("HAProxy view does not show the watched row's sessions:\n%s", out)
	}

	press(m, "1")
	if feed.watched != nil {
		t.Fatalf("back on services, still watching %v", feed.watched)
	}
	// Open the service of that server: its backend is watched, and its
	// detail view shows the re-read counters.
	for i, svc := range m.joined.Services {
		if svc.Backend == srv.Proxy {
			m.services.cursor, m.services.selKey = i, ""
		}
	}
	press(m, "enter")
	if m.view != viewDetail || len(feed.watched) != 1 || feed.watched[0] != srv.Proxy {
		t.Fatalf("detail view (%v) watches %v, want [%s]", m.view, feed.watched, srv.Proxy)
	}
	if out := screen(m); !strings.Contains(out, "777") || !strings.Contains(out, "555") {
		t.Fatalf("detail view does not show the watched row's counters:\n%s", out)
	}
}
