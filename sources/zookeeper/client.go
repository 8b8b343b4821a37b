package zookeeper

import (
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

// client is one go-zookeeper connection and what the engine knows of it.
type client struct {
	gen  uint64
	conn *zk.Conn
	// hadSession is set once the client got a session; retired once it then
	// lost its connection. A retired client never dials again: it is closed
	// and replaced. Letting it reconnect would have go-zookeeper re-send its
	// watches, which races inside the library (sendSetWatches reads lastZxid
	// while the receive loop writes it) and would pile our fresh watches on
	// top of the re-armed ones in its watcher table.
	hadSession, retired atomic.Bool
}

// errRetired is the retired client's dial error.
var errRetired = errors.New("client retired after losing its session's connection; a new client takes over")

// replaceConn closes the retired client and opens a new one.
func (e *engine) replaceConn() {
	old := e.cl
	e.cl, e.conn, e.authDone, e.needSync = nil, nil, false, true
	if e.lostAt.IsZero() {
		e.lostAt = time.Now()
	}
	e.s.resetSession()
	go old.conn.Close() // may wait up to a second for the server's close reply
	if !e.dial() {
		e.s.log.Info("reconnect: new ZooKeeper client could not be created; retrying")
	}
}

// dial creates the client; it only fails when no server name resolves.
func (e *engine) dial() bool {
	s := e.s
	cl := &client{gen: s.gen.Add(1)}
	hd := newHandshakeDialer(s.opts.SessionTimeout, len(s.opts.Servers), s.opts.Dial, !s.opts.Once)
	c, _, err := zk.Connect(s.opts.Servers, s.opts.SessionTimeout,
		zk.WithLogger(zkLogger{log: s.log, note: func(msg string) {
			if !cl.retired.Load() {
				s.noteConnectError(msg)
			}
		}}),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type == zk.EventSession {
				switch ev.State {
				case zk.StateHasSession:
					cl.hadSession.Store(true)
				case zk.StateDisconnected:
					if cl.hadSession.Load() {
						cl.retired.Store(true) // before the client's next dial
					}
				}
			}
			s.onEvent(cl.gen, ev)
		}),
		zk.WithDialer(func(network, addr string, timeout time.Duration) (net.Conn, error) {
			if cl.retired.Load() {
				return nil, errRetired
			}
			return hd.dial(network, addr, timeout)
		}))
	if err != nil {
		s.noteConnectError(fmt.Sprintf("%v; check the --zk host names", err))
		return false
	}
	cl.conn = c
	e.cl, e.conn = cl, c
	s.connMu.Lock()
	s.conn = c
	s.connMu.Unlock()
	if s.ctx.Err() != nil { // Close raced with us: it may have missed c
		c.Close()
	}
	return true
}
