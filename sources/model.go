// Package sources turns the outside world into immutable snapshots and events:
// Nerve registrations in ZooKeeper (by watches), Serf members and tags (by the
// RPC stream), HAProxy stats sockets (by polling haproxy/client), and the
// host's own Synapse and Nerve configuration files. It only reads: nothing in
// this package writes to ZooKeeper, Serf or HAProxy.
package sources

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Kind names a registry flavour.
type Kind string

// Registry kinds.
const (
	KindZooKeeper Kind = "zookeeper"
	KindSerf      Kind = "serf"
)

// ConnState is a source's connection state, as data the UI can show.
type ConnState string

// Connection states.
const (
	StateConnecting   ConnState = "connecting"
	StateConnected    ConnState = "connected"
	StateReconnecting ConnState = "reconnecting"
	StateExpired      ConnState = "session_expired"
	StateAuthFailed   ConnState = "auth_failed"
	StateDisconnected ConnState = "disconnected"
	StateClosed       ConnState = "closed"
)

// Registration is one registered instance of a service: a Nerve znode, or one
// `smart:<svc>` tag of a Serf member. It is a value; never modify a published one.
type Registration struct {
	Service string // service key: the ZK parent's name, or the Serf tag's <svc>
	Name    string // Nerve "name" (instance_id); for Serf, the member (node) name
	Host    string
	Port    int
	// Weight is the registered weight; HasWeight says whether one was given.
	Weight    int
	HasWeight bool
	// HAProxyServerOptions is Nerve's haproxy_server_options, e.g. "backup".
	HAProxyServerOptions string
	Labels               map[string]string

	// ZooKeeper only.
	Path  string    // full znode path
	Node  string    // child name, e.g. "host_0000000003" or "base64_..._0000000003"
	Seq   int64     // sequence suffix, -1 when the name has none
	Ctime time.Time // znode creation time
	Mtime time.Time
	Owner int64 // ephemeralOwner session id; 0 for persistent nodes
	// Version is the znode's data version (ZooKeeper's stat.version); a
	// trace records it.
	Version int32
	// Raw is the znode data as read: the whole payload of any znode the
	// client can read (see zookeeper.MaxRaw), so that a recording is exact.
	Raw []byte

	// Serf only.
	Member       string // Serf member name
	MemberStatus string // alive, leaving, left, failed
	MemberAddr   string
	Tag          string // the tag key, e.g. "smart:svc_a_31001"

	DataLen int // size of the raw payload in bytes
	// Malformed is the reason the registration could not be decoded, or "".
	// A malformed registration is kept (never dropped) with what could be read.
	Malformed string
}

// Addr is "host:port".
func (r *Registration) Addr() string { return joinHostPort(r.Host, r.Port) }

// ID identifies the registration within its registry: the znode path for ZooKeeper,
// member+tag for Serf.
func (r *Registration) ID() string {
	if r.Path != "" {
		return r.Path
	}
	return r.Member + "|" + r.Tag
}

// Service is one service key and its registrations, ordered by ID.
type Service struct {
	Name string
	// Path is the ZooKeeper parent of the registrations ("" for Serf).
	Path          string
	Registrations []Registration
	// Err is a per-service read error (e.g. the path vanished), or "".
	Err string
	// Data is the service znode's own data (<root>/<service>, usually
	// empty), for a recording; nil when unknown (services given by Synapse
	// discovery paths, or Serf).
	Data []byte
}

// Snapshot is the whole registry as last seen. It is immutable once published.
type Snapshot struct {
	Kind    Kind
	Address string // the ensemble ("zk1:2181,zk2:2181") or the Serf RPC address
	State   ConnState
	Err     string // last error in words, with what to check; "" when fine
	// At is when this snapshot was built; LastGood is when the registry was last
	// read successfully. When State is not connected the data is stale since LastGood.
	At       time.Time
	LastGood time.Time
	Services []Service // ordered by Name
	// Members is the Serf member list (nil for ZooKeeper).
	Members []Member
	// Agent is, for Serf, the name of the member whose agent Address is: the
	// one member whose tags an RPC to Address can change. "" when unknown.
	Agent string
	// Synced is false until the first full read has completed.
	Synced bool
}

// Stale reports whether the snapshot no longer reflects the live registry.
func (s *Snapshot) Stale() bool { return s.State != StateConnected || !s.Synced }

// Age is how long ago the data was last known good, measured from now.
func (s *Snapshot) Age(now time.Time) time.Duration {
	if s.LastGood.IsZero() {
		return 0
	}
	return now.Sub(s.LastGood)
}

// Member is a Serf cluster member.
type Member struct {
	Name   string
	Addr   string // ip:port
	Status string // alive, leaving, left, failed
	Tags   map[string]string
}

// EventKind classifies a registry event.
type EventKind string

// Registry event kinds.
const (
	EventRegistered   EventKind = "registered"
	EventDeregistered EventKind = "deregistered"
	EventChanged      EventKind = "changed"
	EventConnState    EventKind = "connection"
	EventMember       EventKind = "member"     // Serf member join/leave/failed/update/reap
	EventUser         EventKind = "user_event" // Serf user event
	EventResync       EventKind = "resync"
)

// Event is one change seen in a registry.
type Event struct {
	At      time.Time
	Kind    EventKind
	Source  Kind
	Service string
	// Registration is set for registered/deregistered/changed.
	Registration *Registration
	Message      string // one plain sentence
}

// Update is what a live registry source publishes: the new full snapshot and
// the events that led to it (possibly none).
type Update struct {
	Snapshot Snapshot
	Events   []Event
}

// Registry is a live registry source. Updates is closed when the source is closed.
type Registry interface {
	Updates() <-chan Update
	// Current returns the latest snapshot without waiting.
	Current() Snapshot
	Close() error
}

// Browser reads any path of a hierarchical registry (the ZooKeeper tree), for
// the UI's registry view, without exposing the client.
type Browser interface {
	Children(path string) ([]string, error)
	Get(path string) (data []byte, stat NodeStat, err error)
}

// NodeStat is the metadata of a znode.
type NodeStat struct {
	Czxid, Mzxid      int64
	Ctime, Mtime      time.Time
	Version, Cversion int32
	EphemeralOwner    int64
	DataLength        int32
	NumChildren       int32
}

// ServerHealth is one ZooKeeper ensemble member's four-letter-word report.
type ServerHealth struct {
	Address string
	At      time.Time
	OK      bool   // answered ruok with imok
	Err     string // why it could not be read, with what to do (e.g. 4lw whitelist)
	Mode    string // leader, follower, standalone, observer
	Version string
	// From srvr/mntr.
	LatencyMin, LatencyAvg, LatencyMax float64 // ms
	Outstanding                        int64
	Znodes, Watches, Connections       int64
	EphemeralsCount                    int64
	Raw                                map[string]string // every mntr key
}

// TagChanges says which of a Serf member's tags changed, for events:
// "smart:serverweight=0 added", "smart:svc_a_24001 removed (was
// 127.0.0.1:24001)", "smart:serverweight 50 -> 0".
func TagChanges(old, cur map[string]string) string {
	keys := slices.Collect(maps.Keys(old))
	for k := range cur {
		if _, ok := old[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		o, hadOld := old[k]
		n, hasNew := cur[k]
		switch {
		case !hadOld:
			parts = append(parts, k+"="+n+" added")
		case !hasNew:
			parts = append(parts, k+" removed (was "+o+")")
		case o != n:
			parts = append(parts, k+" "+o+" -> "+n)
		}
	}
	return strings.Join(parts, ", ")
}
