package zookeeper

import (
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// oneShotSessions is how many sessions a one-shot read (Options.Once)
// spreads its registration reads over. ZooKeeper answers one session's
// requests one at a time, in order, and different sessions' side by side:
// 10,000 reads on the 2-core test host took a median of 0.54-0.60 s on
// one session, 0.39-0.45 s on two and 0.32 s on four (20 each, in turn).
// The live console keeps one session: its watches must all be on it.
const oneShotSessions = 4

// oneShotMinNodes is the fewest registrations worth the extra sessions:
// each costs ZooKeeper a session created and closed.
const oneShotMinNodes = 1000

// extraReaders opens up to n more sessions for a one-shot read, on the
// server the engine's own session is on (a follower that lags could not
// yet hold what that session listed), with the same credentials. Sessions
// that are not ready within a second, or refuse the credentials, are left
// out: the read goes on with the others. closeAll closes those opened.
func (e *engine) extraReaders(n int) (rds []reader, closeAll func()) {
	s := e.s
	server := e.conn.Server()
	limit := min(s.opts.SessionTimeout, time.Second)
	conns := make([]*zk.Conn, n)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Go(func() { conns[i] = e.openExtra(server, limit) })
	}
	wg.Wait()
	var opened []*zk.Conn
	for _, c := range conns {
		if c != nil {
			opened = append(opened, c)
			rds = append(rds, reader{c: c})
		}
	}
	s.log.Debug("one-shot read over extra sessions", "asked", n, "opened", len(opened))
	closeConns := func() {
		var wg sync.WaitGroup
		for _, c := range opened {
			wg.Go(c.Close) // waits for the server's reply: the session ends now, not at its timeout
		}
		wg.Wait()
	}
	// Source.Close fails the reads on its own session at once; these too,
	// or a hung server would hold Close (and an interrupted snapshot) for
	// the client's receive timeout.
	done := make(chan struct{})
	go func() {
		select {
		case <-s.ctx.Done():
			closeConns()
		case <-done:
		}
	}()
	return rds, func() { close(done); closeConns() }
}

// openExtra opens one session on server and adds the source's credentials,
// or returns nil (and closes what it opened) when that fails within limit.
func (e *engine) openExtra(server string, limit time.Duration) *zk.Conn {
	s := e.s
	hd := newHandshakeDialer(s.opts.SessionTimeout, 1, s.opts.Dial, false)
	ready := make(chan struct{}, 1)
	c, _, err := zk.Connect([]string{server}, s.opts.SessionTimeout,
		zk.WithLogger(zkLogger{log: s.log}),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.State == zk.StateHasSession {
				select {
				case ready <- struct{}{}:
				default:
				}
			}
		}),
		zk.WithDialer(hd.dial))
	if err != nil {
		return nil
	}
	select {
	case <-ready:
	case <-time.After(limit):
		go c.Close()
		return nil
	}
	if len(s.opts.Auth) > 0 {
		if err := c.AddAuth("digest", s.opts.Auth); err != nil {
			go c.Close()
			return nil
		}
	}
	return c
}
