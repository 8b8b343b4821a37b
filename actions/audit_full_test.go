package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// tinyFS mounts a 16 KiB tmpfs (four pages) for the test. Mounting needs
// root: elsewhere the test skips, but under CI (root) it must run.
func tinyFS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("CI=true: mounting a tiny tmpfs failed (CI runs as root): %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs here (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the filesystem has no page left, and returns a
// function that frees it.
func fill(t *testing.T, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	page := bytes.Repeat([]byte{'x'}, 4096)
	for {
		if _, err := f.Write(page); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			break
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// bigPlan is a plan whose audit record is larger than a page, so that on a
// full filesystem its write gets part of the way (the rest of the page the
// log already has) and then fails.
func bigPlan(n int) Plan {
	p := Plan{Kind: "drain", Title: fmt.Sprintf("drain %d servers", n), Scope: "backend"}
	for i := range n {
		p.Targets = append(p.Targets, fmt.Sprintf("svc_search/web-%04d_10.0.%d.%d:8080", i, i/250, i%250))
		p.Commands = append(p.Commands, fmt.Sprintf("set server svc_search/web-%04d_10.0.%d.%d:8080 state drain", i, i/250, i%250))
	}
	return p
}

// TestAuditFullDiskLeavesNoTornRecord: on a full filesystem, an append that
// fails part-way leaves the log exactly as it was, and once there is room
// again the next record is a line of its own that every JSON-lines reader
// parses.
func TestAuditFullDiskLeavesNoTornRecord(t *testing.T) {
	dir := tinyFS(t)
	path := filepath.Join(dir, "audit.log")
	a, err := OpenAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.intent(Plan{Kind: "reload", Title: "reload haproxy", Commands: []string{"true"}}, Where{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	free := fill(t, dir)

	big := bigPlan(60)
	if line, _ := json.Marshal(a.record(big, Where{}, PhaseIntent, "x", time.Now())); len(line) < 4096 {
		t.Fatalf("the big record is %d bytes: it must not fit in the log's page", len(line))
	}
	_, err = a.intent(big, Where{}, time.Now())
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append on a full filesystem: %v, want ENOSPC", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, before) {
		t.Fatalf("the failed append changed the log: %d bytes before, %d after; tail %q", len(before), len(after), tail(after))
	}

	free()
	if _, err := a.intent(big, Where{}, time.Now()); err != nil {
		t.Fatalf("append with room again: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %q", len(lines), tail(data))
	}
	for i, l := range lines {
		var rec AuditRecord
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec.Phase != PhaseIntent {
			t.Fatalf("line %d does not parse as a record: %v: %q", i+1, err, l[:min(len(l), 120)])
		}
	}
	recs, err := ReadAudit(path, 0)
	if err != nil || len(recs) != 2 || len(recs[1].Targets) != 60 {
		t.Fatalf("ReadAudit: %d records, %v", len(recs), err)
	}
}

func tail(b []byte) string { return string(b[max(len(b)-80, 0):]) }
