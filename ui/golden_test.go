package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/command"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// recWriter records the HAProxy commands an executor sends.
type recWriter struct {
	mu   sync.Mutex
	cmds []string
}

func (w *recWriter) Exec(_ context.Context, c command.Command) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cmds = append(w.cmds, c.String())
	return nil
}

// readWrite gives the model a real executor whose HAProxy writer records.
func readWrite(t testing.TB, w *recWriter) fixtureOpt {
	return func(o *testOptions) {
		audit, err := actions.OpenAudit(filepath.Join(t.TempDir(), "audit.log"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { audit.Close() })
		o.Executor = actions.NewExecutor(actions.Writers{HAProxy: map[string]actions.HAProxyWriter{"local": w, "remote": w}}, audit)
		o.Audit = audit
		o.ReadOnly = false
	}
}

// twoSockets adds a second HAProxy socket where web3 is DOWN.
func twoSockets(t testing.TB) fixtureOpt {
	return func(o *testOptions) {
		a := fixtureHAProxy(t, "local")
		b := fixtureHAProxy(t, "remote")
		rows := append([]haproxy.Row(nil), b.Stats.Rows...)
		for i := range rows {
			if rows[i].Name() == "web3_10.0.0.3:8080" {
				rows[i].SetString(haproxy.ColStatus, "DOWN")
				rows[i].SetString(haproxy.ColCheckStatus, "L7STS")
				rows[i].CheckCode = 503
			}
		}
		b.Stats = &haproxy.Stats{Fields: b.Stats.Fields, Rows: rows}
		o.HAProxy = newFakeFeed(a, b)
	}
}

func serfRegistry(o *testOptions) {
	o.Browser = nil
	o.Health = nil
	o.Registry = &fakeRegistry{ch: make(chan sources.Update), cur: sources.Snapshot{
		Kind: sources.KindSerf, Address: "127.0.0.1:7373", State: sources.StateConnected, Synced: true,
		At: fixedNow, LastGood: fixedNow,
		Members: []sources.Member{
			{Name: "node-b", Addr: "10.0.0.2:7946", Status: "alive", Tags: map[string]string{"smart:svc_b_8080": "10.0.0.2:8080", "role": "web"}},
			{Name: "node-a", Addr: "10.0.0.1:7946", Status: "alive", Tags: map[string]string{"smart:svc_b_8080": "10.0.0.1:8080"}},
			{Name: "node-c", Addr: "10.0.0.3:7946", Status: "failed", Tags: map[string]string{}},
		},
		Services: []sources.Service{{Name: "svc_b", Registrations: []sources.Registration{
			{Service: "svc_b", Name: "node-a", Host: "10.0.0.1", Port: 8080, Member: "node-a", MemberStatus: "alive", Tag: "smart:svc_b_8080"},
			{Service: "svc_b", Name: "node-b", Host: "10.0.0.2", Port: 8080, Member: "node-b", MemberStatus: "alive", Tag: "smart:svc_b_8080"},
		}}},
	}}
}

func staleRegistry(t testing.TB) fixtureOpt {
	return func(o *testOptions) {
		reg := fixtureRegistry(t)
		reg.State = sources.StateReconnecting
		reg.LastGood = fixedNow.Add(-14 * time.Second)
		reg.Err = "dial tcp 127.0.0.1:2181: connection refused"
		o.Registry = &fakeRegistry{ch: make(chan sources.Update), cur: reg}
	}
}

type goldenCase struct {
	name  string
	opts  func(t testing.TB) []fixtureOpt
	setup func(t *testing.T, m *Model)
}

func noOpts(testing.TB) []fixtureOpt { return nil }

var goldenCases = []goldenCase{
	{"services", noOpts, func(t *testing.T, m *Model) {}},
	{"services_sorted_by_worst_desc", noOpts, func(t *testing.T, m *Model) {}}, // the default since issue 18 item 5
	{"services_filtered", noOpts, func(t *testing.T, m *Model) { press(m, "/"); typeText(m, "svc_[bc]"); press(m, "enter") }},
	{"services_filter_typing", noOpts, func(t *testing.T, m *Model) { press(m, "/"); typeText(m, "!dq") }},
	{"services_two_sockets", func(t testing.TB) []fixtureOpt { return []fixtureOpt{twoSockets(t)} }, func(t *testing.T, m *Model) {}},
	{"services_registry_stale", func(t testing.TB) []fixtureOpt { return []fixtureOpt{staleRegistry(t)} }, func(t *testing.T, m *Model) {}},
	{"detail", noOpts, func(t *testing.T, m *Model) { press(m, "enter") }},
	{"detail_svc_b_marked", noOpts, func(t *testing.T, m *Model) { press(m, "j", "enter", "space", "space") }},
	{"detail_two_sockets", func(t testing.TB) []fixtureOpt { return []fixtureOpt{twoSockets(t)} }, func(t *testing.T, m *Model) { press(m, "j", "enter", "G") }},
	{"inspect", noOpts, func(t *testing.T, m *Model) { press(m, "enter", "enter") }},
	{"diagnose_service", noOpts, func(t *testing.T, m *Model) { press(m, "D") }},
	{"diagnose_instance", noOpts, func(t *testing.T, m *Model) { press(m, "enter", "j", "D") }},
	{"diagnose_two_sockets", func(t testing.TB) []fixtureOpt { return []fixtureOpt{twoSockets(t)} }, func(t *testing.T, m *Model) { press(m, "j", "enter", "G", "D") }},
	{"haproxy_status", noOpts, func(t *testing.T, m *Model) { press(m, "2") }},
	{"haproxy_traffic", noOpts, func(t *testing.T, m *Model) { press(m, "2", "c") }},
	{"haproxy_http", noOpts, func(t *testing.T, m *Model) { press(m, "2", "c", "c") }},
	{"haproxy_errors", noOpts, func(t *testing.T, m *Model) { press(m, "2", "c", "c", "c") }},
	{"haproxy_two_sockets", func(t testing.TB) []fixtureOpt { return []fixtureOpt{twoSockets(t)} }, func(t *testing.T, m *Model) { press(m, "2", "G") }},
	{"haproxy_inspect_row", noOpts, func(t *testing.T, m *Model) { press(m, "2", "j", "j", "j", "j", "enter") }},
	{"registry_zk", noOpts, func(t *testing.T, m *Model) {
		drain(m, press(m, ":"))
		drain(m, typeText(m, "zk /nerve/services/svc_a/services"))
		drain(m, press(m, "enter"))
		drain(m, press(m, "j"))
	}},
	{"registry_zk_root", noOpts, func(t *testing.T, m *Model) { drain(m, m.Init()); drain(m, press(m, "3")) }},
	{"registry_serf", func(testing.TB) []fixtureOpt { return []fixtureOpt{serfRegistry} }, func(t *testing.T, m *Model) { press(m, "3") }},
	{"cluster", noOpts, func(t *testing.T, m *Model) { drain(m, pollHealth(fixtureHealth)); press(m, "4") }},
	{"cluster_serf", func(testing.TB) []fixtureOpt { return []fixtureOpt{serfRegistry} }, func(t *testing.T, m *Model) { press(m, "4") }},
	{"events", noOpts, func(t *testing.T, m *Model) { eventsSetup(t, m); press(m, "5") }},
	{"help_read_only", noOpts, func(t *testing.T, m *Model) { press(m, "?") }},
	{"help_read_write", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "?") }},
	{"confirm_drain", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "j", "enter", "d") }},
	{"confirm_drain_all_sockets", func(t testing.TB) []fixtureOpt {
		return []fixtureOpt{twoSockets(t), readWrite(t, &recWriter{})}
	}, func(t *testing.T, m *Model) { press(m, "j", "enter", "d", "s", "s", "tab") }},
	{"prompt_weight", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "2", "j", "j", "j", "w"); typeText(m, "50%") }},
	{"confirm_zk_delete_typed", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) {
		press(m, "enter", "j", "X")
		typeText(m, "ss-acc")
	}},
	{"menu_health", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "j", "enter", "h") }},
	{"read_only_refusal", noOpts, func(t *testing.T, m *Model) { press(m, "j", "enter", "d") }},
	{"haproxy_only_mode", func(testing.TB) []fixtureOpt {
		return []fixtureOpt{func(o *testOptions) { o.Registry, o.Browser, o.Health = nil, nil, nil }}
	}, func(t *testing.T, m *Model) {}},
	{"haproxy_only_mode_registry_view", func(testing.TB) []fixtureOpt {
		return []fixtureOpt{func(o *testOptions) { o.Registry, o.Browser, o.Health = nil, nil, nil }}
	}, func(t *testing.T, m *Model) { press(m, "3") }},
	{"registry_only_mode", func(testing.TB) []fixtureOpt {
		return []fixtureOpt{func(o *testOptions) { o.HAProxy = nil }}
	}, func(t *testing.T, m *Model) { openService(t, m, "svc_b") }},
	{"registry_only_mode_haproxy_view", func(testing.TB) []fixtureOpt {
		return []fixtureOpt{func(o *testOptions) { o.HAProxy = nil }}
	}, func(t *testing.T, m *Model) { press(m, "2") }},
	// Issue 18 item 1: the keys that act on the selected row, and help's page.
	{"hints_detail_read_write", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "j", "enter") }},
	{"hints_haproxy_server_read_write", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "2", "j", "j", "j") }},
	{"help_page_2", func(t testing.TB) []fixtureOpt { return []fixtureOpt{readWrite(t, &recWriter{})} }, func(t *testing.T, m *Model) { press(m, "?", "pgdown") }},
	// Issue 18 item 4: every row opens in full; errors are not cut at 80 columns.
	{"cluster_errors", func(t testing.TB) []fixtureOpt { return []fixtureOpt{staleRegistry(t)} }, func(t *testing.T, m *Model) { press(m, "4") }},
	{"registry_serf_member_page", func(testing.TB) []fixtureOpt { return []fixtureOpt{serfRegistry} }, func(t *testing.T, m *Model) { press(m, "3", "j", "enter") }},
	{"registry_zk_leaf_page", noOpts, func(t *testing.T, m *Model) {
		drain(m, press(m, ":"))
		drain(m, typeText(m, "zk /nerve/services/svc_b/services"))
		drain(m, press(m, "enter"))
		drain(m, press(m, "j"))
		drain(m, press(m, "enter"))
	}},
	{"events_page", noOpts, func(t *testing.T, m *Model) { eventsSetup(t, m); press(m, "5", "enter") }},
	{"command_line", noOpts, func(t *testing.T, m *Model) { press(m, ":"); typeText(m, "svc svc_") }},
}

