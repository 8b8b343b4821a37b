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
// one generation at a time: a reload starts a new one with -sf <old pid>, and
// the old one finishes its sessions and exits by itself.
type hapProc struct {
	bin    string
	cfg    string // config file path
	socket string

	mu    sync.Mutex
	procs map[int]*exec.Cmd // every generation not yet reaped
	cur   int               // pid of the newest generation
	waits sync.WaitGroup
}

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

// start launches a generation of HAProxy on the current config file; with
// old != 0 the new one takes over from that pid. It returns once the new
// process answers on the admin socket, or with HAProxy's own words on why it
// did not.
func (h *hapProc) start(old int) (int, error) {
	args := []string{"-db", "-f", h.cfg}
	if old != 0 {
		args = append(args, "-sf", strconv.Itoa(old))
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
	h.cur = pid
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

	deadline := time.Now().Add(5 * time.Second)
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
			return 0, fmt.Errorf("demo: haproxy pid %d did not answer on %s within 5s: %s", pid, h.socket, lastLines(out.String(), 3))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pid is the newest generation's pid, 0 when none runs.
func (h *hapProc) pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.procs[h.cur]; !ok {
		return 0
	}
	return h.cur
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
