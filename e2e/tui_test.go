package e2e

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// consoleEnv starts ZooKeeper, two services' backends, an HAProxy generated
// as Synapse would, and registers every instance the Nerve way.
type consoleEnv struct {
	z     *testenv.ZK
	h     *testenv.HAP
	nerve *testenv.Nerve
	regs  map[string]string // backend addr -> znode
	a1    *testenv.HTTPBackend
	a2    *testenv.HTTPBackend
	b1    *testenv.HTTPBackend
}

func newConsoleEnv(t *testing.T) *consoleEnv {
	z := testenv.ZooKeeper(t)
	e := &consoleEnv{z: z, a1: testenv.Backend(t), a2: testenv.Backend(t), b1: testenv.Backend(t), regs: map[string]string{}}
	srv := func(b *testenv.HTTPBackend) testenv.HAServer {
		return testenv.HAServer{Name: "web", Addr: b.Addr, Check: true}
	}
	e.h = testenv.HAProxy(t, testenv.HAProxyConfig{Services: []testenv.HAService{
		{Name: "svc_alpha", Servers: []testenv.HAServer{srv(e.a1), srv(e.a2)}, CheckInter: 200 * time.Millisecond},
		{Name: "svc_bravo", Servers: []testenv.HAServer{srv(e.b1)}, CheckInter: 200 * time.Millisecond},
	}})
	e.nerve = z.Nerve(t, "web")
	for svc, bs := range map[string][]*testenv.HTTPBackend{"svc_alpha": {e.a1, e.a2}, "svc_bravo": {e.b1}} {
		for _, b := range bs {
			e.regs[b.Addr] = e.nerve.Register("/nerve/services/"+svc+"/services", b.Host, b.Port)
		}
	}
	return e
}

func tuiEnv(t *testing.T) []string { return isolatedEnv(t) }

// TestConsoleAsAPersonUsesIt drives the console in tmux: services appear, a
// deregistration shows within a second, / filters without keys leaking, ?
// shows help, q quits and leaves a usable terminal (main screen, cursor shown,
// mouse reporting off, echo and canonical input on).
func TestConsoleAsAPersonUsesIt(t *testing.T) {
	e := newConsoleEnv(t)
	term := startTerm(t, 120, 30, tuiEnv(t), binary, "--zk", e.z.Addr, "--haproxy", "main="+e.h.Socket)
	term.WaitText(10*time.Second, "svc_alpha", "svc_bravo")
	// The console took the terminal: alternate screen, cursor hidden, mouse
	// cell motion in SGR encoding, its window title.
	if got, want := term.paneModes(), "alt=1 cursor=0 mouse=101010"; got != want {
		t.Errorf("terminal modes while running %q, want %q", got, want)
	}
	if got := strings.TrimSpace(term.tmux("display-message", "-p", "-t", term.name, "#{pane_title}")); got != "stacktui" {
		t.Errorf("window title %q, want stacktui", got)
	}

	// Open svc_alpha: both instances, by port.
	term.WaitFor("svc_alpha selected", 30*time.Second, func(s string) bool { return selected(s, "svc_alpha") })
	term.Keys("Enter")
	term.WaitText(5*time.Second, e.a1.PortString(), e.a2.PortString())
	term.WaitFor("both UP", 10*time.Second, func(s string) bool { return strings.Count(s, " UP ") >= 2 })

	// A deregistration is on screen within a second: still in HAProxy, no longer registered.
	e.nerve.Deregister(e.regs[e.a2.Addr])
	start := time.Now()
	term.WaitFor("the deregistered instance flagged", time.Second, func(s string) bool {
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, e.a2.PortString()) && strings.Contains(line, "stale") {
				return true
			}
		}
		return false
	})
	t.Logf("deregistration on screen after %s", time.Since(start).Round(time.Millisecond))

	// Back to services; filter: typed keys go to the filter, not to actions or quit.
	term.Keys("Escape")
	term.WaitText(3*time.Second, "svc_bravo")
	term.Keys("/")
	term.Type("bravoq")
	time.Sleep(300 * time.Millisecond)
	term.Keys("BSpace")
	s := term.WaitFor("filter applied", 3*time.Second, func(s string) bool {
		return strings.Contains(s, "svc_bravo") && !strings.Contains(s, "svc_alpha")
	})
	if strings.Contains(s, "[exit") {
		t.Fatalf("typing q in the filter quit:\n%s", s)
	}
	term.Keys("Escape")
	term.WaitText(3*time.Second, "svc_alpha", "svc_bravo")

	// Help lists keys from the keymap.
	term.Keys("?")
	term.WaitText(3*time.Second, "Help", "ctrl+c", "diagnose")
	term.Keys("Escape")

	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
	if got := term.paneModes(); got != restoredModes {
		t.Errorf("after q the terminal modes are %q, want %q", got, restoredModes)
	}
}

// TestConsoleTerminalRestoredOnSIGHUP: an SSH drop (SIGHUP) ends the console
// and leaves the terminal as it was.
func TestConsoleTerminalRestoredOnSIGHUP(t *testing.T) {
	e := newConsoleEnv(t)
	term := startTerm(t, 100, 30, tuiEnv(t), binary, "--haproxy", e.h.Socket, "--read-only")
	term.WaitText(10*time.Second, "svc_alpha")
	out, err := exec.Command("pgrep", "-P", term.PanePID(), "-f", binary).Output()
	if err != nil {
		t.Fatalf("finding stacktui's pid: %v", err)
	}
	pid := strings.Fields(string(out))[0]
	if err := exec.Command("kill", "-HUP", pid).Run(); err != nil {
		t.Fatal(err)
	}
	s := term.WaitText(5*time.Second, "[tty]")
	if !strings.Contains(s, "echo") || strings.Contains(s, "-echo") || strings.Contains(s, "-icanon") {
		t.Fatalf("terminal not restored after SIGHUP:\n%s", s)
	}
}

// TestTinyTerminal: a terminal too small says so instead of drawing garbage,
// and the console recovers when it grows.
func TestTinyTerminal(t *testing.T) {
	e := newConsoleEnv(t)
	term := startTerm(t, 30, 6, tuiEnv(t), binary, "--haproxy", e.h.Socket, "--read-only")
	term.WaitText(10*time.Second, "small")
	term.tmux("resize-window", "-t", term.name, "-x", "100", "-y", "30")
	term.WaitText(5*time.Second, "svc_alpha")
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}

var _ = os.Getpid
var _ = syscall.SIGHUP
