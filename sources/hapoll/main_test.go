package hapoll

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/internal/testenv"
)

// waitSnap reads Updates until a snapshot of label satisfies ok.
func waitSnap(t *testing.T, ch <-chan haproxy.Snapshot, label string, d time.Duration, ok func(haproxy.Snapshot) bool) haproxy.Snapshot {
	t.Helper()
	timeout := time.After(d)
	var last haproxy.Snapshot
	for {
		select {
		case s, open := <-ch:
			if !open {
				t.Fatal("Updates closed")
			}
			if s.Label == label {
				last = s
				if ok(s) {
					return s
				}
			}
		case <-timeout:
			t.Fatalf("no matching snapshot of %s within %v; last: %+v", label, d, last)
		}
	}
}

func findRow(s haproxy.Snapshot, proxy, name string) *haproxy.Row {
	if s.Stats == nil {
		return nil
	}
	for i := range s.Stats.Rows {
		if r := &s.Stats.Rows[i]; r.Proxy == proxy && r.Name() == name {
			return r
		}
	}
	return nil
}

func hapWith(t *testing.T, backends, servers int) (*testenv.HAP, testenv.HAProxyConfig) {
	t.Helper()
	var cfg testenv.HAProxyConfig
	for b := range backends {
		svc := testenv.HAService{Name: fmt.Sprintf("svc_%d", b)}
		for s := range servers {
			svc.Servers = append(svc.Servers, testenv.HAServer{Name: fmt.Sprintf("h%d", s), Addr: fmt.Sprintf("127.0.0.1:%d", 20000+b*100+s)})
		}
		cfg.Services = append(cfg.Services, svc)
	}
	return testenv.HAProxy(t, cfg), cfg
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
