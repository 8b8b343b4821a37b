package zookeeper

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
)

// TestServerRestartMidWatch restarts ZooKeeper (same port and data) under a
// live source: the snapshot stays, marked stale, then comes back connected
// with fresh watches that still see changes.
func TestServerRestartMidWatch(t *testing.T) {
	z := testenv.ZooKeeper(t)
	root := "/nerve/services"
	n := z.Nerve(t, "host-a", testenv.SessionTimeout(30*time.Second))
	p1 := n.Register(root+"/svc_a/services", "127.0.0.1", 31001)
	// After each restart, changes come from a fresh registrar: testenv's own
	// client may spend a long time in go-zookeeper's unbounded handshake
	// with a server that is still starting (our source bounds it).
	fresh := func(id string) *testenv.Nerve {
		t.Helper()
		return z.Nerve(t, id)
	}
	s, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root, SessionTimeout: 10 * time.Second})
	r.wait(t, 10*time.Second, 0, "first sync", synced)

	m := r.mark()
	z.Kill()
	snap, _ := r.wait(t, 10*time.Second, m, "stale while ZooKeeper is down", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State != sources.StateConnected
	})
	if findReg(snap, p1) == nil || !snap.Stale() || snap.LastGood.IsZero() || snap.Err == "" {
		t.Fatalf("while down: %+v", snap)
	}
	if c := s.Current(); findReg(c, p1) == nil {
		t.Fatal("Current() lost the last known registry while ZooKeeper is down")
	}
	time.Sleep(300 * time.Millisecond)
	if c := s.Current(); c.Age(time.Now()) < 250*time.Millisecond {
		t.Fatalf("Age %v while down", c.Age(time.Now()))
	}
	if err := z.Start(); err != nil {
		t.Fatal(err)
	}
	snap, evs := r.wait(t, 20*time.Second, m, "connected again", synced)
	if findReg(snap, p1) == nil {
		t.Fatalf("lost %s after the restart", p1)
	}
	for _, e := range evs {
		if e.Kind == sources.EventDeregistered {
			t.Errorf("spurious %s", e.Message)
		}
	}

	// The watches after the restart are live.
	n2 := fresh("host-a2")
	m = r.mark()
	p2 := n2.Register(root+"/svc_a/services", "127.0.0.1", 31002)
	r.wait(t, eventWithin, m, "registration after the restart", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p2) != nil
	})
	m = r.mark()
	n2.Deregister(p1) // any session may delete another's ephemeral node
	r.wait(t, eventWithin, m, "deregistration after the restart", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventDeregistered, p1) != nil
	})
	if err := z.Restart(); err != nil { // graceful restart too
		t.Fatal(err)
	}
	m = r.mark()
	r.wait(t, 20*time.Second, m, "connected after graceful restart", synced)
	m = r.mark()
	p3 := fresh("host-a3").Register(root+"/svc_b/services", "127.0.0.1", 31003)
	r.wait(t, eventWithin, m, "new service after graceful restart", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p3) != nil
	})
}

// TestSessionExpiryResync partitions the source from a live ZooKeeper for
// longer than its session timeout, while registrations come and go. After
// the partition: "session expired", a new session, a full re-read whose
// diff yields the events missed, and fresh watches.
func TestSessionExpiryResync(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "host-b")
	gone := n.Register(root+"/svc/services", "127.0.0.1", 1)
	stays := n.Register(root+"/svc/services", "127.0.0.1", 2)
	px := newProxy(t, z.Addr)
	_, r := openSource(t, Options{Servers: []string{px.Addr}, Root: root, SessionTimeout: time.Second})
	r.wait(t, 10*time.Second, 0, "first sync", synced)

	m := r.mark()
	px.setCut(true)
	n.Deregister(gone)
	came := n.Register(root+"/svc/services", "127.0.0.1", 3)
	other := n.Register(root+"/svc_other/services", "127.0.0.1", 4)
	snap, _ := r.wait(t, 5*time.Second, m, "disconnected", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State != sources.StateConnected
	})
	if findReg(snap, gone) == nil || findReg(snap, came) != nil {
		t.Fatal("the stale snapshot should still be the one before the partition")
	}
	time.Sleep(2500 * time.Millisecond) // > session timeout: the server expires the session
	px.setCut(false)

	snap, evs := r.wait(t, 15*time.Second, m, "resynced after expiry", func(s sources.Snapshot, evs []sources.Event) bool {
		return synced(s, nil) && hasEvent(evs, sources.EventDeregistered, gone) != nil
	})
	if !slices.Contains(r.statesSeen(), sources.StateExpired) {
		t.Errorf("session expiry never shown; states %v", r.statesSeen())
	}
	if hasEvent(evs, sources.EventRegistered, came) == nil || hasEvent(evs, sources.EventRegistered, other) == nil {
		t.Errorf("registrations made during the partition not reported:\n%s", dumpEvents(evs))
	}
	if hasEvent(evs, sources.EventRegistered, stays) != nil || hasEvent(evs, sources.EventDeregistered, stays) != nil {
		t.Errorf("unchanged registration reported:\n%s", dumpEvents(evs))
	}
	if !slices.ContainsFunc(evs, func(e sources.Event) bool { return e.Kind == sources.EventResync }) {
		t.Errorf("no resync event:\n%s", dumpEvents(evs))
	}
	if findReg(snap, gone) != nil || findReg(snap, came) == nil || findReg(snap, stays) == nil {
		t.Fatalf("resynced snapshot wrong: %+v", snap.Services)
	}

	// Fresh watches: children, data and service-list watches all work.
	m = r.mark()
	n.Deregister(stays)
	p := n.Register(root+"/svc_third/services", "127.0.0.1", 5)
	r.wait(t, eventWithin, m, "changes after the resync", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventDeregistered, stays) != nil && hasEvent(evs, sources.EventRegistered, p) != nil
	})
}

