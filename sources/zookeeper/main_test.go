package zookeeper

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
)

// One ZooKeeper for the tests that do not restart or partition it.
var (
	sharedOnce sync.Once
	sharedZ    *testenv.ZK
	sharedErr  error
)

func sharedZK(t testing.TB) *testenv.ZK {
	t.Helper()
	testenv.Need(t, "zookeeper")
	sharedOnce.Do(func() { sharedZ, sharedErr = testenv.StartZooKeeper() })
	if sharedErr != nil {
		t.Fatalf("%v", sharedErr)
	}
	return sharedZ
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedZ != nil {
		sharedZ.Stop()
	}
	testenv.StopAll()
	os.Exit(code)
}

// testLogger writes the source's logs to the test log (only shown on
// failure); lines after the test ended (the client's goroutines wind down
// after Close) are dropped, as t.Log would panic.
func testLogger(t testing.TB) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() { // registered first, so it runs last
		w.mu.Lock() // waits for a line being written right now
		w.done.Store(true)
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done atomic.Bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done.Load() {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// openSource opens a Source for t (closed at the end) and records its updates.
func openSource(t testing.TB, o Options) (*Source, *recorder) {
	t.Helper()
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	if o.SessionTimeout == 0 {
		o.SessionTimeout = 4 * time.Second
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	r := record(s)
	t.Cleanup(func() {
		s.Close()
		<-r.done
	})
	return s, r
}

// recorder collects every update a Source publishes.
type recorder struct {
	mu     sync.Mutex
	last   sources.Snapshot
	events []sources.Event
	states []sources.ConnState
	n      int
	wake   chan struct{}
	done   chan struct{}
}

func record(s *Source) *recorder {
	r := &recorder{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for u := range s.Updates() {
			r.mu.Lock()
			r.last = u.Snapshot
			r.events = append(r.events, u.Events...)
			if len(r.states) == 0 || r.states[len(r.states)-1] != u.Snapshot.State {
				r.states = append(r.states, u.Snapshot.State)
			}
			r.n++
			r.mu.Unlock()
			select {
			case r.wake <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

// mark is a position in the event log: wait only looks at later events.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// wait blocks until cond holds for the latest snapshot and the events since
// from, or fails t after d.
func (r *recorder) wait(t testing.TB, d time.Duration, from int, what string, cond func(sources.Snapshot, []sources.Event) bool) (sources.Snapshot, []sources.Event) {
	t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		snap, evs := r.last, append([]sources.Event(nil), r.events[from:]...)
		r.mu.Unlock()
		if cond(snap, evs) {
			return snap, evs
		}
		select {
		case <-r.wake:
		case <-deadline:
			t.Fatalf("after %v still waiting for %s; state %s (%s), %d services, events since mark:\n%s",
				d, what, snap.State, snap.Err, len(snap.Services), dumpEvents(evs))
		}
	}
}

func (r *recorder) statesSeen() []sources.ConnState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sources.ConnState(nil), r.states...)
}

func dumpEvents(evs []sources.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s\n", e.Kind, e.Message)
	}
	return b.String()
}

// synced is the condition "connected and fully read".
func synced(s sources.Snapshot, _ []sources.Event) bool {
	return s.State == sources.StateConnected && s.Synced
}

// hasEvent finds an event of kind for the znode path.
func hasEvent(evs []sources.Event, kind sources.EventKind, znode string) *sources.Event {
	for i := range evs {
		e := &evs[i]
		if e.Kind == kind && e.Registration != nil && e.Registration.Path == znode {
			return e
		}
	}
	return nil
}

// findReg looks a registration up by znode path in a snapshot.
func findReg(s sources.Snapshot, znode string) *sources.Registration {
	for _, sv := range s.Services {
		for i := range sv.Registrations {
			if sv.Registrations[i].Path == znode {
				return &sv.Registrations[i]
			}
		}
	}
	return nil
}

func findSvc(s sources.Snapshot, name string) *sources.Service {
	for i := range s.Services {
		if s.Services[i].Name == name {
			return &s.Services[i]
		}
	}
	return nil
}

// proxy is a loopback TCP relay in front of ZooKeeper whose link can be
// cut, to partition a client from a live server (the server then expires
// the client's session on its own, as in a real network partition).
type proxy struct {
	Addr   string
	target string
	ln     net.Listener

	mu     sync.Mutex
	cut    bool
	frozen bool // bytes are held, connections stay open: a hung server
	thaw   *sync.Cond
	conns  map[net.Conn]bool
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	p.thaw = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		for p.frozen && !p.cut {
			p.thaw.Wait()
		}
		p.mu.Unlock()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// setFrozen holds every byte in flight (true) or lets them flow again.
func (p *proxy) setFrozen(f bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = f
	p.thaw.Broadcast()
}

// setCut drops every relayed connection and refuses new ones (true), or
// lets them through again (false).
func (p *proxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	p.thaw.Broadcast()
	if cut {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}

// uniqRoot is a fresh top-level path for t, so tests sharing a server (and
// -count=N reruns) never see each other's nodes.
func uniqRoot(t testing.TB) string {
	return fmt.Sprintf("/%s-%d", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
}
