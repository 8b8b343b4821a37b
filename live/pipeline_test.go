package live

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// fakeRegistry is a registry source fed by the test.
type fakeRegistry struct {
	ch  chan sources.Update
	cur sources.Snapshot
}

func (r *fakeRegistry) Updates() <-chan sources.Update { return r.ch }
func (r *fakeRegistry) Current() sources.Snapshot      { return r.cur }
func (r *fakeRegistry) Close() error                   { return nil }

// fakePoller is an HAProxy poller fed by the test.
type fakePoller struct {
	ch        chan haproxy.Snapshot
	cur       []*haproxy.Snapshot
	mu        sync.Mutex
	refreshed int
	watched   []string
	joined    chan struct{} // Joined, when not nil
}

func (p *fakePoller) Updates() <-chan haproxy.Snapshot { return p.ch }
func (p *fakePoller) Current() []*haproxy.Snapshot     { return p.cur }
func (p *fakePoller) Refresh() {
	p.mu.Lock()
	p.refreshed++
	p.mu.Unlock()
}
func (p *fakePoller) Joined() {
	if p.joined != nil {
		p.joined <- struct{}{}
	}
}
func (p *fakePoller) Watch(b []string) {
	p.mu.Lock()
	p.watched = b
	p.mu.Unlock()
}

