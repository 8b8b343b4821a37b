package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Term is the built binary running in a private tmux server, driven as a
// person would: keys in, screen text out.
type Term struct {
	t      testing.TB
	socket string
	name   string
}

// startTerm runs argv (with env) in a detached tmux session of the given
// size; the session and its server are killed at cleanup.
func startTerm(t testing.TB, cols, rows int, env []string, argv ...string) *Term {
	t.Helper()
	needBinary(t, "tmux")
	dir := t.TempDir()
	term := &Term{t: t, socket: filepath.Join(dir, "tmux.sock"), name: "e2e"}
	script := filepath.Join(dir, "run.sh")
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	for _, e := range env {
		fmt.Fprintf(&b, "export %s\n", shellQuote(e))
	}
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(shellQuote(a))
	}
	// Keep the pane open after exit so the test can read the exit code and
	// whether the terminal was restored (echo and canonical mode back on).
	b.WriteString("\necho \"[exit $?]\"\nstty -a | tr ' ;' '\\n\\n' | grep -E '^-?(echo|icanon)$' | tr '\\n' ' '; echo '[tty]'\nsleep 300\n")
	if err := os.WriteFile(script, []byte(b.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	term.tmux("-f", "/dev/null", "new-session", "-d", "-s", term.name, "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows),
		"env", "TERM=xterm-256color", "NO_COLOR=", script)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", term.socket, "kill-server").Run() })
	return term
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (m *Term) tmux(args ...string) string {
	m.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", m.socket}, args...)...).CombinedOutput()
	if err != nil {
		m.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// Keys sends tmux key names ("q", "Enter", "Escape", "C-c", "/") one by one.
func (m *Term) Keys(keys ...string) {
	m.t.Helper()
	for _, k := range keys {
		m.tmux("send-keys", "-t", m.name, k)
		if k == "Escape" {
			// A lone ESC followed at once by a key reads as alt+key, in any terminal.
			time.Sleep(150 * time.Millisecond)
		}
	}
}

// Type sends literal text.
func (m *Term) Type(s string) {
	m.t.Helper()
	m.tmux("send-keys", "-t", m.name, "-l", s)
}

// Screen is the visible pane as text.
func (m *Term) Screen() string {
	m.t.Helper()
	return m.tmux("capture-pane", "-p", "-t", m.name)
}

// patience is the least a screen wait gives the built binary before the
// test fails: on a loaded 2-core CI machine a process can be starved for
// seconds, and a wait is a bound for failure, never a speed requirement.
const patience = 30 * time.Second

// WaitFor polls the screen until cond holds or the timeout (at least
// patience) passes, and returns the last screen; on timeout the test fails
// showing it.
func (m *Term) WaitFor(what string, timeout time.Duration, cond func(screen string) bool) string {
	m.t.Helper()
	timeout = max(timeout, patience)
	deadline := time.Now().Add(timeout)
	var s string
	for {
		s = m.Screen()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("timed out after %s waiting for %s; screen:\n%s", timeout, what, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitText waits until every one of texts is on screen.
func (m *Term) WaitText(timeout time.Duration, texts ...string) string {
	m.t.Helper()
	return m.WaitFor(fmt.Sprintf("%q", texts), timeout, func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// WaitGone waits until text is no longer on screen.
func (m *Term) WaitGone(timeout time.Duration, text string) string {
	m.t.Helper()
	return m.WaitFor(fmt.Sprintf("%q to disappear", text), timeout, func(s string) bool { return !strings.Contains(s, text) })
}

// WaitExit waits for the program to end and checks it restored the terminal.
func (m *Term) WaitExit(timeout time.Duration, code int) string {
	m.t.Helper()
	s := m.WaitText(timeout, "[tty]")
	if !strings.Contains(s, fmt.Sprintf("[exit %d]", code)) {
		m.t.Fatalf("want exit %d; screen:\n%s", code, s)
	}
	if !strings.Contains(s, "echo icanon [tty]") && !strings.Contains(s, "icanon echo [tty]") {
		m.t.Fatalf("terminal not restored (echo/icanon off); screen:\n%s", s)
	}
	return s
}

// PanePID is the pid of the shell running in the pane.
func (m *Term) PanePID() string {
	m.t.Helper()
	return strings.TrimSpace(m.tmux("list-panes", "-t", m.name, "-F", "#{pane_pid}"))
}
