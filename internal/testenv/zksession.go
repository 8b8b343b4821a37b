package testenv

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// sessionSniffer is a zk.Dialer that remembers the session id and password
// from the server's connect response, so Expire can close the session from
// a second connection (the way Curator's KillSession does). go-zookeeper
// does not expose the password.
type sessionSniffer struct {
	mu     sync.Mutex
	id     int64
	passwd []byte
}

// dial is the zk.Dialer.
func (s *sessionSniffer) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, err
	}
	return &sniffConn{Conn: c, s: s}, nil
}

// session returns the last session id and password the server handed out.
func (s *sessionSniffer) session() (int64, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id, append([]byte(nil), s.passwd...)
}

// sniffConn copies the first response frame (the connect response) of a
// connection to its sniffer.
type sniffConn struct {
	net.Conn
	s    *sessionSniffer
	buf  []byte
	done bool
}

// Read passes reads through, parsing the connect response on the way.
func (c *sniffConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if !c.done && n > 0 {
		c.buf = append(c.buf, b[:n]...)
		if id, pw, ok := parseConnectResponse(c.buf); ok {
			c.done = true
			c.buf = nil
			if id != 0 {
				c.s.mu.Lock()
				c.s.id, c.s.passwd = id, pw
				c.s.mu.Unlock()
			}
		}
	}
	return n, err
}

// parseConnectResponse decodes a length-prefixed ConnectResponse
// (protocolVersion int32, timeOut int32, sessionId int64, passwd buffer);
// ok is false until the whole frame is there.
func parseConnectResponse(b []byte) (id int64, passwd []byte, ok bool) {
	if len(b) < 4 {
		return 0, nil, false
	}
	n := int(binary.BigEndian.Uint32(b))
	if len(b) < 4+n || n < 20 {
		return 0, nil, false
	}
	f := b[4 : 4+n]
	id = int64(binary.BigEndian.Uint64(f[8:16]))
	pl := int(int32(binary.BigEndian.Uint32(f[16:20])))
	if pl < 0 || 20+pl > len(f) {
		return id, nil, true
	}
	return id, append([]byte(nil), f[20:20+pl]...), true
}

// killSession attaches to session id at addr with its password and sends
// closeSession: the server drops the session and its ephemeral nodes at
// once, and the owner's next reconnect sees "session expired".
func killSession(addr string, id int64, passwd []byte) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return fmt.Errorf("testenv: dial ZooKeeper %s to expire session 0x%x: %w", addr, id, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))

	// ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd.
	req := make([]byte, 0, 64)
	req = binary.BigEndian.AppendUint32(req, 0)
	req = binary.BigEndian.AppendUint32(req, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 30000)
	req = binary.BigEndian.AppendUint64(req, uint64(id))
	req = binary.BigEndian.AppendUint32(req, uint32(len(passwd)))
	req = append(req, passwd...)
	binary.BigEndian.PutUint32(req[0:4], uint32(len(req)-4))
	if _, err := c.Write(req); err != nil {
		return fmt.Errorf("testenv: send connect for session 0x%x: %w", id, err)
	}
	resp, err := readFrame(c)
	if err != nil {
		return fmt.Errorf("testenv: read connect response for session 0x%x: %w", id, err)
	}
	if len(resp) < 16 || int64(binary.BigEndian.Uint64(resp[8:16])) != id {
		return nil // the server no longer knows the session: already expired
	}

	// closeSession: RequestHeader{xid, type=-11}, no body.
	closeReq := binary.BigEndian.AppendUint32(nil, 8)
	closeReq = binary.BigEndian.AppendUint32(closeReq, 1)
	closeReq = binary.BigEndian.AppendUint32(closeReq, uint32(0xFFFFFFF5)) // -11
	if _, err := c.Write(closeReq); err != nil {
		return fmt.Errorf("testenv: send closeSession for 0x%x: %w", id, err)
	}
	if _, err := readFrame(c); err != nil && err != io.EOF {
		return fmt.Errorf("testenv: read closeSession reply for 0x%x: %w", id, err)
	}
	return nil
}

// readFrame reads one length-prefixed frame.
func readFrame(r io.Reader) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:])
	if n > 1<<20 {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}
