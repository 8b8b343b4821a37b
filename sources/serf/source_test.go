package serf

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
)

const wait = 30 * time.Second

// TestMain silences the serf client library's standard-log complaints when
// an agent goes away on purpose.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		log.SetOutput(io.Discard)
	}
	os.Exit(m.Run())
}

// watcher consumes a source's updates and remembers every event.
type watcher struct {
	t      *testing.T
	src    *Source
	events []sources.Event
	last   sources.Snapshot
}

func open(t *testing.T, o Options) *watcher {
	t.Helper()
	if o.Reconnect == 0 {
		o.Reconnect = 100 * time.Millisecond
	}
	if testing.Verbose() {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	src, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return &watcher{t: t, src: src}
}

// until reads updates until cond holds for the latest snapshot and the
// events seen since the call, or fails the test after the timeout. Every
// call follows an action that produces new updates, so it always waits for
// one (the events of interest arrive with it).
func (w *watcher) until(what string, cond func(s sources.Snapshot, evs []sources.Event) bool) []sources.Event {
	w.t.Helper()
	start := len(w.events)
	deadline := time.After(wait)
	for {
		select {
		case u, ok := <-w.src.Updates():
			if !ok {
				w.t.Fatalf("%s: updates closed", what)
			}
			w.last = u.Snapshot
			w.events = append(w.events, u.Events...)
			if cond(u.Snapshot, w.events[start:]) {
				return w.events[start:]
			}
		case <-deadline:
			w.t.Fatalf("%s: not seen within %s; state %s (%s); events since:\n%s", what, wait, w.last.State, w.last.Err, eventLines(w.events[start:]))
		}
	}
}

func eventLines(evs []sources.Event) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  %s %s: %s\n", e.Kind, e.Service, e.Message)
	}
	return b.String()
}

func member(s sources.Snapshot, name string) (sources.Member, bool) {
	for _, m := range s.Members {
		if m.Name == name {
			return m, true
		}
	}
	return sources.Member{}, false
}

func reg(s sources.Snapshot, svc, memberName string) (sources.Registration, bool) {
	for _, sv := range s.Services {
		if sv.Name != svc {
			continue
		}
		for _, r := range sv.Registrations {
			if r.Member == memberName {
				return r, true
			}
		}
	}
	return sources.Registration{}, false
}

func hasEvent(evs []sources.Event, kind sources.EventKind, svc, contains string) bool {
	for _, e := range evs {
		if e.Kind == kind && (svc == "" || e.Service == svc) && strings.Contains(e.Message, contains) {
			return true
		}
	}
	return false
}

func connected(s sources.Snapshot) bool { return s.State == sources.StateConnected && s.Synced }

