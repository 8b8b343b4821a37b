package hapoll

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// TestOneDeadSocketNeverStallsOthers polls a live HAProxy next to a missing
// socket and a peer that never answers: the live one keeps updating.
func TestOneDeadSocketNeverStallsOthers(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, _ := hapWith(t, 2, 2)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accept and stay silent
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	p := New([]client.Options{
		{Label: "live", Address: h.Socket},
		{Label: "missing", Address: filepath.Join(t.TempDir(), "gone.sock")},
		{Label: "silent", Address: l.Addr().String(), Timeout: 3 * time.Second},
	}, 100*time.Millisecond)
	p.Start(context.Background())
	defer p.Close()
	start := time.Now()
	s := waitSnap(t, p.Updates(), "live", 2*time.Second, func(s haproxy.Snapshot) bool { return s.Stats != nil })
	if s.Err != nil || s.Info == nil || s.Level != haproxy.LevelAdmin || findRow(s, "svc_1", "h1_127.0.0.1:20101") == nil {
		t.Fatalf("live snapshot: %+v", s)
	}
	// Several live polls happen while the silent socket is still in its first one.
	n := 0
	waitSnap(t, p.Updates(), "live", 2*time.Second, func(haproxy.Snapshot) bool { n++; return n >= 5 })
	if time.Since(start) >= 3*time.Second {
		t.Errorf("live updates took %v: stalled behind the silent socket", time.Since(start))
	}
	m := waitSnap(t, p.Updates(), "missing", 2*time.Second, func(s haproxy.Snapshot) bool { return s.Err != nil })
	if !client.IsKind(m.Err, client.KindMissingSocket) || m.Stats != nil {
		t.Errorf("missing socket snapshot: %+v", m)
	}
	sl := waitSnap(t, p.Updates(), "silent", 6*time.Second, func(s haproxy.Snapshot) bool { return s.Err != nil })
	if !client.IsKind(sl.Err, client.KindNotStatsSocket) {
		t.Errorf("silent socket error: %v", sl.Err)
	}
	cur := p.Current()
	if len(cur) != 3 || cur[0].Label != "live" || cur[0].Stats == nil || cur[1].Err == nil {
		t.Errorf("Current: %+v", cur)
	}
}

// TestPartialPolls drives polls by hand with Refresh and checks that a
// drain is seen without a full `show stat`, that an idle poll keeps the
// same rows, and that a reload forces a full read.
func TestPartialPolls(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, cfg := hapWith(t, 3, 3)
	p := New([]client.Options{{Label: "lb", Address: h.Socket}}, time.Hour)
	p.Strategy = Strategy{FullEvery: 1000, SmallRows: 0, MaxPartial: 8}
	p.Start(context.Background())
	defer p.Close()
	first := waitSnap(t, p.Updates(), "lb", 5*time.Second, func(s haproxy.Snapshot) bool { return s.Stats != nil })
	if c := p.Counters(0); c.Full != 1 {
		t.Fatalf("counters after the first poll: %+v", c)
	}
	// No server changed: a light poll keeps the very same server rows, and
	// hands on the new frontend and backend rows, whose traffic moved.
	if resp, err := http.Get("http://" + h.Frontends["svc_0"] + "/"); err == nil {
		resp.Body.Close() // a 503: its servers do not exist, which is fine
	}
	p.Refresh()
	idle := waitSnap(t, p.Updates(), "lb", 5*time.Second, func(s haproxy.Snapshot) bool { return s.At.After(first.At) })
	if c := p.Counters(0); c.Light != 1 || c.Full != 1 || idle.Stats != first.Stats {
		t.Fatalf("idle poll: counters %+v, same stats %v", p.Counters(0), idle.Stats == first.Stats)
	}
	var fe *haproxy.Row
	for i := range idle.Aggregates {
		if r := &idle.Aggregates[i]; r.IsServer() {
			t.Fatalf("a light poll's Aggregates hold a server: %s", r.Key())
		} else if r.Proxy == "svc_0" && r.Type == haproxy.TypeFrontend {
			fe = r
		}
	}
	if old := findRow(first, "svc_0", "FRONTEND"); fe == nil || old == nil || fe.STot() != old.STot()+1 {
		t.Fatalf("light poll frontend row %+v, full read's %+v: want one more session", fe, old)
	}
	// Drain one server: its backend row changes, so only that backend is re-read.
	if out := h.Command("set server svc_1/h2_127.0.0.1:20102 state drain"); strings.TrimSpace(out) != "" {
		t.Fatal(out)
	}
	p.Refresh()
	s := waitSnap(t, p.Updates(), "lb", 5*time.Second, func(s haproxy.Snapshot) bool { return s.At.After(idle.At) })
	if r := findRow(s, "svc_1", "h2_127.0.0.1:20102"); r == nil || r.Status() != "DRAIN" {
		t.Fatalf("drained row: %+v", r)
	}
	if c := p.Counters(0); c.Partial != 1 || c.Full != 1 {
		t.Errorf("drain poll counters: %+v", c)
	}
	if len(s.Stats.Rows) != len(first.Stats.Rows) || first.Stats.Rows[0].Key() != s.Stats.Rows[0].Key() {
		t.Errorf("merged rows differ in shape: %d vs %d", len(s.Stats.Rows), len(first.Stats.Rows))
	}
	if r := findRow(first, "svc_1", "h2_127.0.0.1:20102"); r.Status() == "DRAIN" {
		t.Error("a published snapshot was modified")
	}
	// A weight change is a backend weight change too.
	h.Command("set server svc_2/h0_127.0.0.1:20200 weight 7")
	p.Refresh()
	s = waitSnap(t, p.Updates(), "lb", 5*time.Second, func(x haproxy.Snapshot) bool { return x.At.After(s.At) })
	if r := findRow(s, "svc_2", "h0_127.0.0.1:20200"); r == nil || r.UWeight != 7 {
		t.Fatalf("weight row: %+v", r)
	}
	// A reload (new pid) means a full read.
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	// The old process answers until it is gone (hard-stop-after): keep kicking.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			p.Refresh()
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	s = waitSnap(t, p.Updates(), "lb", 10*time.Second, func(x haproxy.Snapshot) bool {
		return x.Info != nil && x.Info.PID == h.Pid() && x.Err == nil
	})
	if c := p.Counters(0); c.Full != 2 {
		t.Errorf("after reload counters %+v", c)
	}
	if r := findRow(s, "svc_1", "h2_127.0.0.1:20102"); r == nil || r.Status() != "no check" {
		t.Errorf("after reload the drain is gone: %+v", r)
	}
}

