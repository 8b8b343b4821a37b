package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/trace/tracetest"
)

// TestReplayAsAPersonUsesIt runs `stacktui replay` on a trace recorded from
// the real daemons, in tmux: the REPLAY badge and the trace's clock show,
// ] steps to each change and stops there, the operator's note is in the
// Events view marked as a note, [ goes back, p plays it to the end, and
// action keys change nothing.
func TestReplayAsAPersonUsesIt(t *testing.T) {
	path := tracetest.Path(t, "zk-operator-maint-then-ready")
	term := startTerm(t, 140, 30, tuiEnv(t), binary, "replay", "--paused", path)
	term.WaitText(5*time.Second, "REPLAY", "02:45:22.6 UTC", "line 0/96", "paused")

	// ] steps to ZooKeeper's connection, HAProxy's, then the operator's note.
	term.Keys("]")
	term.WaitText(5*time.Second, "ZooKeeper 127.0.0.1:22181: connected", "line 2/96")
	term.Keys("]")
	term.WaitText(5*time.Second, "haproxy main: ok", "line 3/96")
	term.Keys("]")
	term.WaitText(5*time.Second, "02:45:27.8 UTC", "line 20/96")
	term.Keys("5")
	term.WaitFor("the note in the Events view", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "note           note") && strings.Contains(s, "operator: set server svc_a/host1_127.0.0.1:22002 state maint")
	})
	// ] again: HAProxy shows the MAINT the operator set.
	term.Keys("]")
	term.WaitText(5*time.Second, "UP -> MAINT", "paused")
	// [ goes back to the note: the MAINT is not in the timeline any more.
	term.Keys("[")
	term.WaitFor("the step back", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "line 20/96") && !strings.Contains(s, "UP -> MAINT")
	})
	// An action key: nothing can change in a replay.
	term.Keys("1", "Enter", "d")
	term.WaitText(5*time.Second, "read-only")
	term.Keys("Escape", "5")
	// p plays at 64 times the speed to the end of the trace.
	for range 6 {
		term.Keys("+")
	}
	term.Keys("p")
	term.WaitText(10*time.Second, "end of trace", "line 96/96", "MAINT -> UP 1/2", "UP 1/2 -> UP")
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}

// TestReplayCommandsOnAFixture: watch, snapshot and check on a trace, and
// a broken trace's error with its line.
func TestReplayCommandsOnAFixture(t *testing.T) {
	path := tracetest.Path(t, "zk-operator-maint-then-ready")
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(binary, args...)
		cmd.Env = isolatedEnv(t)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	out, code := run("watch", "--replay", path)
	if code != 0 || strings.Count(out, "\n") != 7 || !strings.Contains(out, `"kind":"note"`) || !strings.Contains(out, `"to":"MAINT"`) {
		t.Fatalf("watch --replay: exit %d\n%s", code, out)
	}
	out, code = run("snapshot", "--replay", path, "--after-note", "1", "--at", "+0.5s", "--json")
	if code != 0 || !strings.Contains(out, `"worst": "maint"`) {
		t.Fatalf("snapshot --replay: exit %d\n%s", code, out)
	}
	out, code = run("check", "--replay", path, "--at", "+1h")
	if code != 3 || !strings.Contains(out, "after the trace ends") {
		t.Fatalf("check --replay past the end: exit %d\n%s", code, out)
	}
	out, code = run("snapshot", "--replay", "/etc/hostname")
	if code != 1 || !strings.Contains(out, "line 1") {
		t.Fatalf("snapshot --replay of a file that is no trace: exit %d\n%s", code, out)
	}
}