// bigSnap is a full read of n servers in backends of 100 (at least
// PacedRows rows, so joins are paced).
func bigSnap(sec float64, n int) *haproxy.Snapshot {
	s := hapSnap(sec, 100)
	var rows []haproxy.Row
	for b := 0; b < n/100; b++ {
		svc := fmt.Sprintf("svc_%03d", b)
		rows = append(rows, haproxy.Row{Proxy: svc, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"))
		for i := range 100 {
			rows = append(rows, server(svc, fmt.Sprintf("h%d", i), 8000+i, "UP"))
		}
		rows = append(rows, haproxy.Row{Proxy: svc, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP"))
	}
	s.Stats = &haproxy.Stats{Rows: rows}
	return s
}

// next waits for the subscription's next frame.
func next(t *testing.T, s *Subscription) Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	f, ok := s.Next(ctx)
	if !ok {
		t.Fatal("no frame within 10s")
	}
	return f
}

// TestPipelinePacesLargeJoinsNotRegistryChanges: at 6,000 servers a second
// poll right after a join waits (its frame brings the rows, not a join)
// and is joined once the pace allows; a registry change is joined at once
// whatever the pace.
func TestPipelinePacesLargeJoinsNotRegistryChanges(t *testing.T) {
	reg := &fakeRegistry{ch: make(chan sources.Update, 1), cur: *zkSnap(0, registration("svc_000", "h1", 8001))}
	hap := &fakePoller{ch: make(chan haproxy.Snapshot, 1), cur: []*haproxy.Snapshot{{Label: "main", Address: "/run/haproxy.sock"}}}
	p := New(Options{Registry: reg, HAProxy: hap, Pace: DefaultPace})
	sub := p.Subscribe()
	if f := next(t, sub); f.Seq != 1 || f.View == nil {
		t.Fatalf("first frame %d, view %v", f.Seq, f.View != nil)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); <-p.Done() }()
	go p.Run(ctx)

	reg.ch <- sources.Update{Snapshot: reg.cur} // the source's first reading, waiting in its channel
	if f := next(t, sub); len(f.Events) != 1 || f.Events[0].To != "connected" {
		t.Fatalf("first registry reading: %+v", f.Events)
	}
	hap.ch <- *bigSnap(1, 6000)
	if f := next(t, sub); f.Changed&ChangeView == 0 {
		t.Fatalf("first large read not joined at once: changed %b", f.Changed)
	}
	// Pretend that join took 2 s: the next one waits 20 s.
	p.joinStart, p.joinCost = time.Now(), 2*time.Second
	hap.ch <- *bigSnap(2, 6000)
	f := next(t, sub)
	if f.Changed&ChangeView != 0 || f.Changed&ChangeRows == 0 {
		t.Fatalf("paced poll: changed %b, want rows without a join", f.Changed)
	}
	// A registry change does not wait; it joins the newest rows with it.
	u := sources.Update{Snapshot: *zkSnap(3, registration("svc_000", "h1", 8001), registration("svc_000", "h2", 8002))}
	reg.ch <- u
	f = next(t, sub)
	if f.Changed&ChangeView == 0 || f.View.Registry.At != at(3) || f.View.HAProxy[0].At != at(2) {
		t.Fatalf("registry change: changed %b", f.Changed)
	}
	if len(f.Events) != 1 || f.Events[0].Kind != "registered" {
		t.Fatalf("events %+v", f.Events)
	}
	// That join cost little: the next large poll still waits for the pace
	// of the last large join.
	if p.joinCost != 2*time.Second {
		t.Fatalf("an urgent join set the pace to its own cost, %v", p.joinCost)
	}
	hap.ch <- *bigSnap(3, 6000)
	if f := next(t, sub); f.Changed&ChangeView != 0 || f.Changed&ChangeRows == 0 {
		t.Fatalf("poll after a registry change: changed %b, want rows without a join", f.Changed)
	}
	// Refresh (after an action) makes the next poll's join skip the pace.
	p.joinStart, p.joinCost = time.Now(), 2*time.Second
	p.Refresh()
	hap.ch <- *bigSnap(4, 6000)
	if f := next(t, sub); f.Changed&ChangeView == 0 {
		t.Fatalf("poll after Refresh: changed %b, want a join", f.Changed)
	}
	hap.mu.Lock()
	refreshed := hap.refreshed
	hap.mu.Unlock()
	if refreshed != 1 {
		t.Fatalf("poller refreshed %d times", refreshed)
	}
	// A paced join happens once the wait is over.
	p.joinStart, p.joinCost = time.Now(), 20*time.Millisecond
	hap.ch <- *bigSnap(5, 6000)
	f = next(t, sub)
	for f.Changed&ChangeView == 0 {
		f = next(t, sub)
	}
	if f.View.HAProxy[0].At != at(5) {
		t.Fatalf("paced join joined the poll of %v", f.View.HAProxy[0].At)
	}
}

// TestPipelineSaysWhenAPreviewIsJoined: the poller holds its first full
// read until the preview's join (hapoll's Strategy.PreviewHold), so the
// pipeline says Joined once per preview, before the preview's frame is
// out, and never for other snapshots.
func TestPipelineSaysWhenAPreviewIsJoined(t *testing.T) {
	hap := &fakePoller{ch: make(chan haproxy.Snapshot), cur: []*haproxy.Snapshot{{Label: "main"}}, joined: make(chan struct{}, 4)}
	p := New(Options{HAProxy: hap})
	sub := p.Subscribe()
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); <-p.Done() }()
	go p.Run(ctx)
	joinedOf := func(s *haproxy.Snapshot) int {
		hap.ch <- *s
		for f := next(t, sub); f.Changed&ChangeView == 0 || f.View.HAProxy[0].At != s.At; f = next(t, sub) {
		}
		return len(hap.joined)
	}
	if n := joinedOf(hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"))); n != 0 {
		t.Fatalf("Joined %d times for a full read", n)
	}
	preview := hapSnap(2, 100, server("svc_a", "web1", 8001, "UP"))
	preview.Preview = true
	if n := joinedOf(preview); n != 1 {
		t.Fatalf("Joined %d times for a preview", n)
	}
	<-hap.joined
	if n := joinedOf(hapSnap(3, 100, server("svc_a", "web1", 8001, "DOWN"))); n != 0 {
		t.Fatalf("Joined %d times for the full read after a preview", n)
	}
}

