//go:build bench

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Screen size of every session: the same for every tool.
const (
	termW = 160
	termH = 48
)

// tmuxConf: no status line (the program gets all termH rows), the same
// TERM for every tool, and the pane stays after the program exits so its
// last words can be read.
const tmuxConf = `set -g status off
set -g default-terminal screen-256color
set -g remain-on-exit on
set -g history-limit 100
`

// term is one program in its own tmux server on a private socket.
type term struct {
	sock string
	dir  string
	pid  int // the program (pane pid, or its child behind a shell)
}

// tmux runs one tmux client command against the private server.
func (t *term) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", t.sock}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// startTerm runs argv (with env added) in a new tmux server of termW x
// termH under dir.
func startTerm(dir string, env []string, argv ...string) (*term, error) {
	conf := filepath.Join(dir, "tmux.conf")
	if err := os.WriteFile(conf, []byte(tmuxConf), 0o644); err != nil {
		return nil, err
	}
	t := &term{sock: filepath.Join(dir, "tmux.sock"), dir: dir}
	cmd := "exec env " + shellJoin(append(env, argv...))
	out, err := exec.Command("tmux", "-S", t.sock, "-f", conf, "new-session", "-d", "-s", "b",
		"-x", strconv.Itoa(termW), "-y", strconv.Itoa(termH), cmd).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("tmux new-session: %v: %s", err, out)
	}
	p, err := t.tmux("list-panes", "-t", "b", "-F", "#{pane_pid}")
	if err != nil {
		t.kill()
		return nil, err
	}
	t.pid, err = strconv.Atoi(strings.TrimSpace(p))
	if err != nil {
		t.kill()
		return nil, fmt.Errorf("tmux pane pid %q: %v", p, err)
	}
	return t, nil
}

// shellJoin quotes words for sh.
func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// capture returns the visible pane as text; with esc, SGR escapes are kept.
func (t *term) capture(esc bool) string {
	args := []string{"capture-pane", "-p", "-t", "b"}
	if esc {
		args = append(args, "-e")
	}
	out, _ := t.tmux(args...)
	return out
}

// keys sends tmux key names (e.g. "NPage", "G") to the program.
func (t *term) keys(k ...string) error {
	_, err := t.tmux(append([]string{"send-keys", "-t", "b"}, k...)...)
	return err
}

// waitScreen polls the screen every poll until ok(screen) or timeout; it
// returns the time from start and the last screen.
func (t *term) waitScreen(start time.Time, timeout time.Duration, esc bool, ok func(string) bool) (time.Duration, string, error) {
	for {
		s := t.capture(esc)
		if ok(s) {
			return time.Since(start), s, nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), s, fmt.Errorf("screen not as expected after %v; it shows:\n%s", timeout, s)
		}
		time.Sleep(pollEvery)
	}
}

// pollEvery is the screen polling period: each capture-pane is a fork and
// exec of the tmux client (~1-2 ms), so latencies carry that granularity.
const pollEvery = 2 * time.Millisecond

// pipe starts copying everything the program writes to the terminal into
// file (tmux pipe-pane).
func (t *term) pipe(file string) error {
	_, err := t.tmux("pipe-pane", "-o", "-t", "b", "exec cat >> "+shellJoin([]string{file}))
	return err
}

// unpipe stops pipe-pane.
func (t *term) unpipe() { _, _ = t.tmux("pipe-pane", "-t", "b") }

// kill ends the program and the tmux server.
func (t *term) kill() {
	if t.pid > 0 {
		_ = syscall.Kill(t.pid, syscall.SIGKILL)
	}
	_, _ = t.tmux("kill-server")
	for i := 0; i < 100 && t.pid > 0 && syscall.Kill(t.pid, 0) == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
}

// readProc reads /proc/<pid>/<name>.
func readProc(pid int, name string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	return string(b), err
}

// cpuTicks is utime+stime of pid (all threads).
func cpuTicks(pid int) (int64, error) {
	s, err := readProc(pid, "stat")
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/stat (has the process exited?): %w", pid, err)
	}
	return procTicks(s)
}

// rssKB is the resident set size of pid.
func rssKB(pid int) (int64, error) {
	s, err := readProc(pid, "status")
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/status (has the process exited?): %w", pid, err)
	}
	return procRSSKB(s)
}

// clkTck is USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK).
const clkTck = 100
