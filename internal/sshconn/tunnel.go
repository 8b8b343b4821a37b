package sshconn

import (
	"context"
	"io"
	"net"
	"sync"
)

// tunnelConn is a forwarded connection with working deadlines: SSH
// channels refuse SetDeadline, yet every client we tunnel (HAProxy's,
// ZooKeeper's) bounds its reads with one. The caller gets one end of a
// net.Pipe (which implements deadlines without closing anything when one
// passes) and two goroutines copy between the other end and the channel.
type tunnelConn struct {
	net.Conn
	raddr net.Addr
}

// RemoteAddr names the far end as dialled ("tcp" host:port or the socket path).
func (t *tunnelConn) RemoteAddr() net.Addr { return t.raddr }

// tunnelAddr is a forwarded connection's far end.
type tunnelAddr struct{ network, addr string }

func (a tunnelAddr) Network() string { return a.network }
func (a tunnelAddr) String() string  { return a.addr }

// withDeadlines wraps an SSH channel connection.
func withDeadlines(ch net.Conn, network, addr string) net.Conn {
	near, far := net.Pipe()
	go func() {
		io.Copy(far, ch) // the host's bytes to the caller
		far.Close()
	}()
	go func() {
		io.Copy(ch, far) // the caller's bytes to the host
		ch.Close()
	}()
	return &tunnelConn{Conn: near, raddr: tunnelAddr{network, addr}}
}

// Forward listens on a loopback port of this machine and forwards every
// connection to remote (host:port as seen from the host), for clients
// that cannot take a dialer, such as Serf's RPC client. It returns the
// local address; the listener closes with the Conn. While SSH is down an
// accepted connection is closed at once, which such clients see as the
// agent being unreachable.
func (c *Conn) Forward(remote string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var wg sync.WaitGroup
	c.onClose(func() {
		l.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			lc, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), c.s.ConnectTimeout)
				rc, err := c.DialContext(ctx, "tcp", remote)
				cancel()
				if err != nil {
					c.log.Debug("forward refused", "remote", remote, "err", err)
					lc.Close()
					return
				}
				splice(lc, rc, c.closed)
			}()
		}
	}()
	return l.Addr().String(), nil
}

// splice copies both ways until either side ends (or stop closes), then
// closes both.
func splice(a, b net.Conn, stop <-chan struct{}) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(a, b); done <- struct{}{} }()
	go func() { io.Copy(b, a); done <- struct{}{} }()
	select {
	case <-done:
	case <-stop:
	}
	a.Close()
	b.Close()
	<-done
}