// TestPipelineSaysJoinedOnceTheRegistryIsRead: with a registry, the
// poller's first full read waits for the registry's first reading too (or
// its error), so that the two do not share the CPU: a preview joined
// before it is not Joined yet, the join that brings it is.
func TestPipelineSaysJoinedOnceTheRegistryIsRead(t *testing.T) {
	connecting := sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnecting}
	refused := connecting
	refused.Err, refused.At = "dial tcp zk:2181: connection refused", at(3)
	for name, first := range map[string]sources.Snapshot{"synced": *zkSnap(3, registration("svc_a", "web1", 8001)), "failed": refused} {
		t.Run(name, func(t *testing.T) {
			reg := &fakeRegistry{ch: make(chan sources.Update), cur: connecting}
			hap := &fakePoller{ch: make(chan haproxy.Snapshot), cur: []*haproxy.Snapshot{{Label: "main"}}, joined: make(chan struct{}, 4)}
			p := New(Options{Registry: reg, HAProxy: hap})
			sub := p.Subscribe()
			ctx, cancel := context.WithCancel(t.Context())
			defer func() { cancel(); <-p.Done() }()
			go p.Run(ctx)
			joined := func(f Frame) bool { return f.Changed&ChangeView != 0 }
			preview := hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"))
			preview.Preview = true
			hap.ch <- *preview
			for f := next(t, sub); !joined(f) || f.View.HAProxy[0].At != at(1); f = next(t, sub) {
			}
			if n := len(hap.joined); n != 0 {
				t.Fatalf("Joined %d times before the registry was read", n)
			}
			reg.ch <- sources.Update{Snapshot: first}
			for f := next(t, sub); !joined(f) || f.View.Registry.At != at(3); f = next(t, sub) {
			}
			if n := len(hap.joined); n != 1 {
				t.Fatalf("Joined %d times once the registry was read", n)
			}
		})
	}
}

// TestPipelineUntilReadyKeepsNoHistoryOfTheReadyFrame: the one-shot
// commands stop at the first ready frame, so its view is not recorded in
// the history (a console's is).
func TestPipelineUntilReadyKeepsNoHistoryOfTheReadyFrame(t *testing.T) {
	for _, untilReady := range []bool{false, true} {
		hap := &fakePoller{ch: make(chan haproxy.Snapshot), cur: []*haproxy.Snapshot{{Label: "main"}}}
		p := New(Options{HAProxy: hap, UntilReady: untilReady})
		sub := p.Subscribe()
		ctx, cancel := context.WithCancel(t.Context())
		go p.Run(ctx)
		hap.ch <- *hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"))
		f := next(t, sub)
		for !f.Ready {
			f = next(t, sub)
		}
		cancel()
		<-p.Done()
		if got, want := f.History.Len(), map[bool]int{false: 1, true: 0}[untilReady]; got != want {
			t.Errorf("UntilReady %v: %d instances in the history, want %d", untilReady, got, want)
		}
	}
}

// TestPipelineStopsCleanly: when ctx ends every subscription is closed
// after its last frame, and a late subscriber gets the last frame.
func TestPipelineStopsCleanly(t *testing.T) {
	hap := &fakePoller{ch: make(chan haproxy.Snapshot), cur: []*haproxy.Snapshot{{Label: "main"}}}
	p := New(Options{HAProxy: hap})
	sub := p.Subscribe()
	ctx, cancel := context.WithCancel(t.Context())
	go p.Run(ctx)
	hap.ch <- *hapSnap(1, 100, server("svc_a", "web1", 8001, "UP"))
	for f := next(t, sub); f.Seq < 2; f = next(t, sub) {
	}
	cancel()
	<-p.Done()
	if _, ok := sub.Next(t.Context()); ok {
		t.Fatal("a frame after the pipeline stopped")
	}
	late := p.Subscribe()
	if f, ok := late.TryNext(); !ok || f.Seq < 2 || f.Events != nil {
		t.Fatalf("late subscriber: ok %v frame %d events %v", ok, f.Seq, f.Events)
	}
	if _, ok := late.Next(t.Context()); ok {
		t.Fatal("late subscriber not closed")
	}
}
