package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// watchReplay is every event of a trace as `stacktui watch --replay` prints it.
func watchReplay(t *testing.T, path string) []map[string]string {
	t.Helper()
	cmd := exec.Command(binary, "watch", "--replay", path)
	cmd.Env = isolatedEnv(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("watch --replay %s: %v", path, err)
	}
	var evs []map[string]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var m map[string]string
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("watch --replay line %q: %v", l, err)
		}
		evs = append(evs, m)
	}
	return evs
}

func hasEvent(evs []map[string]string, ok func(map[string]string) bool) bool {
	for _, e := range evs {
		if ok(e) {
			return true
		}
	}
	return false
}

// TestRecordThenReplay: `stacktui record` on a real ZooKeeper and HAProxy
// while an instance is deregistered, with a note typed on its standard
// input; the trace it writes replays with the note and the deregistration.
func TestRecordThenReplay(t *testing.T) {
	e := newConsoleEnv(t)
	path := filepath.Join(t.TempDir(), "bed.jsonl.gz")
	cmd := exec.Command(binary, "record", "-o", path, "--duration", "30s", "--interval", "200ms", "--zk", e.z.Addr, "--haproxy", "main="+e.h.Socket)
	cmd.Env = isolatedEnv(t)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	wait := func(what string) string {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("record exited before %q", what)
				}
				if strings.Contains(l, what) {
					return l
				}
			case <-timeout:
				t.Fatalf("record printed no %q within 15s", what)
			}
		}
	}
	wait("connected to HAProxy main")
	wait("connected to ZooKeeper")
	io.WriteString(stdin, "operator: deregistering web of svc_bravo by hand\n")
	wait("operator: deregistering")
	e.nerve.Deregister(e.regs[e.b1.Addr])
	wait("deregistered")
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := wait("recorded ")
	if !strings.Contains(done, path) || !strings.Contains(done, "note 1") {
		t.Fatalf("summary %q", done)
	}
	// Stopped by SIGINT, as every command: 128+2, once the trace is written.
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 130 {
		t.Fatalf("record exited: %v (want 130 after SIGINT)", err)
	}
	evs := watchReplay(t, path)
	if !hasEvent(evs, func(m map[string]string) bool { return m["kind"] == "note" && strings.Contains(m["text"], "by hand") }) ||
		!hasEvent(evs, func(m map[string]string) bool {
			return m["kind"] == "deregistered" && m["service"] == "svc_bravo" && strings.Contains(m["instance"], e.b1.PortString())
		}) {
		t.Fatalf("replayed events: %v", evs)
	}
}

// TestConsoleRecordsWhatItSees: the console with --record, driven in tmux,
// writes a trace of what it showed; the replay shows the same deregistration.
func TestConsoleRecordsWhatItSees(t *testing.T) {
	e := newConsoleEnv(t)
	path := filepath.Join(t.TempDir(), "console.jsonl")
	term := startTerm(t, 120, 30, tuiEnv(t), binary, "--read-only", "--record", path, "--zk", e.z.Addr, "--haproxy", "main="+e.h.Socket)
	// HAProxy's backends are services before ZooKeeper is read: wait for
	// the registry too, or the deregistration may come before its first read.
	term.WaitText(10*time.Second, "svc_alpha", "svc_bravo", "ZooKeeper "+e.z.Addr+": connected")
	e.nerve.Deregister(e.regs[e.a2.Addr])
	term.Keys("5")
	term.WaitText(10*time.Second, "deregistered")
	term.Keys("q")
	term.WaitExit(10*time.Second, 0)
	evs := watchReplay(t, path)
	if !hasEvent(evs, func(m map[string]string) bool {
		return m["kind"] == "deregistered" && m["service"] == "svc_alpha" && strings.Contains(m["instance"], e.a2.PortString())
	}) {
		t.Fatalf("replayed events: %v", evs)
	}
}