// TestShortDisconnect cuts the link for less than the session
// timeout: same session, changes made meanwhile still show up.
func TestShortDisconnect(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "host-c")
	gone := n.Register(root+"/svc/services", "127.0.0.1", 1)
	px := newProxy(t, z.Addr)
	s, r := openSource(t, Options{Servers: []string{px.Addr}, Root: root, SessionTimeout: 8 * time.Second})
	r.wait(t, 10*time.Second, 0, "first sync", synced)
	before := s.currentConn()

	m := r.mark()
	px.setCut(true)
	r.wait(t, 5*time.Second, m, "disconnected", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State != sources.StateConnected
	})
	n.Deregister(gone)
	came := n.Register(root+"/svc/services", "127.0.0.1", 2)
	px.setCut(false)
	snap, evs := r.wait(t, 10*time.Second, m, "changes made during the cut", func(s sources.Snapshot, evs []sources.Event) bool {
		return synced(s, nil) && hasEvent(evs, sources.EventDeregistered, gone) != nil && hasEvent(evs, sources.EventRegistered, came) != nil
	})
	if slices.Contains(r.statesSeen(), sources.StateExpired) {
		t.Errorf("session expired on a short cut: %v", r.statesSeen())
	}
	if findReg(snap, came) == nil || findReg(snap, gone) != nil {
		t.Fatal("snapshot after reconnect is wrong")
	}
	_ = evs
	// The client that lost its connection was replaced by a fresh one (new
	// session), so re-read watches never pile up on top of re-armed ones.
	if after := s.currentConn(); after == before || after.SessionID() == before.SessionID() {
		t.Errorf("client not replaced after reconnecting within its session")
	}
	m = r.mark()
	p := n.Register(root+"/svc/services", "127.0.0.1", 3)
	r.wait(t, eventWithin, m, "watch after reconnect", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p) != nil
	})
}

// TestNerveSessionExpiry: a crashed Nerve's session expires and all its
// ephemeral registrations vanish, each as a deregistration.
func TestNerveSessionExpiry(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "host-d")
	a := n.Register(root+"/svc_a/services", "127.0.0.1", 1)
	b := n.Register(root+"/svc_b/services", "127.0.0.1", 2)
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	if ra, rb := findReg(snap, a), findReg(snap, b); ra == nil || rb == nil || ra.Owner != rb.Owner || ra.Owner == 0 {
		t.Fatal("registrations of one Nerve must share their ephemeral owner")
	}
	m := r.mark()
	n.Expire()
	r.wait(t, eventWithin, m, "deregistrations on Nerve's session expiry", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventDeregistered, a) != nil && hasEvent(evs, sources.EventDeregistered, b) != nil
	})
}

// TestHungServer freezes the link without closing it, as a hung server
// looks: the source notices (receive timeout), shows stale data, keeps
// trying with a bounded handshake, recovers when the link thaws, and Close
// never waits on the hung server.
func TestHungServer(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "host-h")
	p1 := n.Register(root+"/svc/services", "127.0.0.1", 1)
	px := newProxy(t, z.Addr)
	s, r := openSource(t, Options{Servers: []string{px.Addr}, Root: root, SessionTimeout: 2 * time.Second})
	r.wait(t, 10*time.Second, 0, "first sync", synced)

	m := r.mark()
	px.setFrozen(true)
	snap, _ := r.wait(t, 10*time.Second, m, "stale while the server hangs", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State != sources.StateConnected
	})
	if findReg(snap, p1) == nil {
		t.Fatal("lost the last known registry while the server hangs")
	}
	p2 := n.Register(root+"/svc/services", "127.0.0.1", 2)
	time.Sleep(3 * time.Second) // several bounded handshakes against the frozen link
	px.setFrozen(false)
	r.wait(t, 15*time.Second, m, "recovery after the hang", func(s sources.Snapshot, evs []sources.Event) bool {
		return synced(s, nil) && hasEvent(evs, sources.EventRegistered, p2) != nil
	})

	px.setFrozen(true)
	r.wait(t, 10*time.Second, r.mark(), "stale again", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State != sources.StateConnected
	})
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v against a hung server", d)
	}
	px.setFrozen(false)
}

// One loss of the connection is one event, however many times the client
// retries while it lasts; getting it back is one more (issue 16 item 10).
func TestOneLossOneEvent(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	z.Nerve(t, "host-d").Register(root+"/svc/services", "127.0.0.1", 1)
	px := newProxy(t, z.Addr)
	_, r := openSource(t, Options{Servers: []string{px.Addr}, Root: root, SessionTimeout: 8 * time.Second})
	r.wait(t, 10*time.Second, 0, "first sync", synced)

	m := r.mark()
	px.setCut(true)
	r.wait(t, 5*time.Second, m, "disconnected", func(s sources.Snapshot, _ []sources.Event) bool {
		return s.State != sources.StateConnected
	})
	time.Sleep(2500 * time.Millisecond) // the client retries about every second meanwhile
	px.setCut(false)
	_, evs := r.wait(t, 10*time.Second, m, "back", synced)
	var conn []string
	for _, e := range evs {
		if e.Kind == sources.EventConnState {
			conn = append(conn, e.Message)
		}
	}
	if len(conn) != 2 {
		t.Errorf("%d connection events for one loss and its recovery, want 2:\n%s", len(conn), strings.Join(conn, "\n"))
	}
}
