package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// isRead reports whether a runtime-API command only reads (or lowers the session).
func isRead(cmd string) bool {
	if cmd == "" || cmd == "prompt" || cmd == "user" || cmd == "quit" {
		return true
	}
	return strings.HasPrefix(cmd, "show ")
}

// pressEveryAction presses every action key on the current row and then y
// to confirm (h and a open a menu in read-write mode: d answers it). In
// read-only mode no dialog or prompt may open, so nothing else is typed:
// stray text would move between views and make the run depend on timing.
func pressEveryAction(term *Term) {
	for _, k := range []string{"d", "m", "r", "x", "w", "h", "a", "M", "U", "R", "t", "E", "X"} {
		term.Keys(k)
		if k == "h" || k == "a" {
			term.Keys("d")
		}
		term.Keys("y")
	}
	time.Sleep(200 * time.Millisecond)
}

// TestReadOnlySendsNoWrite puts a recording proxy between stacktui and the
// real HAProxy, presses every action key and confirms in every view, and
// finds nothing but reads. A read-write control run through the same proxy
// proves the recording would have caught a write.
func TestReadOnlySendsNoWrite(t *testing.T) {
	e := newConsoleEnv(t)
	before := e.h.Command("show stat")
	proxy := testenv.RecordCommands(t, "unix", e.h.Socket)
	znodesBefore := countZnodes(t, e)

	term := startTerm(t, 140, 40, tuiEnv(t), binary, "--read-only", "--zk", e.z.Addr, "--haproxy", "main="+proxy.Addr)
	term.WaitText(10*time.Second, "svc_alpha", "RO")
	term.Keys("d")
	term.WaitText(3*time.Second, "read-only mode")
	pressEveryAction(term) // services view
	term.Keys("Enter")     // service detail
	term.WaitText(5*time.Second, e.a1.PortString())
	pressEveryAction(term)
	term.WaitText(3*time.Second, e.a1.PortString()) // still on the detail view
	term.Keys("Escape", "2")                        // HAProxy view
	term.WaitText(5*time.Second, "FRONTEND")
	term.Keys("j", "j")
	pressEveryAction(term)
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)

	cmds := proxy.Commands()
	sawUser, sawStat := false, false
	for _, c := range cmds {
		if !isRead(c) {
			t.Errorf("read-only stacktui sent %q to HAProxy", c)
		}
		sawUser = sawUser || c == "user"
		sawStat = sawStat || strings.HasPrefix(c, "show stat") || strings.HasPrefix(c, "show servers state")
	}
	if !sawUser || !sawStat {
		t.Fatalf("the proxy did not see the session lowered and polled (user %v, stats %v): %q", sawUser, sawStat, cmds)
	}
	if n := countZnodes(t, e); n != znodesBefore {
		t.Errorf("ZooKeeper changed under read-only: %d registrations, was %d", n, znodesBefore)
	}
	if after := e.h.Command("show stat"); statusColumn(after) != statusColumn(before) {
		t.Errorf("HAProxy state changed under read-only:\n%s\nwas\n%s", statusColumn(after), statusColumn(before))
	}

	// Control: the same keys read-write through the same proxy do send writes.
	term = startTerm(t, 140, 40, tuiEnv(t), binary, "--zk", e.z.Addr, "--haproxy", "main="+proxy.Addr)
	term.WaitText(10*time.Second, "svc_alpha")
	term.Keys("Enter")
	term.WaitText(5*time.Second, e.a1.PortString())
	term.Keys("d")
	term.WaitText(3*time.Second, "Cancel")
	term.Keys("y")
	term.WaitText(5*time.Second, "DRAIN")
	wrote := false
	for _, c := range proxy.Commands() {
		wrote = wrote || strings.HasPrefix(c, "set server ")
	}
	if !wrote {
		t.Fatal("the read-write control sent no write: the proxy would not catch one")
	}
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}

func countZnodes(t *testing.T, e *consoleEnv) int {
	t.Helper()
	c := e.z.Client(t)
	n := 0
	for _, svc := range []string{"svc_alpha", "svc_bravo"} {
		kids, _, err := c.Children("/nerve/services/" + svc + "/services")
		if err != nil {
			t.Fatal(err)
		}
		n += len(kids)
	}
	return n
}

// statusColumn keeps proxy, server, status and weight of `show stat`.
func statusColumn(stat string) string {
	var b strings.Builder
	for _, line := range strings.Split(stat, "\n") {
		f := strings.Split(line, ",")
		if len(f) > 18 && !strings.HasPrefix(line, "#") {
			st := f[17]
			if strings.HasPrefix(st, "UP") || strings.HasPrefix(st, "DOWN") {
				st = "up/down" // health checks may move on their own
			}
			b.WriteString(f[0] + "/" + f[1] + " " + st + " " + f[18] + "\n")
		}
	}
	return b.String()
}
