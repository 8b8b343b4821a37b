package hapoll

import (
	"context"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// TestPreviewBeforeEachSessionsFirstFullRead polls a real HAProxy: a new
// session publishes a preview (states, no counters) and then the full read;
// later polls publish none; a reload (a new process) starts over; and below
// PreviewServers no preview is read at all.
func TestPreviewBeforeEachSessionsFirstFullRead(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, cfg := hapWith(t, 3, 4)
	var previews []*haproxy.Snapshot
	s := &socket{opts: client.Options{Label: "lb", Address: h.Socket}, cnt: &counters{},
		strategy:       Strategy{FullEvery: 1000, MaxPartial: 8, PreviewServers: 12},
		publishPreview: func(snap *haproxy.Snapshot) { previews = append(previews, snap) }}
	defer s.close()
	ctx := context.Background()

	full := s.poll(ctx)
	if len(previews) != 1 {
		t.Fatalf("%d previews before the first full read", len(previews))
	}
	pv := previews[0]
	if !pv.Preview || pv.Err != nil || pv.Info == nil || pv.Level != haproxy.LevelAdmin || pv.Stats == nil {
		t.Fatalf("preview snapshot: %+v", pv)
	}
	servers := 0
	for _, r := range pv.Stats.Rows {
		if r.IsServer() != r.Preview {
			t.Errorf("%s: Preview %v on a row of type %v", r.Key(), r.Preview, r.Type)
		}
		if r.IsServer() {
			servers++
		}
	}
	if servers != 12 || len(pv.Stats.Rows) != len(full.Stats.Rows) {
		t.Errorf("preview: %d servers, %d rows; full read %d rows", servers, len(pv.Stats.Rows), len(full.Stats.Rows))
	}
	if full.Preview || full.Err != nil || findRow(*full, "svc_1", "h2_127.0.0.1:20102").Preview {
		t.Fatalf("full snapshot after the preview: %+v", full)
	}
	if c := s.cnt; c.preview.Load() != 1 || c.full.Load() != 1 {
		t.Errorf("counters: preview %d full %d", c.preview.Load(), c.full.Load())
	}

	s.poll(ctx) // same session: a light poll, no preview
	if len(previews) != 1 {
		t.Fatalf("a preview on a later poll of the same session")
	}
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if snap := s.poll(ctx); snap.Err != nil || snap.Preview {
		t.Fatalf("poll after reload: %+v", snap)
	}
	if len(previews) != 2 || previews[1].Info.PID == pv.Info.PID {
		t.Fatalf("after a reload: %d previews (want a second one, from the new process)", len(previews))
	}

	s.strategy.PreviewServers = 13 // one more than HAProxy has
	s.close()
	s.conn = nil
	s.poll(ctx)
	if len(previews) != 2 {
		t.Errorf("a preview of 12 servers with PreviewServers 13")
	}
}

// TestPollerHoldsTheFullReadUntilThePreviewIsJoined polls a real HAProxy:
// after a preview the first full read waits for Joined, or for
// PreviewHold when nobody says Joined.
func TestPollerHoldsTheFullReadUntilThePreviewIsJoined(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, _ := hapWith(t, 3, 4)
	for _, joins := range []bool{true, false} {
		p := New([]client.Options{{Label: "lb", Address: h.Socket}}, time.Hour)
		p.Strategy = Strategy{FullEvery: 1000, MaxPartial: 8, PreviewServers: 12, PreviewHold: time.Hour}
		if !joins {
			p.Strategy.PreviewHold = 50 * time.Millisecond
		}
		p.Start(t.Context())
		if s := <-p.Updates(); !s.Preview {
			t.Fatalf("first snapshot is not a preview: %+v", s)
		}
		if joins {
			// A full read of 12 servers takes HAProxy well under a
			// millisecond: unheld, it would be counted long before this.
			time.Sleep(300 * time.Millisecond)
			if n := p.Counters(0).Full; n != 0 {
				t.Fatalf("%d full reads before the preview was joined", n)
			}
			p.Joined()
		}
		if s := <-p.Updates(); s.Preview || s.Err != nil || p.Counters(0).Full != 1 {
			t.Fatalf("joins %v: after the preview %+v, %d full reads", joins, s, p.Counters(0).Full)
		}
		p.Close()
	}
}
