//go:build bench

package bench

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// term is one program in its own tmux server on a private socket, read
// and driven through one tmux control-mode client (ctl): a look at the
// screen is then a line written to that client and its reply, about 0.1-0.6
// ms, where forking a `tmux capture-pane` costs 1-10 ms (more under load),
// which blurred the key figures and took CPU from the program measured.
type term struct {
	sock string
	dir  string
	pid  int // the program (pane pid, or its child behind a shell)
	ctl  *ctlClient
}

// tmux runs one tmux client command against the private server (forked:
// for the rare commands; polls and keys go through t.ctl).
func (t *term) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", t.sock}, args...)...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// startTerm runs argv (with env added) in a new tmux server of termW x
// termH under dir, and attaches a control-mode client to it.
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
	if t.ctl, err = attachCtl(t.sock); err != nil {
		t.kill()
		return nil, err
	}
	return t, nil
}

// ctlClient is a tmux control-mode client (`tmux -C attach`) that does not
// size the window (-f ignore-size): it runs the commands written to it, one
// at a time, and counts the pane's writes from its %output notifications,
// so a wait for the screen to change waits for the program to write
// instead of polling the screen on a clock, which took CPU from the
// program measured.
type ctlClient struct {
	mu      sync.Mutex // one command at a time
	cmd     *exec.Cmd
	in      io.WriteCloser
	replies chan ctlResult // from read, in order
	writes  atomic.Uint64  // %output notifications so far
	wrote   chan struct{}  // a write since the last receive (capacity 1)
}

type ctlResult struct {
	out string
	err error
}

func attachCtl(sock string) (*ctlClient, error) {
	cmd := exec.Command("tmux", "-S", sock, "-C", "attach-session", "-t", "b", "-f", "ignore-size")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("tmux -C attach: %w", err)
	}
	c := &ctlClient{cmd: cmd, in: in, replies: make(chan ctlResult, 1), wrote: make(chan struct{}, 1)}
	go c.read(bufio.NewReaderSize(out, 64<<10))
	if r := <-c.replies; r.err != nil { // the attach's own (empty) reply
		c.close()
		return nil, r.err
	}
	return c, nil
}

// read hands each reply to run and counts the pane's writes, until the
// client's output ends; it keeps reading, so tmux never holds output back.
func (c *ctlClient) read(r *bufio.Reader) {
	note := func(line string) {
		if strings.HasPrefix(line, "%output ") || strings.HasPrefix(line, "%extended-output ") {
			c.writes.Add(1)
			select {
			case c.wrote <- struct{}{}:
			default:
			}
		}
	}
	for {
		out, err := ctlReply(r, note)
		var refused *tmuxError
		if err != nil && !errors.As(err, &refused) { // the output ended
			close(c.replies)
			return
		}
		c.replies <- ctlResult{out, err}
	}
}

// run sends one tmux command line and returns its output.
func (c *ctlClient) run(line string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		return "", fmt.Errorf("tmux control client: %w", err)
	}
	r, ok := <-c.replies
	if !ok {
		return "", fmt.Errorf("tmux control client: its output ended")
	}
	return r.out, r.err
}

// waitWrite waits until the pane has written more than seen times in all,
// or d passes; it reports whether it has.
func (c *ctlClient) waitWrite(seen uint64, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for c.writes.Load() <= seen {
		select {
		case <-c.wrote:
		case <-timer.C:
			return false
		}
	}
	return true
}

func (c *ctlClient) close() {
	c.in.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
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
	line := "capture-pane -p -t b"
	if esc {
		line += " -e"
	}
	out, _ := t.ctl.run(line)
	return out
}

// keys sends tmux key names (e.g. "NPage", "G", "2") to the program.
func (t *term) keys(k ...string) error {
	_, err := t.ctl.run("send-keys -t b " + strings.Join(k, " "))
	return err
}

// waitScreen looks at the screen until ok(screen) or timeout, again each
// time the program has written to it; it returns the time from start and
// the last screen.
func (t *term) waitScreen(start time.Time, timeout time.Duration, esc bool, ok func(string) bool) (time.Duration, string, error) {
	for {
		seen := t.ctl.writes.Load() // before the capture: a write after it is waited for
		s := t.capture(esc)
		if ok(s) {
			return time.Since(start), s, nil
		}
		el := time.Since(start)
		if el > timeout {
			return el, s, fmt.Errorf("screen not as expected after %v; it shows:\n%s", timeout, s)
		}
		// The screen changes only when the program writes: wait for that,
		// and look again at least every second in case a notification
		// was missed.
		t.ctl.waitWrite(seen, min(time.Second, timeout-el+time.Millisecond))
	}
}

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
	if t.ctl != nil {
		t.ctl.close()
	}
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

// rssKB is the resident set size of pid now (VmRSS) or its peak (VmHWM).
func rssKB(pid int, key string) (int64, error) {
	s, err := readProc(pid, "status")
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/status (has the process exited?): %w", pid, err)
	}
	return procStatusKB(s, key)
}

// clkTck is USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK).
const clkTck = 100
