package actions

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
)

// bigSnaps is two sockets with 500 backends x 50 servers each; server
// "host_0" is in every backend.
func bigSnaps() []*haproxy.Snapshot {
	var out []*haproxy.Snapshot
	for _, label := range []string{"main", "peer"} {
		st := &haproxy.Stats{}
		for b := range 500 {
			for s := range 50 {
				st.Rows = append(st.Rows, haproxy.Row{Proxy: fmt.Sprintf("svc_%d", b), Type: haproxy.TypeServer, UWeight: 10}.WithString(haproxy.ColName, fmt.Sprintf("host_%d", s)))
			}
		}
		out = append(out, &haproxy.Snapshot{Label: label, Stats: st})
	}
	return out
}

func BenchmarkNewServerActionAllSockets50k(b *testing.B) {
	snaps := bigSnaps()
	sel := []Target{{Socket: "main", Backend: "svc_7", Server: "host_0"}}
	b.ResetTimer()
	for b.Loop() {
		a, err := NewServerAction(OpDrain, "", sel, ScopeAllSockets, snaps)
		if err != nil || len(a.Plan().Commands) != 1000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuditIntentAndResult(b *testing.B) {
	a, err := OpenAudit(filepath.Join(b.TempDir(), "audit.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	p := Plan{Kind: KindHAProxy, Title: "Drain 1 server", Targets: []string{"socket main: svc_a/host"}, Commands: []string{"socket main: set server svc_a/host state drain"}}
	b.ResetTimer()
	for b.Loop() {
		id, err := a.intent(p, Where{}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if err := a.result(id, Where{}, Result{Plan: p, Started: time.Now(), Finished: time.Now(), Steps: []Step{{Command: p.Commands[0]}}}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuditRecent50Of10k(b *testing.B) {
	a, err := OpenAudit(filepath.Join(b.TempDir(), "audit.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	p := Plan{Kind: KindReload, Title: "Reload", Commands: []string{"/bin/sh -c 'true'"}}
	a.f = &unsynced{a.f}
	for range 5000 {
		id, _ := a.intent(p, Where{}, time.Now())
		a.result(id, Where{}, Result{Plan: p})
	}
	b.ResetTimer()
	for b.Loop() {
		recs, err := a.Recent(50)
		if err != nil || len(recs) != 50 {
			b.Fatal(err, len(recs))
		}
	}
}

// unsynced skips fsync to build a big log quickly.
type unsynced struct{ syncWriter }

func (unsynced) Sync() error { return nil }
