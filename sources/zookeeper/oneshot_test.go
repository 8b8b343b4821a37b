package zookeeper

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// countingDial dials directly, counting the connections opened and those
// still open; with refuseAfter > 0 it refuses every dial after that many.
type countingDial struct {
	mu          sync.Mutex
	dials, open int
	refuseAfter int
	closed      chan struct{} // a token after each close
}

func newCountingDial(refuseAfter int) *countingDial {
	return &countingDial{refuseAfter: refuseAfter, closed: make(chan struct{}, 1)}
}

// waitAllClosed waits until no connection is open, or fails t after d.
func (d *countingDial) waitAllClosed(t *testing.T, limit time.Duration) {
	t.Helper()
	timeout := time.After(limit)
	for {
		if _, open := d.counts(); open == 0 {
			return
		}
		select {
		case <-d.closed:
		case <-timeout:
			_, open := d.counts()
			t.Fatalf("%d connections still open after Close", open)
		}
	}
}

func (d *countingDial) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.refuseAfter > 0 && d.dials >= d.refuseAfter {
		d.dials++
		return nil, fmt.Errorf("refused by the test")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	d.dials++
	d.open++
	return &countedConn{Conn: c, d: d}, nil
}

func (d *countingDial) counts() (dials, open int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials, d.open
}

type countedConn struct {
	net.Conn
	d    *countingDial
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.d.mu.Lock()
		c.d.open--
		c.d.mu.Unlock()
		select {
		case c.d.closed <- struct{}{}:
		default: // a token is already waiting
		}
	})
	return c.Conn.Close()
}

// seedOneShot registers oneShotMinNodes open registrations and 8 behind a
// digest ACL in one service, through admin, and returns the locked paths.
func seedOneShot(t *testing.T, admin *zk.Conn, root string) []string {
	t.Helper()
	if err := admin.AddAuth("digest", []byte("nerve:s3cret")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{root, root + "/svc", root + "/svc/services"} {
		if _, err := admin.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
			t.Fatal(err)
		}
	}
	var ops []any
	var locked []string
	for i := range oneShotMinNodes + 8 {
		acl := zk.WorldACL(zk.PermAll)
		p := fmt.Sprintf("%s/svc/services/open%04d_%010d", root, i, i)
		if i >= oneShotMinNodes {
			acl = zk.DigestACL(zk.PermAll, "nerve", "s3cret")
			p = fmt.Sprintf("%s/svc/services/locked%04d_%010d", root, i, i)
			locked = append(locked, p)
		}
		ops = append(ops, &zk.CreateRequest{Path: p, Data: fmt.Appendf(nil, `{"host":"10.0.%d.%d","port":%d}`, i/256, i%256, 1000+i), Acl: acl})
		if len(ops) == 250 {
			if _, err := admin.Multi(ops...); err != nil {
				t.Fatal(err)
			}
			ops = ops[:0]
		}
	}
	if _, err := admin.Multi(ops...); err != nil {
		t.Fatal(err)
	}
	return locked
}

// TestOnceReadsOverExtraSessions: a one-shot read of oneShotMinNodes or
// more registrations spreads them over oneShotSessions sessions, each with
// the credentials (the ACL-protected ones read fine wherever they land),
// and closes the extra ones before the source closes.
func TestOnceReadsOverExtraSessions(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	locked := seedOneShot(t, z.Client(t), root)
	auth, err := ParseAuth([]byte("nerve:s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	d := newCountingDial(0)
	s, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root, Auth: auth, Once: true, Dial: d.dial})
	snap, _ := r.wait(t, 20*time.Second, 0, "first sync", synced)
	if n := countRegs(snap.Services); n != oneShotMinNodes+8 {
		t.Fatalf("read %d registrations, want %d", n, oneShotMinNodes+8)
	}
	for _, p := range locked {
		if g := findReg(snap, p); g == nil || g.Malformed != "" || g.Port < 1000 {
			t.Fatalf("%s with auth over the extra sessions: %+v", p, g)
		}
	}
	if dials, _ := d.counts(); dials != oneShotSessions {
		t.Fatalf("%d connections dialled, want %d sessions", dials, oneShotSessions)
	}
	s.Close()
	d.waitAllClosed(t, 20*time.Second) // the client closes a connection on its own goroutine, after Close
}

// TestOnceWithoutExtraSessionsStillReads: when the extra sessions cannot
// be opened, the one-shot read goes on over its own session alone.
func TestOnceWithoutExtraSessionsStillReads(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	seedOneShot(t, z.Client(t), root)
	d := newCountingDial(1)
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root, Once: true, Dial: d.dial})
	snap, _ := r.wait(t, 20*time.Second, 0, "first sync", synced)
	if n := countRegs(snap.Services); n != oneShotMinNodes+8 {
		t.Fatalf("read %d registrations, want %d", n, oneShotMinNodes+8)
	}
	if dials, _ := d.counts(); dials < 2 {
		t.Fatalf("%d dials: the extra sessions were never tried", dials)
	}
}

// hungConn is a server that answers the session handshake, then nothing:
// reads block, whatever their deadline, until the connection is closed or
// release is (a failed test lets the reads through to clean up).
type hungConn struct {
	net.Conn
	release <-chan struct{}
	mu      sync.Mutex
	reply   firstFrame // the handshake's
	hung    chan struct{}
	closed  chan struct{}
	once    sync.Once
}

func newHungConn(c net.Conn, release <-chan struct{}) *hungConn {
	return &hungConn{Conn: c, release: release, hung: make(chan struct{}), closed: make(chan struct{})}
}

func (c *hungConn) Read(b []byte) (int, error) {
	select {
	case <-c.hung:
		select {
		case <-c.closed:
			return 0, net.ErrClosed
		case <-c.release:
			return c.Conn.Read(b)
		}
	default:
	}
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.reply.done && c.reply.feed(b[:n]) {
		close(c.hung)
	}
	return n, err
}

func (c *hungConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// TestCloseDuringOnceWithHungExtraSessions: a server that stops answering
// the extra sessions' reads does not hold Close (an interrupted snapshot):
// Close fails their reads as it fails its own session's.
func TestCloseDuringOnceWithHungExtraSessions(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	seedOneShot(t, z.Client(t), root)
	var first sync.Once
	extra := make(chan *hungConn, oneShotSessions)
	release := make(chan struct{})
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		own := false
		first.Do(func() { own = true }) // the source's own session
		if err != nil || own {
			return c, err
		}
		h := newHungConn(c, release)
		select {
		case extra <- h:
		default: // a reconnect after the test gave up
		}
		return h, nil
	}
	// A long session: the client's receive timeout (2/3 of it) must not be
	// what ends the hung reads.
	s, _ := openSource(t, Options{Servers: []string{z.Addr}, Root: root, Once: true, Dial: dial, SessionTimeout: 90 * time.Second})
	for range oneShotSessions - 1 { // every extra session has its session, then hangs
		<-(<-extra).hung
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second): // the receive timeout would be 60 s
		close(release) // lets Close, and the test's cleanup, finish
		t.Fatal("Close waited on the hung extra sessions")
	}
}
