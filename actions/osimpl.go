package actions

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// OSFiles is the FileWriter over the real file system.
type OSFiles struct{}

// ReadFile reads path.
func (OSFiles) ReadFile(path string) ([]byte, error) { return os.ReadFile(path) }

// WriteFile writes data to a temporary file next to path, fsyncs it, renames
// it over path and fsyncs the directory, so readers see old or new content.
func (OSFiles) WriteFile(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	return syncDir(dir)
}

// Remove deletes path and fsyncs its directory.
func (OSFiles) Remove(path string) error {
	if err := os.Remove(path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// Rename moves oldpath to newpath; it refuses when newpath exists, so a
// disabled service file is never silently overwritten.
func (OSFiles) Rename(oldpath, newpath string) error {
	if _, err := os.Lstat(newpath); err == nil {
		return fmt.Errorf("rename %s: %s already exists: %w", oldpath, newpath, fs.ErrExist)
	}
	if err := os.Rename(oldpath, newpath); err != nil {
		return err
	}
	return syncDir(filepath.Dir(newpath))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// OSProcs is the ProcRunner over real processes.
type OSProcs struct {
	// Shell runs commands; default /bin/sh.
	Shell string
	// Timeout bounds a command when ctx has no deadline; default 5 minutes.
	Timeout time.Duration
	// MaxOutput caps the output kept; default 64 KiB (the tail is kept).
	MaxOutput int
}

// Run runs command with Shell -c in its own process group, killed as a group
// when ctx ends, and returns its combined output and exit code.
func (p OSProcs) Run(ctx context.Context, command string) ([]byte, int, error) {
	shell := p.Shell
	if shell == "" {
		shell = "/bin/sh"
	}
	if _, ok := ctx.Deadline(); !ok {
		timeout := p.Timeout
		if timeout <= 0 {
			timeout = 5 * time.Minute
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, shell, "-c", command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	b := out.Bytes()
	max := p.MaxOutput
	if max <= 0 {
		max = 64 << 10
	}
	if len(b) > max {
		b = append([]byte("...(output truncated)...\n"), b[len(b)-max:]...)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return b, 0, nil
	case ctx.Err() != nil:
		return b, -1, fmt.Errorf("%s stopped: %w", shell, ctx.Err())
	case errors.As(err, &exit):
		return b, exit.ExitCode(), nil
	default:
		return b, -1, err
	}
}

// Signal sends sig to pid.
func (OSProcs) Signal(pid int, sig syscall.Signal) error {
	if pid <= 1 {
		return fmt.Errorf("refusing to signal pid %d", pid)
	}
	return syscall.Kill(pid, sig)
}

// PIDFile is a PIDSource reading a pid file such as /run/nerve.pid.
func PIDFile(path string) PIDSource { return pidFile(path) }

type pidFile string

func (p pidFile) String() string { return "pid file " + string(p) }

func (p pidFile) PID(context.Context) (int, error) {
	b, err := os.ReadFile(string(p))
	if err != nil {
		return 0, fmt.Errorf("read nerve pid: %w (check the nerve pid file setting)", err)
	}
	return parsePID(string(b), p.String())
}

// PIDCommand is a PIDSource running a shell command (e.g. "pgrep -o -f nerve")
// whose output's first word is the pid.
func PIDCommand(command string) PIDSource { return pidCommand(command) }

type pidCommand string

func (p pidCommand) String() string { return "pid from command " + strconv.Quote(string(p)) }

func (p pidCommand) PID(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/bin/sh", "-c", string(p)).Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %w (check the nerve pid command)", p.String(), err)
	}
	return parsePID(string(out), p.String())
}

func parsePID(s, from string) (int, error) {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0, fmt.Errorf("%s gave no pid", from)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("%s gave %q, not a process id", from, truncate(f[0], 40))
	}
	return pid, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