// client is the test's own RPC client, writing tags as Nerve's tooling would.
func client(t *testing.T, a *testenv.SerfAgent) *serfclient.RPCClient {
	t.Helper()
	c, err := serfclient.ClientFromConfig(&serfclient.Config{Addr: a.RPCAddr, AuthKey: a.RPCAuth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// cluster starts three real agents: a (the one the source talks to), b and c.
func cluster(t *testing.T) (a, b, c *testenv.SerfAgent) {
	t.Helper()
	a = testenv.Serf(t, "node-a", map[string]string{"role": "lb"})
	b = testenv.Serf(t, "node-b", map[string]string{"smart:svc_a_31001": "127.0.0.1:31001"}, a.BindAddr)
	c = testenv.Serf(t, "node-c", map[string]string{"smart:svc_a_31002": "127.0.0.1:31002", "smart:serverweight": "10"}, a.BindAddr)
	if err := a.WaitMembers(wait, map[string]string{"node-a": "alive", "node-b": "alive", "node-c": "alive"}); err != nil {
		t.Fatal(err)
	}
	return a, b, c
}

func TestSourceTagsLive(t *testing.T) {
	a, b, c := cluster(t)
	w := open(t, Options{Addr: a.RPCAddr})
	w.until("initial sync", func(s sources.Snapshot, _ []sources.Event) bool {
		return connected(s) && len(s.Members) == 3 && len(s.Services) == 2
	})
	s := w.src.Current()
	if s.Kind != sources.KindSerf || s.Address != a.RPCAddr || s.Stale() || s.LastGood.IsZero() {
		t.Errorf("snapshot = %+v", s)
	}
	// The member whose agent this is: the only one an RPC here can re-tag.
	if s.Agent != a.Name {
		t.Errorf("Agent = %q, want %q (the agent at %s)", s.Agent, a.Name, a.RPCAddr)
	}
	rb, _ := reg(s, "svc_a_31001", "node-b")
	rc, _ := reg(s, "svc_a_31002", "node-c")
	if rb.Host != "127.0.0.1" || rb.Port != 31001 || rb.HasWeight || rb.MemberStatus != "alive" || rb.Name != "node-b" {
		t.Errorf("node-b registration = %+v", rb)
	}
	if !rc.HasWeight || rc.Weight != 10 || rc.Port != 31002 {
		t.Errorf("node-c registration = %+v", rc)
	}
	if m, _ := member(s, "node-b"); m.Status != "alive" || !strings.HasPrefix(m.Addr, "127.0.0.1:") || m.Tags["smart:svc_a_31001"] == "" {
		t.Errorf("member = %+v", m)
	}

	cb := client(t, b)
	// Added.
	if err := cb.UpdateTags(map[string]string{"smart:svc_b": "127.0.0.1:8080"}, nil); err != nil {
		t.Fatal(err)
	}
	evs := w.until("tag added", func(s sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, "svc_b", "node-b registered 127.0.0.1:8080")
	})
	if !hasEvent(evs, sources.EventMember, "", "node-b") {
		t.Errorf("no member-update event:\n%s", eventLines(evs))
	}
	// Changed (address and weight).
	if err := cb.UpdateTags(map[string]string{"smart:svc_b": "127.0.0.1:8081", "smart:serverweight": "0"}, nil); err != nil {
		t.Fatal(err)
	}
	w.until("tag changed", func(s sources.Snapshot, evs []sources.Event) bool {
		r, ok := reg(s, "svc_b", "node-b")
		return ok && r.Port == 8081 && r.HasWeight && r.Weight == 0 &&
			hasEvent(evs, sources.EventChanged, "svc_b", "address 127.0.0.1:8080 -> 127.0.0.1:8081")
	})
	// Removed.
	if err := cb.UpdateTags(nil, []string{"smart:svc_b"}); err != nil {
		t.Fatal(err)
	}
	w.until("tag removed", func(s sources.Snapshot, evs []sources.Event) bool {
		_, ok := reg(s, "svc_b", "node-b")
		return !ok && hasEvent(evs, sources.EventDeregistered, "svc_b", "tag smart:svc_b gone")
	})
	// The Nerve reporter's way: a tag file and SIGHUP.
	if err := c.SetNerveTag("svc_c_9000", "127.0.0.1:9000"); err != nil {
		t.Fatal(err)
	}
	w.until("nerve tag file", func(s sources.Snapshot, evs []sources.Event) bool {
		r, ok := reg(s, "svc_c_9000", "node-c")
		return ok && r.Port == 9000 && hasEvent(evs, sources.EventRegistered, "svc_c_9000", "")
	})
	// A malformed tag is kept, flagged.
	if err := cb.UpdateTags(map[string]string{"smart:broken": "no-port"}, nil); err != nil {
		t.Fatal(err)
	}
	w.until("malformed tag", func(s sources.Snapshot, _ []sources.Event) bool {
		r, ok := reg(s, "broken", "node-b")
		return ok && strings.Contains(r.Malformed, "not host:port")
	})
	// A user event, with its name and payload.
	if err := cb.UserEvent("deploy", []byte("v1.2.3"), false); err != nil {
		t.Fatal(err)
	}
	w.until("user event", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventUser, "", `user event "deploy", payload "v1.2.3"`)
	})
}

func TestSourceMemberFailedAndLeft(t *testing.T) {
	a, b, c := cluster(t)
	w := open(t, Options{Addr: a.RPCAddr})
	w.until("initial sync", func(s sources.Snapshot, _ []sources.Event) bool { return connected(s) && len(s.Members) == 3 })

	c.Kill()
	w.until("node-c failed", func(s sources.Snapshot, evs []sources.Event) bool {
		r, ok := reg(s, "svc_a_31002", "node-c")
		m, _ := member(s, "node-c")
		return ok && r.MemberStatus == "failed" && m.Status == "failed" &&
			hasEvent(evs, sources.EventMember, "", "member node-c") &&
			hasEvent(evs, sources.EventChanged, "svc_a_31002", "member alive -> failed")
	})

	b.Leave()
	// The source must show what the agent says. Under load (the whole suite
	// on 2 cores) Serf itself sometimes declares a leaving member failed,
	// its probes timing out before the leave intent is processed; that is
	// Serf's gossip, not the source's mapping, so follow the agent's word.
	want := ""
	for deadline := time.Now().Add(wait); want != "left" && want != "failed"; time.Sleep(250 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("node-b is %q for its agent, not left", want)
		}
		ms, err := a.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == "node-b" {
				want = m.Status
			}
		}
	}
	if want == "failed" {
		t.Logf("Serf declared node-b failed before its leave intent arrived; checking that the source says so")
	}
	w.until("node-b "+want, func(s sources.Snapshot, evs []sources.Event) bool {
		r, ok := reg(s, "svc_a_31001", "node-b")
		text := "left the cluster"
		if want == "failed" {
			text = "its agent stopped answering"
		}
		return ok && r.MemberStatus == want && hasEvent(evs, sources.EventMember, "", "node-b") &&
			hasEvent(evs, sources.EventMember, "", text)
	})
	s := w.src.Current()
	if len(s.Members) != 3 || !connected(s) {
		t.Errorf("members that are not alive must be kept: %+v", s.Members)
	}
}

