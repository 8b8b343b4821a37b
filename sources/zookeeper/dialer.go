package zookeeper

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"sync"
	"time"
)

// handshakeDialer dials like net.DialTimeout but bounds the session
// handshake. go-zookeeper waits up to ten times its receive timeout (66 s
// for a 10 s session) for the connect response; a server that accepts but
// never answers — one shutting down or still starting — would leave the
// registry stale for a minute. Like the Java client, give the handshake
// sessionTimeout/len(servers), between 1 s and 5 s.
type handshakeDialer struct {
	limit time.Duration
	// via opens the connection (Options.Dial); nil dials directly.
	via func(ctx context.Context, network, address string) (net.Conn, error)
	// settle: hold back the first read after the handshake (settleDelay);
	// a client that sets watches needs it.
	settle bool
}

func newHandshakeDialer(session time.Duration, servers int, via func(context.Context, string, string) (net.Conn, error), settle bool) handshakeDialer {
	limit := session / time.Duration(max(servers, 1))
	return handshakeDialer{limit: min(max(limit, time.Second), 5*time.Second), via: via, settle: settle}
}

// dial is a zk.Dialer.
func (d handshakeDialer) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	var err error
	if d.via != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		c, err = d.via(ctx, network, addr)
		cancel()
	} else {
		c, err = net.DialTimeout(network, addr, timeout)
	}
	if err != nil {
		return nil, err
	}
	hc := &handshakeConn{Conn: c, until: time.Now().Add(d.limit), br: bufio.NewReaderSize(c, readBuffer), settled: !d.settle}
	_ = c.SetReadDeadline(hc.until)
	return hc, nil
}

// settleDelay holds back the client's first read after the handshake.
// go-zookeeper starts its receive loop and only then calls sendSetWatches,
// which reads lastZxid while the receive loop writes it on every response
// (a data race inside the library, conn.go). If no response is processed
// until the main loop has passed sendSetWatches — a few microseconds, but
// an overloaded host can deschedule a thread for milliseconds — the race
// cannot happen. Responses queue in the socket meanwhile, so pipelined
// reads lose at most this much once per connection. sendSetWatches reads
// nothing more when the client holds no watches, so a client that never
// sets one (Options.Once) skips it.
const settleDelay = 25 * time.Millisecond

// readBuffer is how much of the server's replies one read takes in. The
// client reads every reply's length prefix and its body with two reads of
// its own: unbuffered, a first snapshot of 10,000 registrations cost 20,000
// read syscalls, on the cores the server needs to answer it.
const readBuffer = 64 << 10

// handshakeConn caps read deadlines until the first response frame (the
// connect response) has been read, then steps aside. Reads are buffered.
type handshakeConn struct {
	net.Conn
	until time.Time
	br    *bufio.Reader // over Conn; its deadlines still apply to each read it makes

	mu      sync.Mutex
	reply   firstFrame // the connect response
	settled bool       // the first read after the handshake has been held back, or need not be
}

// firstFrame follows the first length-prefixed frame of a ZooKeeper reply
// stream across reads.
type firstFrame struct {
	hdr  []byte // the length prefix as read so far
	left int    // frame bytes still to read once hdr is complete
	done bool
}

// feed takes the bytes of the next read and reports whether the first
// frame is complete (bytes after it are not looked at).
func (f *firstFrame) feed(p []byte) bool {
	for len(p) > 0 && !f.done {
		if len(f.hdr) < 4 {
			k := min(4-len(f.hdr), len(p))
			f.hdr, p = append(f.hdr, p[:k]...), p[k:]
			if len(f.hdr) == 4 {
				f.left = int(binary.BigEndian.Uint32(f.hdr))
			}
			continue
		}
		k := min(f.left, len(p))
		f.left, p = f.left-k, p[k:]
		f.done = f.left == 0
	}
	f.done = f.done || (len(f.hdr) == 4 && f.left == 0)
	return f.done
}

// SetReadDeadline passes through after the handshake; during it, no
// deadline may be later than the handshake limit.
func (c *handshakeConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	done := c.reply.done
	c.mu.Unlock()
	if !done && (t.IsZero() || t.After(c.until)) {
		t = c.until
	}
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline applies the same cap to reads.
func (c *handshakeConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// Read counts the connect response's bytes; when it is complete the
// deadline goes back to what the client asks for (none until it sets one).
func (c *handshakeConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	settle := c.reply.done && !c.settled
	c.settled = c.settled || c.reply.done
	c.mu.Unlock()
	if settle {
		time.Sleep(settleDelay)
	}
	n, err := c.br.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reply.done || n == 0 {
		return n, err
	}
	if c.reply.feed(b[:n]) {
		_ = c.Conn.SetReadDeadline(time.Time{})
	}
	return n, err
}
