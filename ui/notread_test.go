package ui

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/live/replay"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// traceConsole is the console on a real trace, paused before any of its
// lines is read (the header's Synapse config names the services), and
// step, which applies the trace's next n inputs (fewer at its end) and
// shows the frame.
func traceConsole(t *testing.T, name string, w, h int) (m *Model, step func(n int)) {
	t.Helper()
	rp, err := replay.Open(tracetest.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rp.Close() })
	r := &fakeReplay{sub: live.NewSubscription()}
	r.sub.Publish(rp.Frame())
	m = newModel(Options{Feed: r, Replay: r}, time.Now)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, func(n int) {
		t.Helper()
		for range n {
			if _, err := rp.Step(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("trace %s: %v", name, err)
			}
		}
		m.Update(frameMsg{rp.Frame()})
	}
}

// serviceRow is the services view's line for the named service, without
// its cursor and change marks.
func serviceRow(t *testing.T, out, name string) string {
	t.Helper()
	for _, l := range splitLines(out) {
		l = strings.TrimLeft(l, "> ~+")
		if f := strings.Fields(l); len(f) > 0 && f[0] == name {
			return l
		}
	}
	t.Fatalf("no row for %s:\n%s", name, out)
	return ""
}

// TestNotReadYet: before the first read of ZooKeeper and HAProxy
// (`stacktui replay --paused` on a real trace) nothing is stale and no
// figure is 0: REG, UP and the traffic are unknown, WORST says "not read
// yet", the service's page says which source was not read, and the first
// reads mark no row as changed (issue 18 item 2: no false zeros).
func TestNotReadYet(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			m, step := traceConsole(t, "zk-service-crash", sz[0], sz[1])
			out := screen(m)
			checkFrame(t, out, sz[0], sz[1])
			golden.RequireEqual(t, out)
			for _, svc := range []string{"svc_a", "svc_b"} {
				row := serviceRow(t, out, svc)
				if f := strings.Fields(row); len(f) < 3 || f[1] != "?" || f[2] != "?" {
					t.Errorf("REG and UP are not unknown: %q", row)
				}
				if !strings.Contains(row, "not read yet") || strings.Contains(row, "stale") || strings.Contains(row, " 0 ") {
					t.Errorf("before the first read: %q", row)
				}
			}

			press(m, "enter")
			if out := screen(m); !strings.Contains(out, "no instances: ZooKeeper not read yet and HAProxy not read yet") {
				t.Errorf("the service's page claims more than is known:\n%s", out)
			}
			press(m, "2")
			if out := screen(m); !strings.Contains(out, "no rows: HAProxy not read yet") {
				t.Errorf("the HAProxy view before its first read:\n%s", out)
			}
			press(m, "1")

			for m.reg.Stale() { // up to ZooKeeper's first read; HAProxy is read after it
				step(1)
			}
			out = screen(m)
			row := serviceRow(t, out, "svc_a")
			if f := strings.Fields(row); f[1] != "3" || f[2] != "?" || !strings.Contains(row, "not read yet") {
				t.Errorf("registry read, HAProxy not: %q", row)
			}
			press(m, "enter") // svc_a's instances: registered, HAProxy not read yet
			if out := screen(m); strings.Count(out, "not read yet") != 3 || strings.Contains(out, "unreachable") {
				t.Errorf("instances before HAProxy's first read:\n%s", out)
			}
			press(m, "esc")
			for len(m.socketsRead()) == 0 {
				step(1)
			}
			out = screen(m)
			row = serviceRow(t, out, "svc_a")
			if f := strings.Fields(row); f[1] != "3" || f[2] != "3" || f[3] != "ok" {
				t.Errorf("both read: %q", row)
			}
			for _, l := range splitLines(out)[4:7] {
				if len(l) > 1 && l[1] != ' ' {
					t.Errorf("a first read marked a row as changed: %q", l)
				}
			}
		})
	}
}

// TestEventsKeepWhatHappened: at 80, 100 and 160 columns every HAProxy
// state change of a real trace keeps its "FROM -> TO" in the Events view;
// the server's name gives way first (issue 18 item 4).
func TestEventsKeepWhatHappened(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {100, 30}, {160, 48}} {
		t.Run(sizeName(sz), func(t *testing.T) {
			m, step := traceConsole(t, "zk-service-crash", sz[0], sz[1])
			step(1000) // to the end
			press(m, "5")
			out := screen(m)
			checkFrame(t, out, sz[0], sz[1])
			n := 0
			for _, e := range m.events.all {
				if e.Kind != "state" {
					continue
				}
				n++
				// "svc_a host1_127.0.0.1:22002 at main: UP -> UP 1/2 (check L4CON)."
				i := strings.Index(e.Text, ": ") + 2
				j := strings.IndexAny(e.Text[i:], "(:")
				if i < 2 || j < 0 {
					t.Fatalf("unexpected event text %q", e.Text)
				}
				change := e.Text[i : i+j] // "UP -> UP 1/2 "
				if !strings.Contains(out, change) {
					t.Errorf("%q lost at %d columns:\n%s", change, sz[0], out)
				}
			}
			if n < 4 {
				t.Fatalf("%d state events; the trace has 4", n)
			}
			if sz != [2]int{100, 30} {
				golden.RequireEqual(t, out)
			}
		})
	}
}

// TestFitWhat: the server's name is cut in its middle, keeping its start
// and its port, and only as much as needed.
func TestFitWhat(t *testing.T) {
	const text = "svc_a host1_127.0.0.1:22002 at main: UP -> DOWN (check L4CON)."
	for _, c := range []struct {
		w    int
		want string
	}{
		{80, text},
		{len(text), text},
		{len(text) - 3, "svc_a host1_127.0…:22002 at main: UP -> DOWN (check L4CON)."},
		{40, "svc_a host1…:22002 at main: UP -> DOWN (check L4CON)."},
	} {
		if got := fitWhat(text, "host1_127.0.0.1:22002", c.w); got != c.want {
			t.Errorf("width %d: %q, want %q", c.w, got, c.want)
		}
	}
	if got := fitWhat("operator: kill web1", "", 5); got != "operator: kill web1" {
		t.Errorf("no server: %q", got)
	}
	for w := 0; w < 70; w++ {
		got := fitWhat(text, "host1_127.0.0.1:22002", w)
		if !strings.Contains(got, "UP -> DOWN") || !strings.Contains(got, ":22002") || !strings.HasPrefix(got, "svc_a host1") {
			t.Fatalf("width %d: %q", w, got)
		}
		if len([]rune(got)) > max(w, 54) { // 54: the name at its narrowest
			t.Fatalf("width %d: %q is %d wide", w, got, len([]rune(got)))
		}
	}
}
