package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// waitFlat waits until every text is on screen, wrapped or not.
func (m *Term) waitFlat(timeout time.Duration, texts ...string) string {
	m.t.Helper()
	return m.WaitFor(fmt.Sprintf("%q", texts), timeout, func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(flat(s), flat(x)) {
				return false
			}
		}
		return true
	})
}

// TestStartSaysWhyInTmux: a start that has nothing to show says on its
// first screen what is wrong and the next step (issue 18 item 2): nothing
// listening at the ZooKeeper address, an empty ZooKeeper, a missing HAProxy
// socket (the next step not cut at 100 or 120 columns), nothing configured.
func TestStartSaysWhyInTmux(t *testing.T) {
	t.Run("zk_refused", func(t *testing.T) {
		term := startTerm(t, 100, 24, tuiEnv(t), binary, "--zk", "127.0.0.1:1")
		term.waitFlat(30*time.Second, "nothing listens at ZooKeeper 127.0.0.1:1 (connection refused)",
			"next: start ZooKeeper there, or give --zk the right host:port")
		term.Keys("q")
		term.WaitExit(30*time.Second, 0)
	})
	t.Run("zk_empty", func(t *testing.T) {
		z := testenv.ZooKeeper(t)
		term := startTerm(t, 100, 24, tuiEnv(t), binary, "--zk", z.Addr)
		term.waitFlat(30*time.Second, "/nerve/services does not exist (yet): nothing is registered there", "next: check --zk-path")
		term.Keys("q")
		term.WaitExit(30*time.Second, 0)
	})
	for _, cols := range []int{100, 120} {
		t.Run(fmt.Sprintf("haproxy_missing_%d", cols), func(t *testing.T) {
			term := startTerm(t, cols, 24, tuiEnv(t), binary, "--haproxy", "/nonexistent.sock")
			s := term.waitFlat(30*time.Second, "the socket /nonexistent.sock does not exist",
				"check the path (--haproxy, or `stats socket` in haproxy.cfg) and that HAProxy runs")
			// The banner too says it in full, above the tabs.
			top := strings.Split(s, "[1 Services]")[0]
			if !strings.Contains(flat(top), "and that HAProxy runs") {
				t.Fatalf("the banner cuts the next step:\n%s", s)
			}
			term.Keys("q")
			term.WaitExit(30*time.Second, 0)
		})
	}
	t.Run("nothing_configured", func(t *testing.T) {
		term := startTerm(t, 120, 24, tuiEnv(t), binary)
		s := term.WaitText(30*time.Second, "[exit 2]")
		if !strings.Contains(flat(s), "run `stacktui demo`") {
			t.Fatalf("nothing configured does not suggest the demo:\n%s", s)
		}
	})
}

// TestEventsFollowInTmux: the Events view follows the newest event as they
// arrive; k stops following and says so; G follows again (issue 18 item 3).
func TestEventsFollowInTmux(t *testing.T) {
	e := newConsoleEnv(t)
	term := startTerm(t, 100, 16, tuiEnv(t), binary, "--zk", e.z.Addr, "--haproxy", "main="+e.h.Socket, "--read-only")
	term.WaitText(30*time.Second, "svc_alpha")
	term.Keys("5")
	term.WaitText(30*time.Second, "following the newest")
	register := func(from, to int) {
		for p := from; p < to; p++ {
			e.nerve.Register("/nerve/services/svc_alpha/services", "127.0.0.1", p)
		}
	}
	register(41001, 41021) // more events than the 10 rows on screen
	term.WaitFor("the newest event selected at the bottom", 30*time.Second, func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, ">") && strings.Contains(l, ":41020 registered") {
				return true
			}
		}
		return false
	})
	term.Keys("k", "k")
	term.WaitText(30*time.Second, "not following: 2 newer below")
	register(41021, 41024)
	term.WaitText(30*time.Second, "not following: 5 newer below · G follows the newest")
	if s := term.Screen(); strings.Contains(s, ":41023 registered") {
		t.Fatalf("not following, yet the view moved to the newest:\n%s", s)
	}
	term.Keys("G")
	term.WaitText(30*time.Second, "following the newest", ":41023 registered")
	register(41024, 41025)
	term.WaitText(30*time.Second, ":41024 registered")
	term.Keys("q")
	term.WaitExit(30*time.Second, 0)
}

// TestEscThenKeyInTmux: Escape and a key sent together (what a slow SSH
// link delivers, and the terminal reads as alt+key) are Esc, then the key
// (issue 18 item 7): Esc 2 goes to the HAProxy view; Esc 1 g j enter j m
// ends on svc_bravo's maintenance plan.
func TestEscThenKeyInTmux(t *testing.T) {
	e := newConsoleEnv(t)
	term := startTerm(t, 120, 30, tuiEnv(t), binary, "--zk", e.z.Addr, "--haproxy", "main="+e.h.Socket)
	term.WaitText(30*time.Second, "svc_alpha", "svc_bravo")
	term.Keys("Enter")
	term.WaitText(30*time.Second, "› svc_")
	term.tmux("send-keys", "-t", term.name, "Escape", "2")
	term.WaitText(30*time.Second, "[2 HAProxy]")
	term.tmux("send-keys", "-t", term.name, "Escape", "1")
	term.WaitText(30*time.Second, "[1 Services]")
	term.Keys("g", "j", "Enter")
	term.WaitText(30*time.Second, "› svc_bravo")
	term.Keys("j", "m")
	term.WaitText(30*time.Second, "Confirm: Maintenance on", "svc_bravo")
	term.tmux("send-keys", "-t", term.name, "Escape", "q") // cancel, then quit
	term.WaitExit(30*time.Second, 0)
}

// TestReplayNotReadYetInTmux: the lead's repro at 100 columns. `stacktui
// replay --paused` before any line is read shows no false zeros and nothing
// stale (REG and UP ?, WORST not read yet); played to the end, the Events
// view keeps each HAProxy change's "FROM -> TO" (issue 18 items 2 and 4).
func TestReplayNotReadYetInTmux(t *testing.T) {
	path := tracetest.Path(t, "zk-service-crash")
	term := startTerm(t, 100, 30, tuiEnv(t), binary, "replay", "--paused", path)
	s := term.WaitText(30*time.Second, "line 0/78", "svc_a", "svc_b")
	for _, l := range strings.Split(s, "\n") {
		if f := strings.Fields(strings.TrimLeft(l, "> ")); len(f) > 0 && (f[0] == "svc_a" || f[0] == "svc_b") {
			if len(f) < 5 || f[1] != "?" || f[2] != "?" || strings.Join(f[3:6], " ") != "not read yet" || strings.Contains(l, "stale") {
				t.Errorf("before the first read: %q", l)
			}
		}
	}
	for range 6 {
		term.Keys("+")
	}
	term.Keys("p", "5")
	s = term.WaitText(30*time.Second, "end of trace", "line 78/78")
	for _, change := range []string{"UP -> UP 1/2 (check", "UP 1/2 -> MAINT", "MAINT -> UP 1/2", "UP 1/2 -> UP (check"} {
		if !strings.Contains(s, change) {
			t.Errorf("%q cut at 100 columns:\n%s", change, s)
		}
	}
	term.Keys("q")
	term.WaitExit(30*time.Second, 0)
}
