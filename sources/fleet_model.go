package sources

import (
	"sort"
	"time"

	"github.com/stacktui/stacktui/haproxy"
)

// The fleet's values (what sources/fleet reads from many hosts' HAProxy)
// live here, with the other sources' snapshots, so that package state can
// join them without importing the poller and its connections.

// EndpointKind is how a fleet host's HAProxy is read.
type EndpointKind string

// The ways to read a fleet host's HAProxy.
const (
	EndpointHTTP   EndpointKind = "http" // the stats page's CSV (http or https)
	EndpointSocket EndpointKind = "tcp"  // a TCP stats socket, `show stat`
)

// FleetTarget is one fleet host and how to read its HAProxy.
type FleetTarget struct {
	// Host is the host as the fleet knows it: the list's entry or the
	// registered host. It names the host's row.
	Host string
	Kind EndpointKind
	// Endpoint is the stats page URL (EndpointHTTP) or "host:port"
	// (EndpointSocket).
	Endpoint string
}

// FleetHost is what one fleet host's HAProxy showed (sources/fleet reads it). It is a value: a published one is
// never modified.
type FleetHost struct {
	FleetTarget
	// Stats is the last good read, nil until one succeeded.
	Stats *haproxy.Stats
	// Err is the last poll's error in words, "" when it succeeded; with an
	// error, Stats is as of LastGood.
	Err string
	// At is when the last poll ended; LastGood when one last succeeded.
	At, LastGood time.Time
	// Took is how long the last poll took.
	Took time.Duration
	// Polling is when a poll still running started, zero when none is: a
	// slow host shows here instead of holding the others up.
	Polling time.Time
	// FirstRead is when Stats was first read.
	FirstRead time.Time
	// Changed maps each backend to when its server set (names, addresses
	// and which are in MAINT) was last seen to change. A backend unchanged
	// since the first read has FirstRead: "unchanged at least since".
	Changed map[string]time.Time
	// Failures counts consecutive failed polls.
	Failures int
}

// Reachable reports whether the last poll succeeded.
func (h *FleetHost) Reachable() bool { return h.Err == "" && h.Stats != nil }

// Age is how old the host's figures are at now: zero when never read.
func (h *FleetHost) Age(now time.Time) time.Duration {
	if h.LastGood.IsZero() {
		return 0
	}
	return now.Sub(h.LastGood)
}

// FleetSnapshot is the fleet as last seen, hosts ordered by Host. Immutable once
// published.
type FleetSnapshot struct {
	At      time.Time
	Refresh time.Duration
	Hosts   []FleetHost
}

// Host returns the named host's entry, or nil.
func (s *FleetSnapshot) Host(name string) *FleetHost {
	i := sort.Search(len(s.Hosts), func(i int) bool { return s.Hosts[i].Host >= name })
	if i < len(s.Hosts) && s.Hosts[i].Host == name {
		return &s.Hosts[i]
	}
	return nil
}

// Reachable counts hosts whose last poll succeeded.
func (s *FleetSnapshot) Reachable() int {
	n := 0
	for i := range s.Hosts {
		if s.Hosts[i].Reachable() {
			n++
		}
	}
	return n
}
