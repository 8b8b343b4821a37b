package app

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/internal/sshconn"
	"github.com/stacktui/stacktui/internal/testenv"
)

func sshTo(t *testing.T) *sshconn.Conn {
	t.Helper()
	s := testenv.SSHDWith(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sshconn.Dial(ctx, sshconn.Options{Target: s.Alias, Files: sshconn.Files{UserConfig: s.ClientConfig, SystemConfig: "none"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestActionsRunOnTheSSHHost applies a durable action (hacheck
// maintenance) through the executor with the SSH host's files, and runs
// commands and signals there: the SSH host is this machine in the test, so
// the effects are checked on the local file system and processes.
func TestActionsRunOnTheSSHHost(t *testing.T) {
	c := sshTo(t)
	spool := t.TempDir()
	audit, err := actions.OpenAudit(filepath.Join(t.TempDir(), "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	ex := actions.NewExecutor(actions.Writers{Files: remoteFiles{c}, Procs: remoteProcs{c: c}}, audit)

	a, err := actions.NewMaintenance(actions.Where{}, spool, "svc_a", 31001, "disk swap", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if res := ex.Run(context.Background(), a); res.Err != nil {
		t.Fatalf("maintenance through SSH: %v", res.Err)
	}
	b, err := os.ReadFile(filepath.Join(spool, "svc_a:31001"))
	if err != nil {
		t.Fatalf("spool file not written on the host: %v", err)
	}
	var doc struct {
		Reason     string
		Expiration int64
	}
	if err := json.Unmarshal(b, &doc); err != nil || !strings.HasPrefix(doc.Reason, "disk swap") || doc.Expiration == 0 {
		t.Fatalf("spool file %s: %+v %v", b, doc, err)
	}
	undo, err := actions.NewMaintenanceUndo(actions.Where{}, spool, "svc_a", 31001)
	if err != nil {
		t.Fatal(err)
	}
	if res := ex.Run(context.Background(), undo); res.Err != nil {
		t.Fatalf("end of maintenance through SSH: %v", res.Err)
	}
	if _, err := os.Stat(filepath.Join(spool, "svc_a:31001")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("spool file still there after the undo: %v", err)
	}

	// Rename refuses to replace.
	f := remoteFiles{c}
	for _, n := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(spool, n), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Rename(filepath.Join(spool, "a.json"), filepath.Join(spool, "b.json")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename over an existing file: %v, want fs.ErrExist", err)
	}
	if err := f.Rename(filepath.Join(spool, "a.json"), filepath.Join(spool, "a.json.disabled")); err != nil {
		t.Fatal(err)
	}

	// Commands: output and exit code as a local sh -c gives them.
	p := remoteProcs{c: c}
	out, code, err := p.Run(context.Background(), "echo reloading; echo 'it failed' >&2; exit 7")
	if err != nil || code != 7 || !strings.Contains(string(out), "reloading") || !strings.Contains(string(out), "it failed") {
		t.Fatalf("Run: %q %d %v", out, code, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, _, err := p.Run(ctx, "sleep 30"); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("a command past its deadline: %v", err)
	}

	// Signals, to a pid read from a pid file on the host.
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	pidFile := filepath.Join(spool, "nerve.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(sleeper.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := RemotePIDFile(c, pidFile)
	pid, err := src.PID(context.Background())
	if err != nil || pid != sleeper.Process.Pid {
		t.Fatalf("pid from %s: %d %v", src, pid, err)
	}
	if !strings.Contains(src.String(), "on "+c.Host()) {
		t.Errorf("the pid source does not name the host: %s", src)
	}
	if pid, err := RemotePIDCommand(c, "cat "+pidFile).PID(context.Background()); err != nil || pid != sleeper.Process.Pid {
		t.Fatalf("pid from a command: %d %v", pid, err)
	}
	if err := p.Signal(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := sleeper.Wait(); err == nil || !strings.Contains(err.Error(), "terminated") {
		t.Errorf("the process was not terminated by the signal: %v", err)
	}
	if err := p.Signal(1, syscall.SIGHUP); err == nil {
		t.Error("signalling pid 1 was not refused")
	}
}