// TestSlowReaderNeverBlocksPolls leaves Updates unread: polling goes on
// and Current moves; reading later yields recent snapshots, not a backlog.
func TestSlowReaderNeverBlocksPolls(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, _ := hapWith(t, 1, 2)
	p := New([]client.Options{{Address: h.Socket}}, 20*time.Millisecond)
	p.Start(context.Background())
	time.Sleep(500 * time.Millisecond)
	c := p.Counters(0)
	if polls := c.Full + c.Light + c.Partial; polls < 5 {
		t.Fatalf("only %d polls in 500ms with nobody reading", polls)
	}
	cur := p.Current()[0]
	if cur.Label != h.Socket || cur.Stats == nil {
		t.Fatalf("Current: %+v", cur)
	}
	n := 0
	for drained := false; !drained; {
		select {
		case <-p.Updates():
			n++
		default:
			drained = true
		}
	}
	if n > 3 {
		t.Errorf("%d snapshots queued: not coalesced", n)
	}
	p.Close()
	if _, open := <-p.Updates(); open {
		// one more may have been in flight; the channel must close after it
		if _, open := <-p.Updates(); open {
			t.Error("Updates not closed by Close")
		}
	}
	p.Close() // twice is fine
}

// TestErrorKeepsLastGood: when HAProxy dies the snapshot carries the error
// and the last good data with its time; a read-only socket reports level user.
func TestErrorKeepsLastGood(t *testing.T) {
	testenv.Need(t, "haproxy")
	h, _ := hapWith(t, 1, 2)
	p := New([]client.Options{{Label: "ro", Address: h.Socket, ReadOnly: true}}, 50*time.Millisecond)
	p.Start(context.Background())
	defer p.Close()
	good := waitSnap(t, p.Updates(), "ro", 5*time.Second, func(s haproxy.Snapshot) bool { return s.Stats != nil })
	if good.Level != haproxy.LevelUser || good.Err != nil || !good.LastGood.Equal(good.At) {
		t.Fatalf("read-only snapshot: level %q err %v", good.Level, good.Err)
	}
	h.Kill()
	bad := waitSnap(t, p.Updates(), "ro", 5*time.Second, func(s haproxy.Snapshot) bool { return s.Err != nil })
	if bad.Stats == nil || bad.Info == nil || !bad.LastGood.Before(bad.At) || bad.LastGood.Before(good.At) {
		t.Fatalf("error snapshot lost the last good data: %+v", bad)
	}
	if !client.IsKind(bad.Err, client.KindRefused) && !client.IsKind(bad.Err, client.KindClosed) {
		t.Errorf("error after kill: %v", bad.Err)
	}
}

// TestReloadWithoutHardStop: after a reload the old process keeps answering
// a session it already has (no hard-stop-after, as on many real hosts); the
// poller must notice it is stopping and move to the new process.
func TestReloadWithoutHardStop(t *testing.T) {
	cfg := testenv.HAProxyConfig{HardStopAfter: -1, Services: []testenv.HAService{{Name: "svc_a",
		Servers: []testenv.HAServer{{Name: "h0", Addr: "127.0.0.1:20900"}}}}}
	h := testenv.HAProxy(t, cfg)
	p := New([]client.Options{{Label: "lb", Address: h.Socket}}, 100*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Start(ctx)
	defer p.Close()
	old := h.Pid()
	waitSnap(t, p.Updates(), "lb", 5*time.Second, func(x haproxy.Snapshot) bool { return x.Info != nil && x.Info.PID == old })
	cfg.Services[0].Servers = append(cfg.Services[0].Servers, testenv.HAServer{Name: "h1", Addr: "127.0.0.1:20901"})
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	s := waitSnap(t, p.Updates(), "lb", 5*time.Second, func(x haproxy.Snapshot) bool {
		return x.Info != nil && x.Info.PID == h.Pid() && x.Err == nil
	})
	if findRow(s, "svc_a", "h1_127.0.0.1:20901") == nil {
		t.Fatalf("the new process's server is not in the snapshot: %+v", s.Stats)
	}
}