// eventsSetup feeds a deregistration, a note and an HAProxy change.
func eventsSetup(t testing.TB, m *Model) {
	reg := fixtureRegistry(t)
	reg.Services[1].Registrations = reg.Services[1].Registrations[:2]
	sendRegistry(m, sources.Update{Snapshot: reg})
	m.o.Feed.(*testFeed).send(m, live.Input{At: fixedNow, Note: "operator: kill -9 the svc_b web1 backend"})
	s := fixtureHAProxy(t, "local")
	for i := range s.Stats.Rows {
		if s.Stats.Rows[i].Name() == "web1_10.0.0.1:8080" {
			s.Stats.Rows[i].SetString(haproxy.ColStatus, "DOWN")
			s.Stats.Rows[i].SetString(haproxy.ColCheckStatus, "L4TOUT")
		}
	}
	sendHAProxy(m, *s)
}

var sizes = [][2]int{{80, 24}, {160, 48}}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, sz[0], sz[1]), func(t *testing.T) {
				m := newTestModel(t, sz[0], sz[1], c.opts(t)...)
				c.setup(t, m)
				out := screen(m)
				checkFrame(t, out, sz[0], sz[1])
				if m.unclean != 0 {
					t.Errorf("%d screen lines needed the last-resort guard", m.unclean)
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}

func TestGoldenTinyTerminal(t *testing.T) {
	for _, sz := range [][2]int{{20, 5}, {59, 30}, {100, 11}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1])
			out := screen(m)
			checkFrame(t, out, sz[0], sz[1])
			golden.RequireEqual(t, out)
		})
	}
}

// checkFrame asserts the frame never exceeds the terminal: no line wider
// than w (nothing wraps) and no more than h lines.
func checkFrame(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := splitLines(out)
	if len(lines) > h {
		t.Errorf("frame has %d lines, terminal has %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := widthOf(l); lw > w {
			t.Errorf("line %d is %d cells wide, terminal is %d: %q", i, lw, w, l)
		}
	}
}
