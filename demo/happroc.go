package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
)

// hapProc runs HAProxy in the foreground (-db) as a child of this process,
// one generation at a time: a reload starts a new one with -sf and the pid
// of every generation still running, and those finish their sessions and
// exit by themselves (hard-stop-after bounds how long).
type hapProc struct {
	bin    string
	cfg    string // config file path
	socket string

	mu    sync.Mutex
	procs map[int]*exec.Cmd // every generation not yet reaped
	order []int             // pids in start order, newest last
	waits sync.WaitGroup
}

// startDeadline bounds how long a new generation may take to answer on the
// socket. It guards against a hung HAProxy, not a slow one: on a loaded
// machine a start takes seconds, and a reload given up on is a reload lost.
const startDeadline = 30 * time.Second

// lockedBuffer is a bytes.Buffer safe for the exec goroutine and readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil // enough to explain a failure
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.b.String())
}

// start launches a generation of HAProxy on the current config file, taking
// over from every generation still running. It returns once the new process
// answers on the admin socket, or with HAProxy's own words on why it did not.
//
// Every live generation is told, not just the newest: after a failed start
// (the newest died), a generation that was never told to stop would
// otherwise keep serving the sessions it has for ever.
func (h *hapProc) start() (int, error) {
	args := []string{"-db", "-f", h.cfg}
	if old := h.live(); len(old) > 0 {
		args = append(args, "-sf")
		for _, p := range old {
			args = append(args, strconv.Itoa(p))
		}
	}
	cmd := exec.Command(h.bin, args...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("demo: starting %s: %w", h.bin, err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	h.mu.Lock()
	if h.procs == nil {
		h.procs = map[int]*exec.Cmd{}
	}
	h.procs[pid] = cmd
	h.order = append(h.order, pid)
	h.mu.Unlock()
	h.waits.Add(1)
	go func() {
		defer h.waits.Done()
		_ = cmd.Wait()
		close(exited)
		h.mu.Lock()
		delete(h.procs, pid)
		h.mu.Unlock()
	}()

	deadline := time.Now().Add(startDeadline)
	for {
		select {
		case <-exited:
			return 0, fmt.Errorf("demo: haproxy (%s -f %s) exited at start: %s", h.bin, h.cfg, lastLines(out.String(), 3))
		default:
		}
		if socketPID(h.socket) == pid {
			return pid, nil
		}
		if time.Now().After(deadline) {
			h.kill(pid)
			return 0, fmt.Errorf("demo: haproxy pid %d did not answer on %s within %s: %s", pid, h.socket, startDeadline, lastLines(out.String(), 3))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pid is the newest running generation's pid, 0 when none runs.
func (h *hapProc) pid() int {
	if l := h.live(); len(l) > 0 {
		return l[len(l)-1]
	}
	return 0
}

// live is the pids of the generations not yet reaped, oldest first.
func (h *hapProc) live() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int
	kept := h.order[:0]
	for _, p := range h.order {
		if _, ok := h.procs[p]; ok {
			out = append(out, p)
			kept = append(kept, p)
		}
	}
	h.order = kept
	return out
}

// kill ends one generation.
func (h *hapProc) kill(pid int) {
	h.mu.Lock()
	cmd := h.procs[pid]
	h.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
	}
}

// stop kills every generation still running and waits for them to be reaped.
func (h *hapProc) stop() {
	h.killAll()
	h.waits.Wait()
}

// killAll sends SIGKILL to every generation still running.
func (h *hapProc) killAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cmd := range h.procs {
		_ = cmd.Process.Signal(syscall.SIGKILL)
	}
}

// socketPID is the pid of the HAProxy answering on socket now, 0 when none
// answers. A fresh session each time: a reloading HAProxy hands the socket
// path over to the new process, while old sessions stay with the old one.
func socketPID(socket string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Options{Address: socket, ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return 0
	}
	defer c.Close()
	info, err := c.ShowInfo(ctx)
	if err != nil {
		return 0
	}
	return info.PID
}

// lastLines keeps the last n lines of s, joined by " | ", for one-line errors.
func lastLines(s string, n int) string {
	if s == "" {
		return "(no output)"
	}
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// writeFileAtomic writes data to path through a rename, so a reloading
// HAProxy never reads half a config.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
