package actions

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/sources"
)

// rootedFS is a host's file system seen from here: absolute paths on that
// host are files under root on this machine (real files, as SFTP would
// serve them), so a plan that read this machine's paths would not find
// them.
type rootedFS struct{ root string }

func (r rootedFS) path(name string) string { return filepath.Join(r.root, name) }

func (r rootedFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(r.path(name)) }
func (r rootedFS) ReadFile(name string) ([]byte, error)       { return os.ReadFile(r.path(name)) }
func (r rootedFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(r.path(name)) }

// rootedFiles writes there too, as the executor's remote writer would.
type rootedFiles struct {
	rootedFS
	OSFiles
}

func (r rootedFiles) ReadFile(p string) ([]byte, error) { return r.OSFiles.ReadFile(r.path(p)) }
func (r rootedFiles) WriteFile(p string, data []byte, perm fs.FileMode) error {
	return r.OSFiles.WriteFile(r.path(p), data, perm)
}
func (r rootedFiles) Remove(p string) error    { return r.OSFiles.Remove(r.path(p)) }
func (r rootedFiles) Rename(a, b string) error { return r.OSFiles.Rename(r.path(a), r.path(b)) }

// TestPlansOnTheSSHHost: with a remote Where, plans name that host (never
// "this host"), what they read beforehand is read on that host's file
// system, and the audit log records where the action was done and how.
func TestPlansOnTheSSHHost(t *testing.T) {
	root := t.TempDir()
	const spool = "/var/spool/hacheck-on-web-3" // absent on this machine
	if err := os.MkdirAll(filepath.Join(root, spool), 0o755); err != nil {
		t.Fatal(err)
	}
	w := Where{Host: sources.Host{Name: "web-3", Addrs: []string{"10.0.0.3"}}, Via: "SSH deploy@web-3 (10.0.0.3:22)", FS: rootedFS{root}}
	d := Durable{Where: w, SpoolDir: spool, NerveNote: "no Nerve config on web-3"}
	in := Instance{Service: "svc_a", Name: "web-3", Host: "10.0.0.3", Port: 8080}

	down, err := d.Down(in, "disk swap", 0)
	if err != nil {
		t.Fatalf("M on the SSH host's own instance: %v", err)
	}
	reload := ok(t)(NewReload(w, "true"))
	restart := ok(t)(NewRestart(w, "true"))
	event := ok(t)(NewSerfEvent(w, "deploy", nil, true))
	for _, a := range []Action{down, reload, restart, event} {
		p := a.Plan()
		all := p.Title + "\n" + strings.Join(p.Targets, "\n") + "\n" + p.Warning
		if strings.Contains(all, "this host") || !strings.Contains(all, "web-3") {
			t.Errorf("plan %q does not name the SSH host:\n%s", p.Title, all)
		}
		if !strings.Contains(strings.Join(p.Targets, "\n"), "through SSH deploy@web-3") {
			t.Errorf("plan %q does not say the host is reached through SSH: %v", p.Title, p.Targets)
		}
	}
	if _, err := d.Down(Instance{Service: "svc_a", Host: "127.0.0.1", Port: 8080}, "x", 0); err == nil ||
		!strings.Contains(err.Error(), "not an address of web-3") {
		t.Errorf("an instance of this machine, not of the SSH host: %v", err)
	}

	audit, err := OpenAudit(filepath.Join(t.TempDir(), "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer audit.Close()
	e := NewExecutor(Writers{Files: rootedFiles{rootedFS: rootedFS{root}}, Where: w}, audit)
	if res := e.Run(context.Background(), down); res.Err != nil {
		t.Fatal(res.Err)
	}
	if _, err := os.Stat(filepath.Join(root, spool, "svc_a:8080")); err != nil {
		t.Fatalf("spool file not written on the host's file system: %v", err)
	}
	// U finds the file there, not here.
	up, err := d.Up(in)
	if err != nil {
		t.Fatalf("U on the SSH host: %v", err)
	}
	if p := up.Plan(); !strings.Contains(p.Title, "back on web-3") {
		t.Errorf("undo plan: %+v", p)
	}
	recs, err := audit.Recent(10)
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit: %d records, %v", len(recs), err)
	}
	for _, r := range recs {
		if r.TargetHost != "web-3" || r.Via != w.Via || r.Host == "web-3" {
			t.Errorf("audit %s record: target_host %q via %q host %q", r.Phase, r.TargetHost, r.Via, r.Host)
		}
	}

	// This machine: the plans say so, and the audit has no target host.
	local := ok(t)(NewReload(Where{}, "true"))
	if p := local.Plan(); !strings.Contains(p.Title, "on this host") || !strings.Contains(p.Targets[0], hostname()) {
		t.Errorf("local plan: %+v", p)
	}
}
