package hapoll

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// TestWatchedBackendsAreReadEveryPoll: between full reads, a light poll
// re-reads the servers of the watched backends (Snapshot.Watched) and no
// others, so their counters move at every refresh; a poll that re-reads
// changed backends merges the watched ones into the rows instead.
func TestWatchedBackendsAreReadEveryPoll(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, _ := hapWith(t, 3, 3)
	watch := []string{"svc_0", "no_such_backend"}
	s := &socket{opts: client.Options{Label: "lb", Address: h.Socket}, cnt: &counters{},
		strategy: Strategy{FullEvery: 1000, MaxPartial: 8}, watch: func() []string { return watch }}
	defer s.close()
	ctx := context.Background()
	first := s.poll(ctx)
	if first.Err != nil || first.Watched != nil {
		t.Fatalf("full read: %+v", first)
	}
	tried := func(rows []haproxy.Row, backend string) (n int64, servers int) {
		for _, r := range rows {
			if r.IsServer() && r.Proxy == backend {
				n += r.STot() + r.EConn()
				servers++
			}
		}
		return n, servers
	}
	// Its servers do not listen: the request is a 503 after a failed
	// connection, counted on one of svc_0's servers.
	resp, err := http.Get("http://" + h.Frontends["svc_0"] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	light := s.poll(ctx)
	if light.Err != nil || light.Stats != first.Stats || s.cnt.light.Load() != 1 {
		t.Fatalf("light poll: %+v (same stats %v)", light, light.Stats == first.Stats)
	}
	got, n := tried(light.Watched, "svc_0")
	old, _ := tried(first.Stats.Rows, "svc_0")
	if n != 3 || len(light.Watched) != 3 || got <= old {
		t.Fatalf("watched svc_0: %d of %d rows, tries %d (full read: %d)", n, len(light.Watched), got, old)
	}
	// A drain elsewhere: svc_1 is re-read, and svc_0 with it into the rows.
	if out := h.Command("set server svc_1/h1_127.0.0.1:20101 state drain"); strings.TrimSpace(out) != "" {
		t.Fatal(out)
	}
	part := s.poll(ctx)
	if part.Err != nil || part.Watched != nil || s.cnt.partial.Load() != 1 {
		t.Fatalf("partial poll: %+v", part)
	}
	if merged, _ := tried(part.Stats.Rows, "svc_0"); merged != got {
		t.Errorf("svc_0 after the partial poll: %d tries, want %d", merged, got)
	}
	watch = nil
	if idle := s.poll(ctx); idle.Err != nil || idle.Watched != nil {
		t.Errorf("nothing watched: %+v", idle.Watched)
	}
}
