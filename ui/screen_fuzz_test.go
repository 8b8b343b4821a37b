package ui

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/command"
	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// hostileStrings are what issue 14 saw drive the terminal through the UI,
// and their relatives: names and texts anyone who can register can write.
var hostileStrings = []string{
	"web-1\nweb-9  10.6.6.6:80  UP  L7OK  fake row",
	"crlf\r\nrow",
	"red\x1b[31mRED",
	"hidden\x1b[8mHIDDEN",
	"reset\x1b[0m kills the highlight",
	"clear\x1b[2J\x1b[Hscreen",
	"title\x1b]0;pwned\x07",
	"csi-c1\u009b2J",
	"rlo\u202eexe.sh",
	"zwj\u200dspoof\ufeff",
	"sep\u2028line",
	"tab\there",
	"bad utf8 \xff\xfe",
	"wide 世界 names",
	strings.Repeat("long-name-", 30),
	"",
}

// hostile makes a model whose every outside string — service, instance,
// server, znode, member, tag, label, check and agent descriptions, HAProxy
// version, socket label and address, errors, events, audit records — is name
// or text. The registry is stale and a second socket unreachable, so the
// banner and header carry them too.
func hostile(t testing.TB, w, h int, name, text string, plain bool, opts ...fixtureOpt) *Model {
	t.Helper()
	reg := fixtureRegistry(t)
	reg.State, reg.Err, reg.LastGood = sources.StateReconnecting, text, fixedNow.Add(-time.Minute)
	svcPath := "/nerve/services/" + name + "/services"
	node := name + "_0000000007"
	evil := sources.Registration{Service: name, Name: name, Host: "10.9.9.9", Port: 80, Path: svcPath + "/" + node,
		Node: node, Seq: 7, Owner: 0x1, Raw: []byte(text), DataLen: len(text), Labels: map[string]string{name: text},
		HAProxyServerOptions: text, Weight: 5, HasWeight: true, Ctime: fixedNow.Add(-time.Hour), Mtime: fixedNow}
	bad := evil
	bad.Path, bad.Node, bad.Host, bad.Malformed = svcPath+"/"+name+"_0000000008", name+"_0000000008", "", text
	reg.Services = append(reg.Services, sources.Service{Name: name, Path: svcPath, Registrations: []sources.Registration{evil, bad}})
	inB := evil
	inB.Service, inB.Path = "svc_b", "/nerve/services/svc_b/services/"+node
	reg.Services[1].Registrations = append(reg.Services[1].Registrations, inB)

	hap := fixtureHAProxy(t, "local")
	info := *hap.Info
	info.Version = text
	hap.Info = &info
	// A server row as HAProxy would write it, hostile text in its strings
	// and in an untyped column (which the inspect view lists).
	server := func(proxy string) haproxy.Row {
		var b strings.Builder
		w := csv.NewWriter(&b)
		b.WriteString("# ")
		_ = w.Write([]string{"pxname", "svname", "type", "weight", "check_code", "status", "check_status", "addr", "check_desc", "agent_status", "agent_desc", "lastchg", "cookie"})
		_ = w.Write([]string{proxy, name + "_10.9.9.9:80", "2", "5", "503", "DOWN", "L7STS", "10.9.9.9:80", text, text, text, "60", text})
		w.Flush()
		st, err := haproxy.ParseStat([]byte(b.String()))
		if err != nil || len(st.Rows) != 1 {
			t.Fatalf("hostile row %q: %v", b.String(), err)
		}
		return st.Rows[0]
	}
	hap.Stats = &haproxy.Stats{Fields: hap.Stats.Fields, Rows: append(append([]haproxy.Row(nil), hap.Stats.Rows...),
		haproxy.Row{Proxy: name, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"),
		server(name),
		haproxy.Row{Proxy: name, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "DOWN"),
		server("svc_b"),
	)}
	down := &haproxy.Snapshot{Label: name, Address: text, Err: errors.New(text), LastGood: fixedNow.Add(-time.Minute)}

	browser := fixtureBrowser(t)
	browser.nodes["/nerve/services/"+name] = nil
	browser.nodes[svcPath] = []byte(text)
	browser.nodes[evil.Path] = evil.Raw
	browser.nodes[inB.Path] = evil.Raw

	health := func(context.Context) []sources.ServerHealth {
		return []sources.ServerHealth{
			{Address: name, OK: false, Mode: text, Version: text, Err: text},
			{Address: "127.0.0.2:2181", Err: text},
		}
	}
	base := []fixtureOpt{func(o *testOptions) {
		o.Registry = &fakeRegistry{ch: make(chan sources.Update), cur: reg}
		o.HAProxy = newFakeFeed(hap, down)
		o.Browser = browser
		o.Health = health
	}}
	m := newTestModel(t, w, h, append(base, opts...)...)
	if plain {
		m.st = Styles{} // no style at all: an escape in this render came from outside
	}
	m.Update(healthMsg{health(context.Background())})
	m.events.addEvents([]state.Event{{At: fixedNow, Kind: state.EventRegistered, Source: string(sources.KindZooKeeper),
		Service: name, Instance: name, From: text, To: text, Text: text}})
	m.events.addAudit([]actions.AuditRecord{{Time: fixedNow, Phase: actions.PhaseResult, Action: actions.KindHAProxy,
		Title: text, User: name, Error: text}})
	return m
}

// textWriter fails every HAProxy command with text, as a hostile reply would.
type textWriter struct{ text string }

func (w textWriter) Exec(context.Context, command.Command) error { return errors.New(w.text) }

// settle runs a command that does not block (a ZooKeeper read of the fake
// browser, an action) to the end, however loaded the machine.
func settle(m *Model, cmd tea.Cmd) { drainWait(m, cmd, time.Minute) }

// pick moves the cursor to the first row whose key contains name (the
// hostile row), or leaves it where it is.
func pick(m *Model, name string) {
	l, keyAt := m.curList()
	if l == nil {
		return
	}
	for i := 0; i < l.n; i++ {
		if name != "" && strings.Contains(keyAt(i), name) {
			settle(m, m.moveTo(i))
			return
		}
	}
}

// screenCase is one screen to draw: the keys (and picks) that reach it.
type screenCase struct {
	name string
	opts func(t testing.TB, text string) []fixtureOpt
	keys func(m *Model, name, text string)
}

func rw(t testing.TB, text string) []fixtureOpt {
	return []fixtureOpt{readWrite(t, &recWriter{})}
}

func failing(t testing.TB, text string) []fixtureOpt {
	return []fixtureOpt{readWrite(t, &recWriter{}), func(o *testOptions) {
		o.Executor = actions.NewExecutor(actions.Writers{HAProxy: map[string]actions.HAProxyWriter{"local": textWriter{text}}}, o.Audit)
	}}
}

func serf(name, text string) fixtureOpt {
	return func(o *testOptions) {
		serfRegistry(o)
		r := o.Registry
		r.cur.Err, r.cur.Address = text, name
		r.cur.Members = append(r.cur.Members, sources.Member{Name: name, Addr: text, Status: text,
			Tags: map[string]string{name: text, "smart:" + name + "_80": "10.9.9.9:80"}})
		r.cur.Services = append(r.cur.Services, sources.Service{Name: name, Registrations: []sources.Registration{{
			Service: name, Name: name, Host: "10.9.9.9", Port: 80, Member: name, MemberStatus: text, MemberAddr: text,
			Tag: "smart:" + name + "_80"}}})
	}
}

var screenCases = []screenCase{
	{"services", nil, func(m *Model, name, text string) {}},
	{"services_status", nil, func(m *Model, name, text string) { m.setError(text) }},
	{"services_diagnose", nil, func(m *Model, name, text string) { pick(m, name); press(m, "D") }},
	{"filter_typed", nil, func(m *Model, name, text string) { press(m, "/"); typeText(m, text) }},
	{"command_typed", nil, func(m *Model, name, text string) { press(m, ":"); typeText(m, text) }},
	{"detail", nil, func(m *Model, name, text string) { pick(m, name); press(m, "enter") }},
	{"detail_svc_b", nil, func(m *Model, name, text string) { press(m, "j", "enter"); pick(m, name) }},
	{"detail_inspect", nil, func(m *Model, name, text string) { press(m, "j", "enter"); pick(m, name); press(m, "enter") }},
	{"detail_diagnose", nil, func(m *Model, name, text string) { press(m, "j", "enter"); pick(m, name); press(m, "D") }},
	{"detail_malformed_inspect", nil, func(m *Model, name, text string) { pick(m, name); press(m, "enter", "j", "enter") }},
	{"haproxy", nil, func(m *Model, name, text string) { press(m, "2"); pick(m, name) }},
	{"haproxy_errors", nil, func(m *Model, name, text string) { press(m, "2", "c", "c", "c"); pick(m, name) }},
	{"haproxy_inspect", nil, func(m *Model, name, text string) { press(m, "2"); pick(m, name); press(m, "enter") }},
	{"haproxy_diagnose", nil, func(m *Model, name, text string) { press(m, "2"); pick(m, name); press(m, "D") }},
	{"registry_services", nil, func(m *Model, name, text string) {
		settle(m, m.registry.goTo("/nerve/services"))
		settle(m, press(m, "3"))
		pick(m, name)
		settle(m, m.registry.previewCmd())
	}},
	{"registry_node", nil, func(m *Model, name, text string) {
		settle(m, m.registry.goTo("/nerve/services/svc_b/services"))
		settle(m, press(m, "3"))
		pick(m, name)
		settle(m, m.registry.previewCmd())
	}},
	{"registry_missing", nil, func(m *Model, name, text string) {
		settle(m, m.registry.goTo("/nowhere/"+name))
		settle(m, press(m, "3"))
	}},
	{"cluster", nil, func(m *Model, name, text string) { press(m, "4") }},
	{"events", nil, func(m *Model, name, text string) { press(m, "5") }},
	{"help", nil, func(m *Model, name, text string) { press(m, "?") }},
	{"confirm_drain", rw, func(m *Model, name, text string) { press(m, "j", "enter"); pick(m, name); press(m, "d") }},
	{"confirm_delete_typed", rw, func(m *Model, name, text string) {
		press(m, "j", "enter")
		pick(m, name)
		press(m, "X")
		typeText(m, text)
	}},
	{"prompt_weight", rw, func(m *Model, name, text string) { press(m, "2"); pick(m, name); press(m, "w"); typeText(m, text) }},
	{"action_failed", failing, func(m *Model, name, text string) {
		press(m, "j", "enter", "d")
		settle(m, press(m, "y"))
	}},
	{"action_failed_events", failing, func(m *Model, name, text string) {
		press(m, "j", "enter", "d")
		settle(m, press(m, "y"))
		press(m, "5")
	}},
	{"serf_registry", nil, func(m *Model, name, text string) { press(m, "3"); pick(m, name) }},
	{"serf_detail_inspect", nil, func(m *Model, name, text string) { pick(m, name); press(m, "enter", "enter") }},
	{"serf_cluster", nil, func(m *Model, name, text string) { press(m, "4") }},
}

var clockRE = regexp.MustCompile(`\d\d:\d\d:\d\d`)

// checkScreen asserts what issue 14 asks of every frame: exactly h lines,
// none wider than w, no escape but our styles' SGR, every other character
// printable — and, drawn with no styles at all, no escape whatsoever and
// the same text.
func checkScreen(t *testing.T, what string, m, plain *Model, w, h int) {
	t.Helper()
	out, bare := m.render(), plain.render()
	if m.unclean != 0 || plain.unclean != 0 {
		t.Fatalf("%s: unclean text reached the screen guard", what)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%s: %d lines on a %d-line terminal:\n%s", what, len(lines), h, ansi.Strip(out))
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Fatalf("%s: line %d is %d cells on a %d-cell terminal: %q", what, i, lw, w, l)
		}
		if j := firstUnsafeInLine(l); j >= 0 {
			t.Fatalf("%s: line %d has a control or escape at %d: %q", what, i, j, l)
		}
	}
	if strings.ContainsRune(bare, 0x1b) {
		t.Fatalf("%s: an escape from outside in the unstyled frame: %q", what, bare)
	}
	for i, l := range strings.Split(bare, "\n") {
		if !termtext.IsClean(l) {
			t.Fatalf("%s: unstyled line %d is not clean: %q", what, i, l)
		}
	}
	// The two models ran their actions a moment apart: times may differ.
	if s := clockRE.ReplaceAllString(ansi.Strip(out), "hh:mm:ss"); s != clockRE.ReplaceAllString(bare, "hh:mm:ss") {
		t.Fatalf("%s: styling changed the text:\n%s\n----\n%s", what, s, bare)
	}
}