func TestSourceAgentRestart(t *testing.T) {
	a, b, _ := cluster(t)
	p := newProxy(t)
	p.start(a.RPCAddr)
	w := open(t, Options{Addr: p.addr})
	w.until("initial sync", func(s sources.Snapshot, _ []sources.Event) bool { return connected(s) && len(s.Members) == 3 })

	a.Kill()
	evs := w.until("disconnect seen", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State == sources.StateReconnecting
	})
	s := w.src.Current()
	if !s.Stale() || len(s.Services) != 2 || len(s.Members) != 3 || s.Err == "" || !hasEvent(evs, sources.EventConnState, "", "retrying") {
		t.Errorf("while down the last snapshot must stay, stale, with the reason: %+v\n%s", s, eventLines(evs))
	}
	if age := s.Age(time.Now()); age <= 0 {
		t.Errorf("age = %v", age)
	}

	// "Restart" the agent behind the same address: a new agent rejoins the
	// cluster, with a tag change made while the source was away.
	cb := client(t, b)
	if err := cb.UpdateTags(map[string]string{"smart:svc_new": "127.0.0.1:7000"}, nil); err != nil {
		t.Fatal(err)
	}
	a2 := testenv.Serf(t, "node-a2", nil, b.BindAddr)
	p.retarget(a2.RPCAddr)
	evs = w.until("resynced after restart", func(s sources.Snapshot, evs []sources.Event) bool {
		_, ok := reg(s, "svc_new", "node-b")
		return connected(s) && ok && hasEvent(evs, sources.EventResync, "", "reconnected")
	})
	if !hasEvent(evs, sources.EventRegistered, "svc_new", "node-b registered") {
		t.Errorf("the change made while disconnected must be reported:\n%s", eventLines(evs))
	}
	if s := w.src.Current(); s.Err != "" || s.Stale() {
		t.Errorf("after resync: %+v", s)
	}
}

func TestSourceHungAgent(t *testing.T) {
	a := testenv.Serf(t, "hung", map[string]string{"smart:svc": "127.0.0.1:1234"})
	p := newProxy(t)
	p.start(a.RPCAddr)
	w := open(t, Options{Addr: p.addr, Resync: 200 * time.Millisecond, Timeout: 500 * time.Millisecond})
	w.until("sync", func(s sources.Snapshot, _ []sources.Event) bool { return connected(s) && len(s.Services) == 1 })

	// The periodic re-read keeps LastGood fresh without waking the reader.
	first := w.src.Current().LastGood
	time.Sleep(700 * time.Millisecond)
	if got := w.src.Current().LastGood; !got.After(first) {
		t.Errorf("LastGood did not advance with the periodic re-read: %v then %v", first, got)
	}

	// The agent stops answering but keeps the connection open: only the
	// re-read's deadline can notice.
	p.freeze(true)
	w.until("hang detected", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State == sources.StateReconnecting && strings.Contains(s.Err, "no answer within") && len(s.Services) == 1
	})
	p.freeze(false)
	w.until("recovered", func(s sources.Snapshot, evs []sources.Event) bool {
		return connected(s) && hasEvent(evs, sources.EventResync, "", "reconnected")
	})
}

func TestSourceAgentComesUpLater(t *testing.T) {
	p := newProxy(t)
	w := open(t, Options{Addr: p.addr})
	w.until("refused", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State == sources.StateDisconnected && strings.Contains(s.Err, "connection refused") && !s.Synced
	})
	a := testenv.Serf(t, "late", map[string]string{"smart:svc": "127.0.0.1:1234"})
	p.start(a.RPCAddr)
	w.until("connected later", func(s sources.Snapshot, _ []sources.Event) bool {
		_, ok := reg(s, "svc", "late")
		return connected(s) && ok
	})
}

