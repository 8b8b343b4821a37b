package state

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

func TestRegistryEvents(t *testing.T) {
	snap := func(sec int, st sources.ConnState, good int, err string) *sources.Snapshot {
		s := &sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: st, Err: err,
			At: t0.Add(time.Duration(sec) * time.Second), Synced: good >= 0}
		if good >= 0 {
			s.LastGood = t0.Add(time.Duration(good) * time.Second)
		}
		return s
	}
	connecting := snap(0, sources.StateConnecting, -1, "")
	if evs := RegistryEvents(nil, connecting); len(evs) != 0 {
		t.Errorf("connecting at start: %+v", evs)
	}
	up := snap(1, sources.StateConnected, 1, "")
	lost := snap(5, sources.StateReconnecting, 4, "dial tcp zk:2181: connection refused")
	expired := snap(40, sources.StateExpired, 4, "session expired")
	back := snap(42, sources.StateConnected, 42, "")
	for _, c := range []struct {
		prev, next *sources.Snapshot
		from, to   string
		text       string
	}{
		{connecting, up, "connecting", "connected", "connected to ZooKeeper zk:2181."},
		{up, lost, "connected", "reconnecting", "lost ZooKeeper zk:2181 (reconnecting): dial tcp zk:2181: connection refused; showing the last known registrations."},
		{lost, expired, "reconnecting", "session_expired", "ZooKeeper zk:2181 session_expired: session expired."},
		{expired, back, "session_expired", "connected", "ZooKeeper zk:2181 reachable again after 38s (session_expired); registrations re-read."},
	} {
		evs := RegistryEvents(c.prev, c.next)
		if len(evs) != 1 || evs[0].Kind != EventConnection || evs[0].Source != "zookeeper" || evs[0].From != c.from ||
			evs[0].To != c.to || evs[0].Text != c.text || !evs[0].At.Equal(c.next.At) {
			t.Errorf("%s -> %s: %+v", c.from, c.to, evs)
		}
	}
	if evs := RegistryEvents(up, snap(2, sources.StateConnected, 2, "")); len(evs) != 0 {
		t.Errorf("no change: %+v", evs)
	}
}

func TestHAProxyEvents(t *testing.T) {
	snap := func(sec, pid int, err string) *haproxy.Snapshot {
		s := &haproxy.Snapshot{Label: "main", Address: "/run/haproxy.sock", At: t0.Add(time.Duration(sec) * time.Second)}
		if err != "" {
			s.Err = errors.New(err)
		}
		if pid > 0 {
			s.Info = &haproxy.Info{Version: "2.6.12", PID: pid}
			s.Stats = &haproxy.Stats{}
			s.LastGood = s.At
		}
		return s
	}
	placeholder := &haproxy.Snapshot{Label: "main", Address: "/run/haproxy.sock"}
	if evs := HAProxyEvents(nil, placeholder); len(evs) != 0 {
		t.Errorf("not polled yet: %+v", evs)
	}
	if evs := HAProxyEvents(placeholder, snap(1, 0, "connection refused")); len(evs) != 1 || evs[0].To != "unreachable" ||
		evs[0].Text != "HAProxy main unreachable: connection refused." {
		t.Errorf("never reached: %+v", evs)
	}
	first := snap(1, 100, "")
	if evs := HAProxyEvents(placeholder, first); len(evs) != 1 || evs[0].Kind != EventConnection || evs[0].To != "up" ||
		evs[0].Text != "connected to HAProxy main (/run/haproxy.sock): HAProxy 2.6.12, pid 100." {
		t.Errorf("first read: %+v", evs)
	}
	down := *first
	down.At, down.Err = t0.Add(3*time.Second), errors.New("connection refused")
	if evs := HAProxyEvents(first, &down); len(evs) != 1 || evs[0].From != "up" || evs[0].To != "unreachable" ||
		!strings.HasPrefix(evs[0].Text, "lost HAProxy main: connection refused") {
		t.Errorf("lost: %+v", evs)
	}
	still := down
	still.Err = errors.New("no such file or directory")
	if evs := HAProxyEvents(&down, &still); len(evs) != 0 {
		t.Errorf("still down: %+v", evs)
	}
	// Back with a new process: reachable again, then reloaded.
	evs := HAProxyEvents(&still, snap(9, 200, ""))
	if len(evs) != 2 || evs[0].Text != "HAProxy main reachable again after 8s." || evs[1].Kind != EventReload ||
		evs[1].From != "100" || evs[1].To != "200" || evs[1].Socket != "main" || evs[1].Source != SourceHAProxy {
		t.Errorf("back: %+v", evs)
	}
	if evs := HAProxyEvents(first, snap(2, 100, "")); len(evs) != 0 {
		t.Errorf("the same process polled again: %+v", evs)
	}
}

// TestEventsWaitForTheRegistrysFirstRead: Events does not report every
// registration when the registry's first complete read arrives, and it
// sets each event's Source.
func TestEventsWaitForTheRegistrysFirstRead(t *testing.T) {
	unsynced := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnecting}
	h := hap("local", srv("svc", a1, "UP"))
	before := Join(unsynced, []*haproxy.Snapshot{h}, Config{Now: t0})
	synced := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080))
	loaded := Join(synced, []*haproxy.Snapshot{h}, Config{Now: t0})
	if evs := Events(before, loaded); len(evs) != 0 {
		t.Errorf("the first read: %+v", evs)
	}
	down := hap("local", srv("svc", a1, "DOWN"))
	next := Join(zk([]string{"svc"}), []*haproxy.Snapshot{down}, Config{Now: t0})
	evs := Events(loaded, next)
	if len(evs) != 2 || evs[0].Kind != EventDeregistered || evs[0].Source != "zookeeper" ||
		evs[1].Kind != EventState || evs[1].Source != SourceHAProxy {
		t.Errorf("events %+v", evs)
	}
}

func TestSourceEvent(t *testing.T) {
	if e, ok := SourceEvent(sources.Event{At: t0, Kind: sources.EventUser, Source: sources.KindSerf, Message: "user event deploy"}); !ok ||
		e.Kind != EventUser || e.Source != "serf" || e.Text != "user event deploy." {
		t.Errorf("user event: %+v %v", e, ok)
	}
	if _, ok := SourceEvent(sources.Event{Kind: sources.EventRegistered}); ok {
		t.Error("a registration passed through: those come from Events")
	}
}
