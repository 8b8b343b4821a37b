// Package state is stacktui's pure logic: it joins registry registrations to
// HAProxy servers by Synapse's naming rules, diagnoses every drift between
// them in words, derives events from successive joins, and keeps bounded
// history. It does no I/O and imports no client.
package state

import (
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Code is a stable diagnosis code, as printed in JSON and used in `check`.
type Code string

// Diagnosis codes, in no particular order; Severity ranks them.
const (
	CodeOK               Code = "ok"
	CodeDown             Code = "down"
	CodeMaint            Code = "maint"
	CodeDrain            Code = "drain"
	CodeMissingInHAProxy Code = "missing_in_haproxy"
	CodeStaleInHAProxy   Code = "stale_in_haproxy"
	CodeDeregistered     Code = "deregistered"
	CodeNoRegistrations  Code = "no_registrations"
	CodeDuplicate        Code = "duplicate"
	CodeFlapping         Code = "flapping"
	CodeWeightMismatch   Code = "weight_mismatch"
	CodeMalformed        Code = "malformed"
	CodeRegistryStale    Code = "registry_stale"
	CodeHAProxyStale     Code = "haproxy_unreachable"
	CodeMatchedByAddr    Code = "matched_by_addr"
	// CodeStaleSession marks a registration owned by a ZooKeeper session that
	// also holds an older duplicate of another session's registration: most
	// likely a dead Nerve's leftover that vanishes when that session expires.
	CodeStaleSession Code = "stale_session"
)

// Diagnosis is one finding: a stable code and one plain sentence that says what
// it means and what to check.
type Diagnosis struct {
	Code Code   `json:"code"`
	Text string `json:"text"`
}

// Config is what the join needs to know beyond the snapshots.
type Config struct {
	// Backends maps a service key to its HAProxy backend name
	// (Synapse's haproxy.backend_name); absent keys use the service key.
	Backends map[string]string
	// WeightsApplied says whether Synapse applies registry weights to HAProxy
	// (use_nerve_weights); weight_mismatch is only diagnosed when true.
	WeightsApplied bool
	// FlapChanges and FlapWindow: more than FlapChanges state changes within
	// FlapWindow is flapping. Zero values use defaults (4 in 5 minutes).
	FlapChanges int
	FlapWindow  time.Duration
	Now         time.Time
	// History, when set, is consulted (read only) for flapping; the caller
	// records each View in it with Observe after the join.
	History *History
	// Maintenance, when set, is the durable maintenance in force on this
	// host (maintenance.go): instances it takes down are diagnosed
	// "maintenance", not "deregistered".
	Maintenance *sources.Maintenance
}

// Seen is one HAProxy socket's view of one instance.
type Seen struct {
	Socket string       // the socket's label
	Row    *haproxy.Row // nil when this socket has no matching server
	// ByAddr is true when the server was found by address, not by name.
	ByAddr bool
}

// Instance is one registered instance joined with what each HAProxy socket
// shows for it, or (with Registration nil) a server HAProxy has that no
// registration explains.
type Instance struct {
	Key          string                // stable identity for selection: backend + "/" + server name
	Server       string                // the HAProxy server name Synapse would use
	Registration *sources.Registration // nil for a server that is not registered
	Duplicates   []*sources.Registration
	HAProxy      []Seen // one per configured socket, in socket order
	Diagnoses    []Diagnosis
	Worst        Code
	// Maintenance is the durable maintenance of this host that takes this
	// instance down (Config.Maintenance), or nil.
	Maintenance []sources.MaintenanceEntry
}

// Summary is a service's roll-up.
type Summary struct {
	Registered int            `json:"registered"`
	Up         int            `json:"up"` // instances UP on every socket that could be read
	UpBySocket map[string]int `json:"up_by_socket,omitempty"`
	Worst      Code           `json:"worst"`
	// Traffic, from the backend's aggregate row summed over sockets (see
	// trafficFromAggregates); ReqRate is the service frontend's request rate.
	SCur    int64 `json:"scur"`
	ReqRate int64 `json:"req_rate"`
	Rate    int64 `json:"rate"`
	Hrsp5xx int64 `json:"hrsp_5xx"`
}

// Service is one service joined: its backend name and instances.
type Service struct {
	Name      string
	Backend   string
	Instances []Instance  // registered ones first, ordered by server name, then unregistered
	Diagnoses []Diagnosis // service-level findings (no_registrations, registry_stale, ...)
	Summary   Summary
}

// View is the joined state of everything stacktui sees at one moment.
type View struct {
	At       time.Time
	Registry *sources.Snapshot   // nil when no registry is configured
	HAProxy  []*haproxy.Snapshot // in --haproxy order
	Services []Service           // ordered by name
	// Diagnoses are findings about the sources themselves (registry_stale,
	// haproxy_unreachable), also repeated on every service they affect.
	Diagnoses []Diagnosis
	// Maintenance is Config.Maintenance: this host's durable maintenance.
	Maintenance *sources.Maintenance
}
