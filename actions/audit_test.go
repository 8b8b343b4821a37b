package actions

import (
	"context"
	"errors"
	"github.com/stacktui/stacktui/internal/testenv"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAuditLinesCompleteAndInOrder(t *testing.T) {
	t.Setenv("SUDO_USER", "alice")
	t.Setenv("USER", "root")
	t.Setenv("SSH_CLIENT", "10.0.0.1 51234 22")
	path := filepath.Join(t.TempDir(), "nested", "dir", "audit.log")
	audit, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	spool := t.TempDir()
	e := NewExecutor(Writers{Procs: OSProcs{}, Files: OSFiles{}}, audit)

	acts := []Action{
		ok(t)(NewReload(Where{}, "echo ok")),
		ok(t)(NewReload(Where{}, "echo broken >&2; exit 4")),
		ok(t)(NewMaintenance(Where{}, spool, "svc_a", 3000, "audit test", 0)),
	}
	var results []Result
	for _, a := range acts {
		results = append(results, run(t, e, a))
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("audit file mode: %v %v", st.Mode(), err)
	}
	recs, err := ReadAudit(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2*len(acts) {
		t.Fatalf("%d audit records, want %d", len(recs), 2*len(acts))
	}
	host, _ := os.Hostname()
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	osUser := me.Username
	for i, a := range acts {
		intent, result := recs[2*i], recs[2*i+1]
		p := a.Plan()
		if intent.Phase != PhaseIntent || result.Phase != PhaseResult || intent.ID == "" || intent.ID != result.ID {
			t.Fatalf("action %d: phases %q/%q ids %q/%q", i, intent.Phase, result.Phase, intent.ID, result.ID)
		}
		for _, r := range []AuditRecord{intent, result} {
			if r.User != "alice" || r.SudoUser != "alice" || r.OSUser != osUser || r.SSHClient != "10.0.0.1" || r.Host != host || r.Action != p.Kind ||
				r.Title != p.Title || !slices.Equal(r.Targets, p.Targets) || !slices.Equal(r.Commands, p.Commands) || r.Time.IsZero() {
				t.Errorf("action %d %s record incomplete: %+v", i, r.Phase, r)
			}
		}
		res := results[i]
		if len(result.Steps) != len(res.Steps) || result.OK != (res.Err == nil) || result.Started == nil || result.Finished == nil {
			t.Errorf("action %d result record %+v does not match %+v", i, result, res)
		}
		if res.Err != nil && result.Error != res.Err.Error() {
			t.Errorf("action %d: audit error %q, result error %q", i, result.Error, res.Err)
		}
		if i > 0 && recs[2*i].Time.Before(recs[2*i-1].Time) {
			t.Errorf("records out of order at %d", 2*i)
		}
		if intent.Time.After(result.Time) {
			t.Errorf("action %d: result before intent", i)
		}
	}
	if recs[3].Steps[0].ExitCode != 4 || recs[3].Steps[0].Output != "broken\n" || recs[3].OK {
		t.Errorf("failed reload's result record: %+v", recs[3])
	}
	if !strings.HasPrefix(recs[5].Steps[0].Command, "write "+filepath.Join(spool, "svc_a:3000")+`: {"reason": "audit test"`) {
		t.Errorf("maintenance step not the exact content: %q", recs[5].Steps[0].Command)
	}
	last, err := audit.Recent(2)
	if err != nil || len(last) != 2 || last[0].ID != recs[4].ID || last[1].Phase != PhaseResult {
		t.Errorf("Recent(2) = %+v, %v", last, err)
	}
}

// TestAuditUnwritableRefuses: when the intent line cannot be written, the
// action is refused before any writer is called, and may be run later.
func TestAuditUnwritableRefuses(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		if testenv.InCI() {
			t.Fatal("CI=true and no /dev/full: this test must run on Linux")
		}
		t.Skip("no /dev/full")
	}
	full, err := OpenAudit("/dev/full") // every write fails with ENOSPC
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	marker := filepath.Join(t.TempDir(), "ran")
	var c calls
	w := counted(Writers{Procs: OSProcs{}}, &c)
	a := ok(t)(NewReload(Where{}, "touch "+marker))
	r := NewExecutor(w, full).Run(context.Background(), a)
	if !errors.Is(r.Err, ErrAudit) || len(r.Steps) != 0 || !strings.Contains(r.Err.Error(), "no space") {
		t.Fatalf("Run with a full disk = %v %+v; want ErrAudit", r.Err, r.Steps)
	}
	if c.count() != 0 {
		t.Fatalf("%d writer calls although the audit failed", c.count())
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the command ran although the audit failed")
	}

	// A closed log refuses too.
	closed := newAudit(t)
	closed.Close()
	if r := NewExecutor(w, closed).Run(context.Background(), a); !errors.Is(r.Err, ErrAudit) || c.count() != 0 {
		t.Fatalf("closed audit log: %v, %d calls", r.Err, c.count())
	}
	// No audit log at all refuses.
	if r := NewExecutor(w, nil).Run(context.Background(), a); !errors.Is(r.Err, ErrAudit) || c.count() != 0 {
		t.Fatalf("nil audit log: %v, %d calls", r.Err, c.count())
	}

	// Refused actions were not consumed: with a working log the same plan runs.
	if r := NewExecutor(w, newAudit(t)).Run(context.Background(), a); r.Err != nil || c.count() == 0 {
		t.Fatalf("after fixing the log: %v", r.Err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the command did not run with a working log")
	}
}

// failingAfter is a log file whose writes fail after the first n.
type failingAfter struct {
	n     int
	lines []string
}

func (f *failingAfter) Write(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("disk went away")
	}
	f.n--
	f.lines = append(f.lines, string(p))
	return len(p), nil
}
func (f *failingAfter) Sync() error  { return nil }
func (f *failingAfter) Close() error { return nil }

func TestAuditResultFailureIsReported(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "ran")
	f := &failingAfter{n: 1}
	audit := &AuditLog{path: "test.log", f: f, who: whoAmI()}
	r := NewExecutor(Writers{Procs: OSProcs{}}, audit).Run(context.Background(), ok(t)(NewReload(Where{}, "touch "+marker)))
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("the action should have run: its intent was audited")
	}
	if r.Err == nil || !strings.Contains(r.Err.Error(), "applied but its result could not be written") || len(r.Steps) != 1 {
		t.Fatalf("Run = %v; want the audit failure reported with the result", r.Err)
	}
	if len(f.lines) != 1 || !strings.Contains(f.lines[0], `"phase":"intent"`) {
		t.Fatalf("lines %q", f.lines)
	}
}

