package app

import (
	"context"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/internal/sshconn"
)

// With --ssh the console works on the SSH host as if run there, actions
// included: the files an action changes (hacheck spool files, Nerve's
// service_conf_dir) are that host's, over SFTP, and its commands and
// signals (reload commands, Nerve's SIGHUP) run there, all through the one
// SSH connection.

// The remote writers satisfy the actions' interfaces.
var (
	_ actions.FileWriter = remoteFiles{}
	_ actions.ProcRunner = remoteProcs{}
	_ actions.PIDSource  = remotePIDFile{}
)

// remoteFiles is actions.FileWriter on the SSH host.
type remoteFiles struct{ c *sshconn.Conn }

func (r remoteFiles) ReadFile(path string) ([]byte, error) { return r.c.ReadFile(path) }

func (r remoteFiles) WriteFile(path string, data []byte, perm fs.FileMode) error {
	return r.c.WriteFile(path, data, perm)
}

func (r remoteFiles) Remove(path string) error { return r.c.Remove(path) }

func (r remoteFiles) Rename(oldpath, newpath string) error { return r.c.Rename(oldpath, newpath) }

// remoteProcs is actions.ProcRunner on the SSH host.
type remoteProcs struct {
	c *sshconn.Conn
	// Timeout bounds a command when ctx has no deadline; default 5 minutes,
	// as for local commands.
	Timeout time.Duration
}

// Run runs command with /bin/sh -c on the host.
func (r remoteProcs) Run(ctx context.Context, command string) ([]byte, int, error) {
	if _, ok := ctx.Deadline(); !ok {
		timeout := r.Timeout
		if timeout <= 0 {
			timeout = 5 * time.Minute
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return r.c.Exec(ctx, sshconn.Quote("/bin/sh", "-c", command))
}

// Signal sends sig to pid on the host with kill(1).
func (r remoteProcs) Signal(pid int, sig syscall.Signal) error {
	if pid <= 1 {
		return fmt.Errorf("refusing to signal pid %d", pid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, code, err := r.c.Exec(ctx, sshconn.Quote("kill", "-"+strconv.Itoa(int(sig)), strconv.Itoa(pid)))
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("kill -%d %d on %s: %s", int(sig), pid, r.c.Host(), strings.TrimSpace(string(out)))
	}
	return nil
}

// remotePIDFile is a pid file on the SSH host, read over SFTP when the
// action runs.
type remotePIDFile struct {
	c    *sshconn.Conn
	path string
}

func (p remotePIDFile) String() string { return "pid file " + p.path + " on " + p.c.Host() }

func (p remotePIDFile) PID(context.Context) (int, error) {
	b, err := p.c.ReadFile(p.path)
	if err != nil {
		return 0, fmt.Errorf("read nerve pid on %s: %w (check the nerve pid file setting)", p.c.Host(), err)
	}
	return firstPID(b, p.String())
}

// firstPID reads the pid that out begins with.
func firstPID(out []byte, from string) (int, error) {
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s gave no pid", from)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 1 {
		return 0, fmt.Errorf("%s gave %.40q, not a process id", from, f[0])
	}
	return pid, nil
}

// RemotePIDFile is a PIDSource reading a pid file on the SSH host.
func RemotePIDFile(c *sshconn.Conn, path string) actions.PIDSource {
	return remotePIDFile{c: c, path: path}
}

// remotePIDCommand runs a command on the SSH host whose output's first word
// is the pid (e.g. "pgrep -o -f nerve").
type remotePIDCommand struct {
	c       *sshconn.Conn
	command string
}

func (p remotePIDCommand) String() string {
	return "pid from command " + strconv.Quote(p.command) + " on " + p.c.Host()
}

func (p remotePIDCommand) PID(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Its standard output only, as a local pid command's: warnings on
	// stderr must not be taken for the pid.
	out, _, err := p.c.Run(ctx, sshconn.Quote("/bin/sh", "-c", p.command), nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %w (check the nerve pid command)", p, err)
	}
	return firstPID(out, p.String())
}

// RemotePIDCommand is a PIDSource running a command on the SSH host.
func RemotePIDCommand(c *sshconn.Conn, command string) actions.PIDSource {
	return remotePIDCommand{c: c, command: command}
}
