package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoFirstFiveMinutes is the README's first command as a newcomer meets
// it: the demo shows its services within 10 seconds, a server can be drained
// through the confirm dialog and shows DRAIN, the action is audited, and
// quitting removes everything the demo started.
func TestDemoFirstFiveMinutes(t *testing.T) {
	needBinary(t, "haproxy")
	env := tuiEnv(t)
	tmp := t.TempDir()
	env = append(env, "TMPDIR="+tmp)
	start := time.Now()
	term := startTerm(t, 160, 40, env, binary, "demo")
	term.WaitText(10*time.Second, "svc_cart", "svc_checkout", "svc_search")
	t.Logf("demo on screen after %s", time.Since(start).Round(10*time.Millisecond))

	term.Keys("Enter")
	term.WaitText(5*time.Second, "INSTANCE", "127.0.0.1:")
	term.Keys("d")
	s := term.WaitText(3*time.Second, "Cancel", "set server")
	if !strings.Contains(s, "> Cancel <") {
		t.Fatalf("focus does not start on Cancel:\n%s", s)
	}
	term.Keys("y")
	s = term.WaitFor("a server in DRAIN", 5*time.Second, func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, "127.0.0.1:") && strings.Contains(line, " DRAIN ") {
				return true
			}
		}
		return false
	})
	t.Logf("after drain:\n%s", s)

	// The drain is in the demo's audit log: an intent and a successful
	// result, with the set server command that was sent.
	logs, _ := filepath.Glob(filepath.Join(tmp, "stacktui-demo-*", "audit.log"))
	if len(logs) != 1 {
		t.Fatalf("want one demo audit log under %s, found %v", tmp, logs)
	}
	waitAudited(t, logs[0], "Drain", "state drain")

	term.Keys("q")
	term.WaitExit(10*time.Second, 0)
	// The demo's temp dir (with its audit log) is gone.
	left, _ := filepath.Glob(filepath.Join(tmp, "*"))
	for _, l := range left {
		if fi, err := os.Stat(l); err == nil && fi.IsDir() && strings.Contains(filepath.Base(l), "demo") {
			t.Errorf("demo left %s behind", l)
		}
	}
}

// waitAudited waits until the audit log at path holds an intent and a
// successful result of an action whose title starts with title and whose
// commands include command.
// Every line must parse: the log is JSON lines.
func waitAudited(t *testing.T, path, title, command string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		phases := map[string]bool{}
		for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line == "" {
				continue
			}
			var rec struct {
				Phase    string   `json:"phase"`
				Title    string   `json:"title"`
				Commands []string `json:"commands"`
				OK       bool     `json:"ok"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("audit log line %d does not parse: %v: %q", i+1, err, line)
			}
			if strings.HasPrefix(rec.Title, title) && strings.Contains(strings.Join(rec.Commands, "\n"), command) && (rec.Phase == "intent" || rec.OK) {
				phases[rec.Phase] = true
			}
		}
		if phases["intent"] && phases["result"] {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q intent and successful result with %q in %s:\n%s", title, command, path, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