func TestRunOnceAndMissingWriters(t *testing.T) {
	var c calls
	e := NewExecutor(counted(Writers{Procs: OSProcs{}}, &c), newAudit(t))
	a := ok(t)(NewReload(Where{}, "true"))
	if r := e.Run(context.Background(), a); r.Err != nil {
		t.Fatal(r.Err)
	}
	n := c.count()
	if r := e.Run(context.Background(), a); !errors.Is(r.Err, ErrAlreadyRun) || c.count() != n {
		t.Fatalf("second Run = %v (%d new calls); want ErrAlreadyRun", r.Err, c.count()-n)
	}
	// Writers the action needs but main did not build: refused by name.
	for _, tc := range []struct {
		a    Action
		want string
	}{
		{ok(t)(NewServerAction(OpDrain, "", []Target{{Socket: "main", Backend: "svc_a", Server: srvA}}, ScopeBackend, testSnaps())), "no admin connection to HAProxy socket main"},
		{ok(t)(NewSerfTags(map[string]string{"a": "b"}, nil)), "no Serf RPC connection"},
		{ok(t)(NewZKDelete("/a/b", "b")), "no ZooKeeper connection"},
		{ok(t)(NewMaintenance(Where{}, t.TempDir(), "svc", 0, "r", 0)), "no file writer"},
	} {
		if r := e.Run(context.Background(), tc.a); r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.a.Plan().Title, r.Err, tc.want)
		}
	}
	// A cancelled context refuses before anything.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := e.Run(ctx, ok(t)(NewReload(Where{}, "true"))); r.Err == nil || c.count() != n {
		t.Fatalf("cancelled: %v", r.Err)
	}
}

