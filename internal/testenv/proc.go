package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// proc is one child process in its own process group, its output in a log
// file. Pdeathsig kills it if the test binary dies without cleaning up.
type proc struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	waitErr error
}

// live holds every running proc so StopAll can reap them from TestMain.
var (
	liveMu sync.Mutex
	live   = map[*proc]bool{}
)

// startProc starts bin with args in dir, appending its stdout and stderr to
// logPath.
func startProc(dir, logPath, bin string, args ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testenv: open log %s: %w", logPath, err)
	}
	defer f.Close() // the child has its own copy
	fmt.Fprintf(f, "==== %s: %s %q\n", time.Now().Format(time.RFC3339Nano), bin, args)
	// Tests signal what testenv runs (the stand-in Nerve traps SIGHUP, a
	// serf agent reloads on it): never hand it SIGHUP or SIGINT ignored.
	DefaultSignalsForChildren()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testenv: start %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	liveMu.Lock()
	live[p] = true
	liveMu.Unlock()
	go func() {
		p.waitErr = cmd.Wait()
		liveMu.Lock()
		delete(live, p)
		liveMu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// pid is the child's process id (also its process group id).
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig to the process itself (not its group).
func (p *proc) signal(sig syscall.Signal) error {
	if p.exited() {
		return nil
	}
	return syscall.Kill(p.pid(), sig)
}

// kill SIGKILLs the whole process group and waits for the exit.
func (p *proc) kill() {
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
	_ = p.wait(10 * time.Second)
}

// stop sends sig to the process, waits up to grace, then kills the group.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) {
	if p == nil {
		return
	}
	_ = p.signal(sig)
	if p.wait(grace) != nil {
		p.kill()
		return
	}
	// Children of the process (if any) go with the group.
	_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
}

// wait waits up to d for the process to exit.
func (p *proc) wait(d time.Duration) error {
	select {
	case <-p.done:
		return nil
	case <-time.After(d):
		return fmt.Errorf("testenv: pid %d still running after %v", p.pid(), d)
	}
}

// tail returns the last n lines of the process log, for error messages.
func (p *proc) tail(n int) string { return logTail(p.logPath, n) }

// logTail returns the last n lines of the file at path.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	b = bytes.TrimRight(b, "\n")
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// StopAll kills every process testenv started and has not stopped yet. Call
// it at the end of TestMain (after m.Run, before os.Exit) as a safety net;
// Stop methods remain the normal way. Temp dirs of components without Stop
// are left behind.
func StopAll() {
	liveMu.Lock()
	ps := make([]*proc, 0, len(live))
	for p := range live {
		ps = append(ps, p)
	}
	liveMu.Unlock()
	for _, p := range ps {
		p.kill()
	}
}

// waitFor polls cond every 25ms until it returns nil or d passes; it
// returns cond's last error.
func waitFor(d time.Duration, cond func() error) error {
	deadline := time.Now().Add(d)
	for {
		err := cond()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// processGone reports nil once pid no longer exists.
func processGone(pid int) error {
	if err := syscall.Kill(pid, 0); err == syscall.ESRCH {
		return nil
	}
	return fmt.Errorf("testenv: process %d still exists", pid)
}
