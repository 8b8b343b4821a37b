package zookeeper

import (
	"fmt"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// onEvent is the client's event callback: it must never block, so it only
// records session states and queues everything for the engine.
func (s *Source) onEvent(gen uint64, ev zk.Event) {
	if gen != s.gen.Load() {
		return // from a client the engine has replaced
	}
	if ev.Type == zk.EventNotWatching {
		return // the engine resyncs on the next session instead
	}
	if ev.Type == zk.EventSession {
		s.onSession(ev.State)
	}
	s.qmu.Lock()
	s.queue = append(s.queue, ev)
	s.qmu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// takeQueue hands the engine everything queued so far.
func (s *Source) takeQueue() []zk.Event {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

// onSession turns a client state into the snapshot's connection state.
// "connected" is set by the engine only once a full read has finished.
func (s *Source) onSession(st zk.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.sessSeq++
	s.sessState = st
	prev := s.state
	var next sources.ConnState
	var why string
	switch st {
	case zk.StateExpired:
		next = sources.StateExpired
		why = fmt.Sprintf("ZooKeeper session expired (no contact with %s for longer than the session timeout); opening a new session and re-reading everything", s.addr)
	case zk.StateAuthFailed:
		next = sources.StateAuthFailed
		why = fmt.Sprintf("ZooKeeper %s rejected the authentication: check --zk-auth-file (digest user:password)", s.addr)
	case zk.StateDisconnected:
		next = sources.StateDisconnected
		why = fmt.Sprintf("lost the connection to ZooKeeper %s; showing the last known registry (stale) while reconnecting", s.addr)
	case zk.StateConnecting, zk.StateConnected, zk.StateHasSession:
		next = sources.StateConnecting
		if s.synced {
			next = sources.StateReconnecting
		}
		if prev == sources.StateExpired || prev == sources.StateAuthFailed {
			return // keep the reason visible until the resync finishes
		}
		if st == zk.StateConnecting && prev == next {
			return // the client retries every second: not news
		}
		if next == sources.StateReconnecting {
			why = fmt.Sprintf("reconnecting to ZooKeeper %s; the registry shown is stale", s.addr)
		} else {
			why = ""
		}
	default:
		return
	}
	if prev == sources.StateConnected && next != sources.StateConnected {
		s.lastGood = time.Now() // the watches kept the data good until now
	}
	// The client alternates between disconnected and connecting at every
	// retry while the server is away: one outage, one event, one reason.
	outage := retrying(prev) && retrying(next)
	if outage {
		why = s.err
	}
	if next == prev && why == s.err {
		return
	}
	s.state, s.err = next, why
	var evs []sources.Event
	if next != prev && !outage {
		msg := "ZooKeeper " + string(next)
		if why != "" {
			msg = why
		}
		evs = append(evs, s.connEvent(msg))
	}
	s.publishLocked(evs)
}

// retrying reports whether a state is part of an outage the client is
// retrying through.
func retrying(st sources.ConnState) bool {
	return st == sources.StateDisconnected || st == sources.StateReconnecting
}

// resetSession forgets the replaced client's session state, so the engine
// waits for the new client's session before reading.
func (s *Source) resetSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessSeq++
	s.sessState = zk.StateConnecting
}

// noteExpired shows that the last session expired during an outage of d;
// the full read that follows clears it.
func (s *Source) noteExpired(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.state == sources.StateExpired {
		return
	}
	s.state = sources.StateExpired
	s.err = fmt.Sprintf("ZooKeeper session expired: no contact with %s for %v, longer than the %v session timeout; re-reading everything on a new session",
		s.addr, d.Round(100*time.Millisecond), s.opts.SessionTimeout)
	s.publishLocked([]sources.Event{s.connEvent(s.err)})
}

// noteConnectError keeps the client's last dial failure for the status text.
func (s *Source) noteConnectError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.connErr == msg {
		return
	}
	s.connErr = msg
	if s.state != sources.StateConnected {
		s.publishLocked(nil)
	}
}

func (s *Source) connEvent(msg string) sources.Event {
	return sources.Event{At: time.Now(), Kind: sources.EventConnState, Source: sources.KindZooKeeper, Message: msg}
}