func TestResultSummary(t *testing.T) {
	p := Plan{Title: "Drain 1 server", Undo: "press r to make ready again"}
	ok := Result{Plan: p, Steps: []Step{{Command: "x"}}}
	if got := ok.Summary(); got != "Drain 1 server: done (1 step); press r to make ready again" {
		t.Errorf("ok summary %q", got)
	}
	bad := Result{Plan: p, Steps: []Step{{Command: "x", Err: "No such server."}, {Command: "y"}}, Err: errors.New("1 of 2 HAProxy commands failed")}
	if got := bad.Summary(); got != "Drain 1 server: 1 of 2 steps failed; first: x: No such server." {
		t.Errorf("failed summary %q", got)
	}
	late := Result{Plan: p, Steps: []Step{{Command: "x"}}, Err: errors.New("the action was applied but its result could not be written")}
	if got := late.Summary(); got != "Drain 1 server: done, but the action was applied but its result could not be written" {
		t.Errorf("audit-failure summary %q", got)
	}
	refused := Result{Plan: p, Err: ErrReadOnly}
	if got := refused.Summary(); !strings.HasPrefix(got, "Drain 1 server: not done: read-only mode") {
		t.Errorf("refused summary %q", got)
	}
}

func TestAuditRecentReadsTheTail(t *testing.T) {
	a := newAudit(t)
	a.f = &unsynced{a.f} // 1200 fsyncs would only test the disk
	p := Plan{Kind: KindReload, Title: "Reload", Commands: []string{"/bin/sh -c 'true'"}}
	for i := range 600 {
		p.Targets = []string{strings.Repeat("x", i%300)} // lines of varied length
		id, err := a.intent(p, Where{}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := a.result(id, Where{}, Result{Plan: p}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := ReadAudit(a.Path(), 0)
	if err != nil || len(all) != 1200 {
		t.Fatalf("ReadAudit all: %d, %v", len(all), err)
	}
	for _, n := range []int{1, 50, 700, 1200, 5000} {
		got, err := a.Recent(n)
		if err != nil {
			t.Fatal(err)
		}
		want := all[max(len(all)-n, 0):]
		if len(got) != len(want) || got[0].ID != want[0].ID || got[0].Phase != want[0].Phase || got[len(got)-1].ID != want[len(want)-1].ID {
			t.Errorf("Recent(%d): %d records, first %s/%s; want %d, first %s/%s", n, len(got), got[0].ID, got[0].Phase, len(want), want[0].ID, want[0].Phase)
		}
	}
}

// TestAuditNamesWhoActed: the OS user, sudo's user and the SSH client's
// address, from SSH_CLIENT, SSH_CONNECTION, or (under sudo, which drops
// both) the environment of the shell that ran sudo.
func TestAuditNamesWhoActed(t *testing.T) {
	t.Setenv("SUDO_USER", "")
	t.Setenv("SSH_CLIENT", "")
	t.Setenv("SSH_CONNECTION", "192.0.2.7 40000 192.0.2.1 22")
	id := whoAmI()
	me, _ := user.Current()
	if id.user != me.Username || id.osUser != me.Username || id.sudoUser != "" || id.sshClient != "192.0.2.7" {
		t.Errorf("without sudo: %+v", id)
	}
	t.Setenv("SSH_CONNECTION", "")
	if id := whoAmI(); id.sshClient != "" {
		t.Errorf("no SSH: client %q", id.sshClient)
	}

	// A real process whose environment holds SSH_CONNECTION stands in for
	// the login shell above sudo.
	cmd := exec.Command("sleep", "30")
	cmd.Env = []string{"SSH_CONNECTION=198.51.100.9 51000 198.51.100.1 22", "PATH=/usr/bin:/bin"}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Until the child has exec'd, /proc shows the parent's environment.
	waitUntil(t, 5*time.Second, func() bool { return sshFromAncestors(cmd.Process.Pid, 1) == "198.51.100.9" },
		"sshFromAncestors(child) never found the child's SSH_CONNECTION")
	if got := parentPID(cmd.Process.Pid); got != os.Getpid() {
		t.Errorf("parentPID(child) = %d, want %d", got, os.Getpid())
	}
}
