package ui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stacktui/stacktui/sources"
)

// withServices adds services named names to the registry, to complete.
func withServices(names ...string) fixtureOpt {
	return func(o *testOptions) {
		for _, n := range names {
			o.Registry.cur.Services = append(o.Registry.cur.Services, sources.Service{Name: n, Path: "/nerve/services/" + n + "/services"})
		}
	}
}

// TestCommandSvcPrefixAndTab: :svc takes a unique prefix; tab completes
// the verb and the service name to what the candidates share, and lists
// them when that adds nothing (issue 18 item 8).
func TestCommandSvcPrefixAndTab(t *testing.T) {
	m := newTestModel(t, 80, 24, withServices("svc_search", "svc_session"))
	press(m, ":")
	typeText(m, "sv")
	press(m, "tab")
	if got := m.edit.String(); got != "svc " {
		t.Fatalf("tab after sv: %q", got)
	}
	typeText(m, "svc_s")
	press(m, "tab")
	if got := m.edit.String(); got != "svc svc_se" {
		t.Fatalf("tab after svc_s: %q", got)
	}
	press(m, "tab")
	if !strings.Contains(m.status, "svc_search") || !strings.Contains(m.status, "svc_session") {
		t.Fatalf("tab with several candidates lists them: %q", m.status)
	}
	typeText(m, "a")
	press(m, "tab")
	if got := m.edit.String(); got != "svc svc_search " {
		t.Fatalf("tab to the one candidate: %q", got)
	}
	press(m, "esc", ":")
	typeText(m, "svc svc_sess")
	press(m, "enter")
	if m.view != viewDetail || m.detail.service != "svc_session" {
		t.Fatalf(":svc with a unique prefix: view %v service %q", m.view, m.detail.service)
	}
	press(m, ":")
	typeText(m, "svc svc_")
	press(m, "enter")
	if !m.statusErr || !strings.Contains(m.status, "services start with svc_") {
		t.Fatalf(":svc with an ambiguous prefix: %q", m.status)
	}
	press(m, ":")
	typeText(m, "svc svc_s")
	press(m, "tab")
	if s := screen(m); !strings.Contains(s, ":svc svc_se_") {
		t.Fatalf("completion not on the command line:\n%s", s)
	}
}

// TestCommandCompletionGolden: the command line after tab, at both sizes.
func TestCommandCompletionGolden(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1], withServices("svc_search", "svc_session"))
			press(m, ":")
			typeText(m, "svc svc_s")
			press(m, "tab", "tab")
			golden.RequireEqual(t, screen(m))
		})
	}
}

// TestCopyNameOSC52: y puts the selected name on the clipboard with OSC
// 52, which the terminal carries out (over SSH too), and says so.
func TestCopyNameOSC52(t *testing.T) {
	m := newTestModel(t, 100, 30)
	press(m, "j") // svc_b
	cmd := press(m, "y")
	if cmd == nil || fmt.Sprint(cmd()) != "svc_b" {
		t.Fatalf("y did not copy svc_b")
	}
	if !strings.Contains(m.status, `copied "svc_b"`) {
		t.Fatalf("status %q", m.status)
	}
	press(m, "enter", "j")
	if cmd := press(m, "y"); cmd == nil {
		t.Fatal("y in the detail view copied nothing")
	} else if got := fmt.Sprint(cmd()); got != "svc_b/web2_10.0.0.2:8080" {
		t.Fatalf("y in the detail view copied %q, not web2's key (service/name_host:port)", got)
	}
	press(m, "2", "j", "j", "j")
	if cmd := press(m, "y"); cmd == nil || !strings.HasPrefix(fmt.Sprint(cmd()), "svc_a/ss-accept-host_127.0.0.1:") {
		t.Fatalf("y in the HAProxy view did not copy proxy/server")
	}

	// Through a real program: the OSC 52 sequence reaches the terminal.
	tm := teatest.NewTestModel(t, newTestModel(t, 100, 30), teatest.WithInitialTermSize(100, 30))
	tm.Type("jy")
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("svc_b"))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(want)) },
		teatest.WithDuration(5*time.Second))
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestFilteredHAProxyKeepsBackends: filtered, every server row names its
// backend first, at 80 and 160 columns (issue 18 item 8).
func TestFilteredHAProxyKeepsBackends(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m := newTestModel(t, sz[0], sz[1])
			press(m, "2", "/")
			typeText(m, "10\\.0\\.0")
			press(m, "enter")
			out := screen(m)
			for _, l := range splitLines(out) {
				if strings.Contains(l, "10.0.0.") && !strings.Contains(l, "svc_b/") {
					t.Errorf("a server row without its backend: %q", l)
				}
			}
			golden.RequireEqual(t, out)
		})
	}
}
