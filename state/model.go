// Package state is stacktui's pure logic: it joins registry registrations to
// HAProxy servers by Synapse's naming rules, diagnoses every drift between
// them in words, derives events from successive joins, and keeps bounded
// history. It does no I/O and imports no client.
package state

import (
	"strconv"
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
	// (use_nerve_weights) for the services Weights does not list;
	// weight_mismatch is only diagnosed where Synapse applies weights.
	WeightsApplied bool
	// Weights is each Synapse service's weight rule (FromSynapse fills it).
	Weights map[string]WeightRule
	// FlapEpisodes and FlapWindow: FlapEpisodes or more separate failure
	// episodes starting within FlapWindow is flapping (see Episode). Zero
	// values use the defaults, 3 in 10 minutes.
	FlapEpisodes int
	FlapWindow   time.Duration
	Now          time.Time
	// History, when set, is consulted (read only) for flapping; the caller
	// records each View in it with Observe after the join.
	History *History
	// Maintenance, when set, is the durable maintenance in force on this
	// host (maintenance.go): instances it takes down are diagnosed
	// "maintenance", not "deregistered".
	Maintenance *sources.Maintenance
}

// Seen is one HAProxy socket's view of one instance: Instance.HAProxy[i]
// is what socket View.HAProxy[i] shows (View.SocketLabel names it).
type Seen struct {
	Row *haproxy.Row // nil when this socket has no matching server
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
	HAProxy      []Seen                // one per configured socket, in socket order
	Diagnoses    []Diagnosis
	Worst        Code
	// Rare holds what few instances have (duplicates, a recent
	// registration change, durable maintenance); nil for the others, which
	// at 50,000 servers saves 3 MB a view. Read it through Duplicates,
	// RegChanged and Maintenance.
	Rare *InstanceRare
}

// InstanceRare is the part of an Instance most instances do without.
type InstanceRare struct {
	// Duplicates are the instance's other registrations (same host:port),
	// newest first after Registration.
	Duplicates []*sources.Registration
	// RegChanged is when the instance was last seen being registered or
	// deregistered (Config.History's record; zero when unknown). Join fills
	// it only where words depend on it: a registered server still in MAINT,
	// an unregistered one HAProxy still routes to.
	RegChanged time.Time
	// Maintenance is the durable maintenance of this host that takes this
	// instance down (Config.Maintenance), or nil.
	Maintenance []sources.MaintenanceEntry
}

// Duplicates returns Rare.Duplicates, nil without Rare.
func (in *Instance) Duplicates() []*sources.Registration {
	if in.Rare == nil {
		return nil
	}
	return in.Rare.Duplicates
}

// RegChanged returns Rare.RegChanged, zero without Rare.
func (in *Instance) RegChanged() time.Time {
	if in.Rare == nil {
		return time.Time{}
	}
	return in.Rare.RegChanged
}

// Maintenance returns Rare.Maintenance, nil without Rare.
func (in *Instance) Maintenance() []sources.MaintenanceEntry {
	if in.Rare == nil {
		return nil
	}
	return in.Rare.Maintenance
}

// rare returns in.Rare, made if needed. Copies of an Instance share Rare:
// only the join that made in may write through it.
func (in *Instance) rare() *InstanceRare {
	if in.Rare == nil {
		in.Rare = &InstanceRare{}
	}
	return in.Rare
}

// Summary is a service's roll-up.
type Summary struct {
	// Registered counts registered instances: distinct host:port among the
	// well-formed registrations Synapse takes. Duplicates counts the
	// registrations beyond one per instance (a restarted Nerve's old session
	// holds a second one until it expires): 3 instances registered twice
	// each are Registered 3, Duplicates 3, never 6.
	Registered int `json:"registered"`
	Duplicates int `json:"duplicates,omitempty"`
	// RegistryUnknown: a registry is configured but has never been read
	// completely, so Registered (0) means nothing yet.
	RegistryUnknown bool `json:"registry_unknown,omitempty"`
	Up              int  `json:"up"` // instances UP with a weight above 0 on every socket that could be read
	// Drained counts the instances counted by Registered (every instance
	// without a registry) that some readable socket has in DRAIN, NOLB or
	// UP with weight 0: deliberately taking no new traffic, so not capacity.
	Drained    int            `json:"drained,omitempty"`
	UpBySocket map[string]int `json:"up_by_socket,omitempty"`
	Worst      Code           `json:"worst"`
	// Traffic, from the backend's aggregate row summed over sockets (see
	// trafficFromAggregates); ReqRate is the service frontend's request rate.
	SCur    int64 `json:"scur"`
	ReqRate int64 `json:"req_rate"`
	Rate    int64 `json:"rate"`
	Hrsp5xx int64 `json:"hrsp_5xx"`
	// TrafficStale: some of these figures are from a socket whose last read
	// failed, so they are its last good ones, not current.
	TrafficStale bool `json:"traffic_stale,omitempty"`
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

// SocketLabel names socket i of the view (View.HAProxy[i], and every
// instance's HAProxy[i]): its --haproxy label, or its address.
func (v *View) SocketLabel(i int) string {
	if v.HAProxy[i] == nil {
		return ""
	}
	return labelOf(v.HAProxy[i])
}

// socketLabels are the view's SocketLabels in order.
func (v *View) socketLabels() []string {
	out := make([]string, len(v.HAProxy))
	for i := range v.HAProxy {
		out[i] = v.SocketLabel(i)
	}
	return out
}

// RegText renders the registered count for a table cell: "3", "3 +3dup"
// when registrations are duplicated, "?" when the registry was never read.
func (s Summary) RegText() string {
	if s.RegistryUnknown {
		return "?"
	}
	if s.Duplicates == 0 {
		return strconv.Itoa(s.Registered)
	}
	return strconv.Itoa(s.Registered) + " +" + strconv.Itoa(s.Duplicates) + "dup"
}
