package actions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// roCase is one action for the read-only table: how to plan it, whether the
// real thing shows its effect, and how to put the real thing back.
type roCase struct {
	name    string
	plan    func(t *testing.T) Action
	changed func(t *testing.T) bool
	restore func(t *testing.T)
}

func readOnlyCases(t *testing.T) []roCase {
	main, _ := haproxies(t)
	serfA, serfB := serfPair(t)
	z := zooKeeper(t)
	spool := t.TempDir()
	conf := t.TempDir()
	_, pidFile, hups := startSighupChild(t)
	marker := filepath.Join(t.TempDir(), "reloaded")
	znode := "/nerve/services/svc_ro/services/stale_0000000001"
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	localTag := func(k string) string {
		ms, err := serfB.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == serfA.Name {
				return m.Tags[k]
			}
		}
		return ""
	}
	zkClient := z.Client(t)
	if err := os.WriteFile(filepath.Join(conf, "svc_n.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	events := make(chan map[string]any, 16)
	obs := serfWriter(t, serfB)
	h, err := obs.Stream("user", events)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { obs.Stop(h) })
	sawEvent := func() bool {
		deadline := time.After(2 * time.Second)
		for {
			select {
			case ev := <-events:
				if ev["Name"] == "ro-table" {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}

	return []roCase{
		{
			name: "haproxy drain",
			plan: func(t *testing.T) Action {
				return ok(t)(NewServerAction(OpDrain, "", []Target{{Socket: "main", Backend: "svc_a", Server: hostA}}, ScopeAllSockets, snapshots(t)))
			},
			changed: func(t *testing.T) bool { return row(t, main, "svc_a", hostA).Status() == "DRAIN" },
			restore: resetServers,
		},
		{
			name: "haproxy weight",
			plan: func(t *testing.T) Action {
				return ok(t)(NewServerAction(OpWeight, "3", []Target{{Socket: "main", Backend: "svc_b", Server: hostA}}, ScopeBackend, snapshots(t)))
			},
			changed: func(t *testing.T) bool { return row(t, main, "svc_b", hostA).UWeight == 3 },
			restore: resetServers,
		},
		{
			name: "hacheck maintenance",
			plan: func(t *testing.T) Action {
				return ok(t)(NewMaintenance(Where{}, spool, "svc_a", 0, "ro test", time.Minute))
			},
			changed: func(t *testing.T) bool { return exists(filepath.Join(spool, "svc_a")) },
			restore: func(t *testing.T) {},
		},
		{
			name:    "hacheck maintenance undo",
			plan:    func(t *testing.T) Action { return ok(t)(NewMaintenanceUndo(Where{}, spool, "svc_a", 0)) },
			changed: func(t *testing.T) bool { return !exists(filepath.Join(spool, "svc_a")) },
			restore: func(t *testing.T) {},
		},
		{
			name: "nerve toggle",
			plan: func(t *testing.T) Action {
				return ok(t)(NewNerveToggle(Where{}, conf, "svc_n", true, PIDFile(pidFile)))
			},
			changed: func(t *testing.T) bool { return exists(hups) && exists(filepath.Join(conf, "svc_n.json.disabled")) },
			restore: func(t *testing.T) {},
		},
		{
			name:    "reload",
			plan:    func(t *testing.T) Action { return ok(t)(NewReload(Where{}, "touch "+marker)) },
			changed: func(t *testing.T) bool { return exists(marker) },
			restore: func(t *testing.T) {},
		},
		{
			name:    "serf tags",
			plan:    func(t *testing.T) Action { return ok(t)(NewSerfTags(map[string]string{"ro_table": "1"}, nil)) },
			changed: func(t *testing.T) bool { time.Sleep(500 * time.Millisecond); return localTag("ro_table") == "1" },
			restore: func(t *testing.T) { serfA.CLI("tags", "-delete", "ro_table") },
		},
		{
			name:    "serf event",
			plan:    func(t *testing.T) Action { return ok(t)(NewSerfEvent(Where{}, "ro-table", nil, false)) },
			changed: func(t *testing.T) bool { return sawEvent() },
			restore: func(t *testing.T) {},
		},
		{
			name: "zk delete",
			plan: func(t *testing.T) Action {
				if err := z.Put(znode, []byte("{}")); err != nil {
					t.Fatal(err)
				}
				return ok(t)(NewZKDelete(znode, "stale"))
			},
			changed: func(t *testing.T) bool {
				ok, _, err := zkClient.Exists(znode)
				return err == nil && !ok
			},
			restore: func(t *testing.T) {},
		},
	}
}

// executorFor builds an executor the way the command line does: read-only
// mode builds none of the writers it is handed. Both arms get the same
// counted writers, so a read-only arm that reached one would be counted.
func executorFor(readOnly bool, w Writers, audit *AuditLog) *Executor {
	if readOnly {
		return NewReadOnlyExecutor()
	}
	return NewExecutor(w, audit)
}

// readOnlyProblems is what is wrong with r as a read-only run that made
// calls writer calls and left changed as the real thing's state.
func readOnlyProblems(r Result, calls int64, changed bool) []string {
	var p []string
	if !errors.Is(r.Err, ErrReadOnly) || len(r.Steps) != 0 {
		p = append(p, fmt.Sprintf("Run = %v %+v; want ErrReadOnly and no steps", r.Err, r.Steps))
	}
	if calls != 0 {
		p = append(p, fmt.Sprintf("%d writer calls", calls))
	}
	if changed {
		p = append(p, "the real thing changed")
	}
	return p
}

// TestReadOnlyRefusesEveryAction: every action x {read-only, read-write},
// both built from the same counted real writers. Read-only must refuse with
// ErrReadOnly, reach no writer and change nothing real; read-write must
// reach the writers and change the real thing. The read-only checks are run
// once on the read-write executor too, to prove they catch arms mixed up.
func TestReadOnlyRefusesEveryAction(t *testing.T) {
	resetServers(t)
	t.Cleanup(func() { resetServers(t) })
	cases := readOnlyCases(t)
	var c calls
	w := counted(realWriters(t), &c)
	rw := executorFor(false, w, newAudit(t))
	ro := executorFor(true, w, newAudit(t))
	if !ro.ReadOnly() || rw.ReadOnly() {
		t.Fatal("ReadOnly() is wrong")
	}
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name+"/read-only", func(t *testing.T) {
			before := c.count()
			r := ro.Run(ctx, tc.plan(t))
			if p := readOnlyProblems(r, c.count()-before, tc.changed(t)); len(p) > 0 {
				t.Fatalf("read-only: %s", strings.Join(p, "; "))
			}
		})
		t.Run(tc.name+"/read-write", func(t *testing.T) {
			before := c.count()
			r := rw.Run(ctx, tc.plan(t))
			if r.Err != nil {
				t.Fatalf("read-write Run: %v %+v", r.Err, r.Steps)
			}
			calls := c.count() - before
			if calls == 0 {
				t.Fatal("read-write Run made no writer call")
			}
			if !tc.changed(t) {
				waitUntil(t, 5*time.Second, func() bool { return tc.changed(t) }, "read-write Run did not change the real thing")
			}
			if i == 0 {
				// The read-only checks, applied to this read-write run, fail.
				if p := readOnlyProblems(r, calls, tc.changed(t)); len(p) < 3 {
					t.Errorf("the read-only checks missed a read-write run: %v", p)
				}
			}
			tc.restore(t)
		})
	}
}

func TestReadOnlyExecutorHoldsNoWriters(t *testing.T) {
	e := NewReadOnlyExecutor()
	if e.w != nil || e.audit != nil {
		t.Fatal("the read-only executor holds a writer or an audit log")
	}
	var nilExec *Executor
	r := nilExec.Run(context.Background(), ok(t)(NewReload(Where{}, "true")))
	if !errors.Is(r.Err, ErrReadOnly) {
		t.Errorf("a nil executor must refuse like a read-only one: %v", r.Err)
	}
	if !strings.Contains(ErrReadOnly.Error(), "--read-only") {
		t.Errorf("ErrReadOnly should name the flag: %q", ErrReadOnly)
	}
}