func TestSourceSilentAgent(t *testing.T) {
	// Something that accepts connections but never speaks the RPC (a hung
	// agent, or the wrong service on the port) must not hang the source.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	w := open(t, Options{Addr: ln.Addr().String(), Timeout: 200 * time.Millisecond})
	w.until("five handshake timeouts", func(s sources.Snapshot, evs []sources.Event) bool {
		n := 0
		for _, e := range evs {
			if strings.Contains(e.Message, "did not answer the RPC handshake") {
				n++
			}
		}
		return s.State == sources.StateDisconnected && n >= 5
	})
	mu.Lock()
	if len(conns) > 3 {
		t.Errorf("%d connections left open to a silent agent, want at most 3", len(conns))
	}
	mu.Unlock()
	start := time.Now()
	w.src.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %s with a silent agent", d)
	}
}

func TestSourceAuth(t *testing.T) {
	a := testenv.SerfWith(t, testenv.SerfConfig{Name: "secure", RPCAuth: "s3cret", Tags: map[string]string{"smart:svc": "127.0.0.1:1"}})

	bad := open(t, Options{Addr: a.RPCAddr, AuthKey: "wrong"})
	bad.until("bad key", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State == sources.StateAuthFailed && strings.Contains(s.Err, "refused the RPC auth key") && !strings.Contains(s.Err, "wrong")
	})
	none := open(t, Options{Addr: a.RPCAddr})
	none.until("no key", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State == sources.StateAuthFailed && strings.Contains(s.Err, "SERF_RPC_AUTH")
	})
	good := open(t, Options{Addr: a.RPCAddr, AuthKey: "s3cret"})
	good.until("good key", func(s sources.Snapshot, _ []sources.Event) bool { return connected(s) && len(s.Services) == 1 })
}

func TestSourceClose(t *testing.T) {
	a := testenv.Serf(t, "closing", nil)
	w := open(t, Options{Addr: a.RPCAddr})
	w.until("sync", func(s sources.Snapshot, _ []sources.Event) bool { return connected(s) })
	done := make(chan struct{})
	go func() { w.src.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	for range w.src.Updates() {
	}
	if s := w.src.Current(); s.State != sources.StateClosed {
		t.Errorf("state after close = %s", s.State)
	}
	if err := w.src.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if _, err := Open(context.Background(), Options{Addr: "no port"}); err == nil {
		t.Error("a bad address must be refused at Open")
	}
}

// Serf re-sends member-update for members whose tags did not change: that
// is no event. A real change says which tags changed (issue 16 item 7).
func TestApplyMemberUpdateComparesTags(t *testing.T) {
	s := &Source{o: Options{}.withDefaults(), updates: make(chan sources.Update, 1), members: map[string]sources.Member{}}
	node2 := sources.Member{Name: "node2", Addr: "127.0.0.1:24302", Status: "alive", Tags: map[string]string{"smart:svc_a_24002": "127.0.0.1:24002"}}
	s.members["node2"] = node2
	s.services = Decode(s.memberList())
	same := node2
	same.Tags = map[string]string{"smart:svc_a_24002": "127.0.0.1:24002"}
	s.apply([]record{{Event: "member-update", Members: []sources.Member{same}}})
	select {
	case u := <-s.updates:
		t.Errorf("a re-sent update with the same tags published %v", u.Events)
	default:
	}
	drained := node2
	drained.Tags = map[string]string{"smart:svc_a_24002": "127.0.0.1:24002", "smart:serverweight": "0"}
	s.apply([]record{{Event: "member-update", Members: []sources.Member{drained}}})
	u := <-s.updates
	if !hasEvent(u.Events, sources.EventMember, "", "member node2 (127.0.0.1:24302) tags: smart:serverweight=0 added") ||
		hasEvent(u.Events, sources.EventMember, "", "updated its tags") {
		t.Errorf("events:\n%s", eventLines(u.Events))
	}
}

// The age of the last known state counts from the moment the agent was
// lost, not from the last event the stream carried (issue 16 item 6).
func TestSourceAgeCountsFromTheLoss(t *testing.T) {
	a := testenv.Serf(t, "quiet", map[string]string{"smart:svc": "127.0.0.1:1234"})
	w := open(t, Options{Addr: a.RPCAddr})
	w.until("sync", func(s sources.Snapshot, _ []sources.Event) bool { return connected(s) && len(s.Services) == 1 })
	synced := w.src.Current().LastGood
	// A quiet cluster: no event for a while, and no periodic re-read (30 s).
	time.Sleep(1500 * time.Millisecond)
	killed := time.Now()
	a.Kill()
	w.until("loss seen", func(s sources.Snapshot, _ []sources.Event) bool { return s.State == sources.StateReconnecting })
	if lg := w.src.Current().LastGood; lg.Before(killed) {
		t.Errorf("LastGood %s is before the agent was killed at %s (synced at %s): the age counts from the last message, not the loss",
			lg.Format("15:04:05.000"), killed.Format("15:04:05.000"), synced.Format("15:04:05.000"))
	}
}
