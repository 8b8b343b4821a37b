package shutdown

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/stacktui/stacktui/internal/testenv"
)

// helperEnv makes the test binary act as a wedged full-screen program.
const helperEnv = "SHUTDOWN_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "wedge" {
		wedged()
		return
	}
	testenv.DefaultSignalsForChildren()
	os.Exit(m.Run())
}

// wedged takes the terminal the way a full-screen program does (raw mode,
// alternate screen, hidden cursor, mouse reporting), registers the terminal
// restore and a marker as last-resort hooks, and then ignores everything.
func wedged() {
	h := Install(Deadline)
	tty := SaveTerminal(os.Stdin, os.Stdout)
	if _, err := term.MakeRaw(os.Stdin.Fd()); err != nil {
		fmt.Println("raw:", err)
	}
	AtExit(h.Context(), tty.Restore)
	AtExit(h.Context(), func() { _ = os.WriteFile(os.Getenv("MARKER"), []byte("ran"), 0o600) })
	os.Stdout.WriteString("\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1002h\x1b[?1003h\x1b[?1006h\x1b[?2004hwedged\r\n")
	// Written whole or not at all: a reader must never see an empty file.
	pidFile := os.Getenv("PIDFILE")
	_ = os.WriteFile(pidFile+".tmp", []byte(strconv.Itoa(os.Getpid())), 0o600)
	_ = os.Rename(pidFile+".tmp", pidFile)
	select {} // stuck for good: only the watchdog can end this
}

// tmux runs a tmux command on the private server at sock.
func tmux(t *testing.T, sock string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestWatchdogRestoresTerminalOfAWedgedProgram: a program that took the
// terminal and then hangs for good is still gone within 2 s of SIGTERM,
// SIGINT or SIGHUP, exits 128+signal, its hooks ran, and the terminal is
// back: main screen, cursor shown, mouse reporting off, echo and canonical
// input on.
func TestWatchdogRestoresTerminalOfAWedgedProgram(t *testing.T) {
	testenv.Need(t, "tmux")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(Name(sig), func(t *testing.T) {
			dir := t.TempDir()
			sock, pidFile, marker := filepath.Join(dir, "tmux.sock"), filepath.Join(dir, "pid"), filepath.Join(dir, "marker")
			script := filepath.Join(dir, "run.sh")
			body := fmt.Sprintf("#!/bin/sh\n%s=wedge PIDFILE=%s MARKER=%s %s\necho \"[exit $?]\"\nstty -a | tr ' ;' '\\n\\n' | grep -E '^-?(echo|icanon)$' | tr '\\n' ' '; echo '[tty]'\nsleep 300\n",
				helperEnv, pidFile, marker, self)
			if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
			tmux(t, sock, "-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "80", "-y", "20", "env", "TERM=xterm-256color", script)
			t.Cleanup(func() { _ = exec.Command("tmux", "-S", sock, "kill-server").Run() })
			modes := func() string {
				return strings.TrimSpace(tmux(t, sock, "display-message", "-p", "-t", "w",
					"alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_standard_flag}#{mouse_button_flag}#{mouse_all_flag}#{mouse_sgr_flag}"))
			}
			var pid int
			waitFor(t, "the helper to take the terminal", func() bool {
				b, err := os.ReadFile(pidFile)
				if err != nil {
					return false
				}
				// kill(0, sig) would signal this test's own process
				// group (go test, make, CI): only ever a real pid.
				if pid, err = strconv.Atoi(string(b)); err != nil || pid <= 1 {
					return false
				}
				return strings.HasPrefix(modes(), "alt=1 cursor=0 mouse=1")
			})
			start := time.Now()
			if err := syscall.Kill(pid, sig); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the helper to exit", func() bool { return syscall.Kill(pid, 0) != nil })
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("exited %s after %s, want within 2s", took, Name(sig))
			}
			var screen string
			waitFor(t, "the shell to report", func() bool {
				screen = tmux(t, sock, "capture-pane", "-p", "-t", "w")
				return strings.Contains(screen, "[tty]")
			})
			if want := fmt.Sprintf("[exit %d]", 128+int(sig)); !strings.Contains(screen, want) {
				t.Errorf("want %s:\n%s", want, screen)
			}
			if !strings.Contains(screen, "echo icanon [tty]") && !strings.Contains(screen, "icanon echo [tty]") {
				t.Errorf("echo/icanon not restored:\n%s", screen)
			}
			if got := modes(); got != "alt=0 cursor=1 mouse=00000" {
				t.Errorf("terminal modes %s after the watchdog", got)
			}
			if !strings.Contains(screen, "forced exit") {
				t.Errorf("the watchdog did not say why it ended the process:\n%s", screen)
			}
			if _, err := os.Stat(marker); err != nil {
				t.Errorf("the other hook did not run: %v", err)
			}
		})
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeExit records the watchdog's exit instead of ending the test binary.
type fakeExit chan int

func (f fakeExit) exit(code int) { f <- code }

func TestFirstSignalCancelsWithItsCause(t *testing.T) {
	exits := make(fakeExit, 1)
	var stderr bytes.Buffer
	h := install(time.Hour, exits.exit, &stderr, syscall.SIGHUP)
	defer h.Stop()
	if h.Signal() != nil {
		t.Fatal("a signal before any was sent")
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	<-h.Context().Done()
	var in *Interrupted
	if !errors.As(context.Cause(h.Context()), &in) || in.Signal != syscall.SIGHUP || in.Error() != "interrupted by SIGHUP" {
		t.Fatalf("cause %v", context.Cause(h.Context()))
	}
	if h.Signal() != syscall.SIGHUP || ExitCode(h.Signal()) != 129 {
		t.Fatalf("signal %v, exit code %d", h.Signal(), ExitCode(h.Signal()))
	}
	select {
	case code := <-exits:
		t.Fatalf("exited (%d) on the first signal, long before the deadline", code)
	default:
	}
}

// A second signal does not wait for the deadline; a hook stuck for good does
// not stop the exit; a removed hook does not run.
func TestSecondSignalExitsAtOnceDespiteAStuckHook(t *testing.T) {
	exits := make(fakeExit, 1)
	var stderr bytes.Buffer
	h := install(time.Hour, exits.exit, &stderr, syscall.SIGTERM, syscall.SIGINT)
	defer h.Stop()
	AtExit(h.Context(), func() { select {} })
	ran := make(chan struct{})
	AtExit(h.Context(), func() { close(ran) })
	AtExit(h.Context(), func() { t.Error("a removed hook ran") })()
	for _, s := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		if err := syscall.Kill(os.Getpid(), s); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case code := <-exits:
		if want := ExitCode(h.Signal()); code != want {
			t.Errorf("exit %d, want %d (the first signal's)", code, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after a second signal")
	}
	<-ran
}

func TestAtExitWithoutHandlerIsHarmless(t *testing.T) {
	AtExit(context.Background(), func() { t.Error("ran") })()
}