// renderHostile draws one screen case at one size, in colour and with no
// styles, and checks both frames.
func renderHostile(t *testing.T, c screenCase, sz [2]int, name, text string) {
	var opts []fixtureOpt
	if strings.HasPrefix(c.name, "serf_") {
		opts = append(opts, serf(name, text))
	}
	if c.opts != nil {
		opts = append(opts, c.opts(t, text)...)
	}
	ms := [2]*Model{}
	for i, plain := range []bool{false, true} {
		ms[i] = hostile(t, sz[0], sz[1], name, text, plain, opts...)
		c.keys(ms[i], name, text)
	}
	checkScreen(t, fmt.Sprintf("%s %dx%d (name %q, text %q)", c.name, sz[0], sz[1], name, text), ms[0], ms[1], sz[0], sz[1])
}

// FuzzScreen draws random names and texts through the whole UI: which
// picks the screen (every view, overlay and dialog) and the size (80x24,
// 160x48), so each run builds two models and the fuzzer explores screens as
// it explores strings. The seeds, run by every go test, are each of the
// issue's attack strings as every name and every text at once, on every
// screen at both sizes.
func FuzzScreen(f *testing.F) {
	n := len(screenCases) * len(sizes)
	for _, s := range hostileStrings {
		for i := range n {
			f.Add(s, s, uint16(i))
		}
	}
	f.Fuzz(func(t *testing.T, name, text string, which uint16) {
		i := int(which) % n
		renderHostile(t, screenCases[i/len(sizes)], sizes[i%len(sizes)], name, text)
	})
}
