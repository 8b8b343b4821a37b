package state

import (
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// DefaultFleetGrace is how long a host may disagree with the registry
// before the disagreement counts as overdue: Synapse reacts to a registry
// change within seconds (a socket command, or a reload), so half a minute
// leaves room for its restart_interval and one of our polls.
const DefaultFleetGrace = 30 * time.Second

// FleetConfig is what the fleet join needs beyond the snapshots.
type FleetConfig struct {
	// Backends maps a service key to its HAProxy backend name, as in Config.
	Backends map[string]string
	// Grace is how long a disagreement lasts before it is overdue (and a
	// host whose backend has not changed since the registry did is called
	// stuck); DefaultFleetGrace when zero.
	Grace time.Duration
	Now   time.Time
	// History, when set, is consulted (read only) for when each registry
	// service last changed and since when each disagreement has been seen;
	// the caller records each FleetView in it with Observe after the join.
	History *FleetHistory
}

// HostState is what one host's HAProxy does with one instance.
type HostState uint8

// Host states, as counted in FleetCounts.
const (
	// HostUnknown: the host could not be read, so nothing is known.
	HostUnknown HostState = iota
	// HostNoBackend: the host has no such backend (it is not a client of
	// the service); it is left out of the counts.
	HostNoBackend
	// HostAbsent: the host has the backend but no server for the instance:
	// it does not route to it at all.
	HostAbsent
	HostUp    // UP (also UP x/y) or no check: takes new traffic
	HostDown  // failing its health checks
	HostMaint // in maintenance (Synapse disables deregistered servers so)
	HostDrain // finishing its sessions, no new traffic
	HostOther // NOLB or a status this version does not know
)

// String names the state as the fleet view prints it.
func (s HostState) String() string {
	switch s {
	case HostNoBackend:
		return "no backend"
	case HostAbsent:
		return "not at all"
	case HostUp:
		return "UP"
	case HostDown:
		return "DOWN"
	case HostMaint:
		return "MAINT"
	case HostDrain:
		return "DRAIN"
	case HostOther:
		return "other"
	}
	return "unknown"
}

// hostState reads a server row's status.
func hostState(r *haproxy.Row) HostState {
	switch classify(r) {
	case classUp:
		return HostUp
	case classDown:
		return HostDown
	case classMaint:
		return HostMaint
	case classDrain:
		return HostDrain
	}
	return HostOther
}

// FleetCounts counts the hosts by what they do with one instance. Hosts
// without the service's backend are not counted.
type FleetCounts struct {
	Up      int `json:"up"`
	Down    int `json:"down"`
	Maint   int `json:"maint"`
	Drain   int `json:"drain"`
	Other   int `json:"other"`
	Absent  int `json:"absent"`  // the backend has no server for it
	Unknown int `json:"unknown"` // the host could not be read
}

// Readable is the number of hosts read that have the backend.
func (c FleetCounts) Readable() int { return c.Up + c.Down + c.Maint + c.Drain + c.Other + c.Absent }

func (c *FleetCounts) add(s HostState) {
	switch s {
	case HostUnknown:
		c.Unknown++
	case HostAbsent:
		c.Absent++
	case HostUp:
		c.Up++
	case HostDown:
		c.Down++
	case HostMaint:
		c.Maint++
	case HostDrain:
		c.Drain++
	case HostOther:
		c.Other++
	}
}

// FleetKind classifies how a host disagrees with the registry.
type FleetKind string

// Kinds of fleet disagreement.
const (
	// FleetMissing: registered, but the host's backend has no server for
	// it: that host does not know the new instance.
	FleetMissing FleetKind = "missing"
	// FleetNotEnabled: registered, but in MAINT on that host: an operator's
	// maintenance on that HAProxy, or its Synapse failed to enable it.
	FleetNotEnabled FleetKind = "not_enabled"
	// FleetStale: not registered (any more), yet the host has not disabled
	// or removed it; Routing says whether it still takes new traffic there.
	FleetStale FleetKind = "stale"
)

// FleetFinding is one host disagreeing with the registry about one instance.
type FleetFinding struct {
	Host   string    `json:"host"`
	Kind   FleetKind `json:"kind"`
	Status string    `json:"status,omitempty"` // the host's status for it; "" when absent
	// Routing: the host sends it new traffic (its status is UP).
	Routing bool `json:"routing"`
	// Since is when the disagreement began as far as is known: the
	// registration's time for a missing instance, else when it was first
	// seen (zero when unknown, e.g. in a one-shot read without history).
	Since time.Time `json:"since,omitzero"`
	// Overdue: it has lasted longer than the grace period.
	Overdue bool `json:"overdue"`
	// Stuck: the host's backend has not changed since the registry last
	// changed for this service, more than the grace period ago.
	Stuck bool   `json:"stuck"`
	Text  string `json:"text"`
}

// FleetInstance is one instance (registered, or a server some host has
// that nothing registers) as the whole fleet routes it.
type FleetInstance struct {
	// Key is backend + "/" + server name: the same key as Instance.Key.
	Key    string
	Server string
	// Addr is "host:port" of the instance.
	Addr         string
	Registration *sources.Registration // nil when not registered
	// States is what each host does with it, in FleetView.Hosts order.
	States   []HostState
	Counts   FleetCounts
	Findings []FleetFinding // ordered by host
}

// FleetService is one service across the fleet.
type FleetService struct {
	Name, Backend string
	// Registered counts the live registrations (as Synapse takes them).
	Registered int
	// Hosts counts the hosts read that have the backend.
	Hosts     int
	Instances []FleetInstance // registered ones first, ordered by server name
	// Disagreeing counts the hosts with at least one finding here.
	Disagreeing int
	// KeptPrevious: nothing is registered, and hosts keep their previous
	// servers (Synapse's use_previous_backends): not a per-host fault.
	KeptPrevious bool
	// RegistryChanged is when the service's registrations last changed, as
	// far as is known (zero when unknown).
	RegistryChanged time.Time
}

// FleetHost is one host's standing.
type FleetHost struct {
	Name     string
	Endpoint string
	// Reachable: its last poll succeeded.
	Reachable bool
	Err       string
	LastGood  time.Time
	// Disagreements counts the instances it disagrees with the registry on.
	Disagreements int
	// Stuck lists the services for which the host looks stuck.
	Stuck []string
}

// FleetView is the fleet joined with the registry at one moment.
type FleetView struct {
	At        time.Time
	Registry  *sources.Snapshot // nil without a registry
	Grace     time.Duration
	Hosts     []FleetHost
	Services  []FleetService // ordered by name
	Reachable int
	// Diagnoses are findings about the sources (a stale registry).
	Diagnoses []Diagnosis
}

// Service returns the named service, or nil.
func (v *FleetView) Service(name string) *FleetService {
	for i := range v.Services {
		if v.Services[i].Name == name {
			return &v.Services[i]
		}
	}
	return nil
}

// Instance returns the instance with key (an Instance.Key) and its
// service, or nils.
func (v *FleetView) Instance(key string) (*FleetService, *FleetInstance) {
	backend, _, ok := strings.Cut(key, "/")
	if !ok {
		return nil, nil
	}
	for i := range v.Services {
		s := &v.Services[i]
		if s.Backend != backend {
			continue
		}
		for k := range s.Instances {
			if s.Instances[k].Key == key {
				return s, &s.Instances[k]
			}
		}
	}
	return nil, nil
}

// fleetHostIdx is one readable host's server rows by backend.
type fleetHostIdx struct {
	h        *sources.FleetHost
	backends map[string][]int32
}

// JoinFleet joins the registry (nil when none is configured) with every
// fleet host's HAProxy: per service and instance, what each host does with
// it, and which hosts disagree with the registry. Registrations match a
// host's server by Synapse's name, else by address (the stats page leaves
// addr empty without `stats show-legends`, so the address is also read from
// the server name, in either of Synapse's naming orders). It reads its
// inputs and never modifies them.
func JoinFleet(reg *sources.Snapshot, fs *sources.FleetSnapshot, cfg FleetConfig) *FleetView {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultFleetGrace
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	v := &FleetView{At: now, Registry: reg, Grace: cfg.Grace}
	var hosts []sources.FleetHost
	if fs != nil {
		hosts = fs.Hosts
	}
	idx := make([]*fleetHostIdx, len(hosts))
	v.Hosts = make([]FleetHost, len(hosts))
	for i := range hosts {
		h := &hosts[i]
		v.Hosts[i] = FleetHost{Name: h.Host, Endpoint: h.Endpoint, Reachable: h.Reachable(), Err: h.Err, LastGood: h.LastGood}
		if h.Reachable() {
			v.Reachable++
			idx[i] = indexFleetHost(h)
		}
	}
	if reg != nil && reg.Stale() {
		t := "the registry (" + string(reg.Kind) + " at " + reg.Address + ") is " + string(reg.State) +
			": hosts are compared with its last known state, from " + age(reg.Age(now)) + " ago"
		v.Diagnoses = append(v.Diagnoses, Diagnosis{CodeRegistryStale, sentence(t)})
	}
	j := &fleetJoiner{cfg: cfg, now: now, hosts: hosts, idx: idx, view: v}
	for _, b := range j.services(reg) {
		v.Services = append(v.Services, j.service(b))
	}
	for i := range v.Hosts {
		slices.Sort(v.Hosts[i].Stuck)
		v.Hosts[i].Stuck = slices.Compact(v.Hosts[i].Stuck)
	}
	return v
}

// indexFleetHost groups a host's server rows by backend. Rows come grouped
// by proxy: the map is looked up only when the proxy changes, and each
// backend gets a segment of one shared slice.
func indexFleetHost(h *sources.FleetHost) *fleetHostIdx {
	x := &fleetHostIdx{h: h, backends: map[string][]int32{}}
	rows := h.Stats.Rows
	all := make([]int32, 0, len(rows))
	cur, start := "", 0
	finish := func() {
		if start == len(all) {
			return
		}
		seg := all[start:len(all):len(all)]
		if prev := x.backends[cur]; prev != nil { // the proxy came back: copy, never share
			seg = append(prev[:len(prev):len(prev)], seg...)
		}
		x.backends[cur] = seg
	}
	for i := range rows {
		r := &rows[i]
		if r.Proxy != cur || i == 0 {
			finish()
			cur, start = r.Proxy, len(all)
		}
		switch r.Type {
		case haproxy.TypeServer:
			all = append(all, int32(i))
		case haproxy.TypeBackend:
			if _, ok := x.backends[r.Proxy]; !ok {
				x.backends[r.Proxy] = nil // an empty backend is still the service's
			}
		}
	}
	finish()
	return x
}

// fleetJoiner holds one JoinFleet's inputs.
type fleetJoiner struct {
	cfg   FleetConfig
	now   time.Time
	hosts []sources.FleetHost
	idx   []*fleetHostIdx
	view  *FleetView
}

// fleetBuild is one service's inputs.
type fleetBuild struct {
	name, backend string
	regs          []*sources.Registration
	registry      bool
}

// services lists the services to join, ordered by name: every registry
// service and Backends key, or without a registry every backend with
// servers on some host.
func (j *fleetJoiner) services(reg *sources.Snapshot) []*fleetBuild {
	by := map[string]*fleetBuild{}
	add := func(name, backend string) *fleetBuild {
		if b, ok := by[name]; ok {
			return b
		}
		b := &fleetBuild{name: name, backend: backend, registry: reg != nil}
		by[name] = b
		return b
	}
	if reg != nil {
		serf := reg.Kind == sources.KindSerf
		for i := range reg.Services {
			s := &reg.Services[i]
			name, backend := j.resolve(s.Name, serf)
			b := add(name, backend)
			for k := range s.Registrations {
				b.regs = append(b.regs, &s.Registrations[k])
			}
		}
		for name, backend := range j.cfg.Backends {
			add(name, backend)
		}
	} else {
		svcOf := map[string]string{}
		for svc, be := range j.cfg.Backends {
			svcOf[be] = svc
		}
		for _, x := range j.idx {
			if x == nil {
				continue
			}
			for be, rows := range x.backends {
				if len(rows) == 0 {
					continue
				}
				name := be
				if n, ok := svcOf[be]; ok {
					name = n
				}
				add(name, be)
			}
		}
	}
	out := make([]*fleetBuild, 0, len(by))
	for _, b := range by {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *fleetBuild) int { return strings.Compare(a.name, b.name) })
	return out
}

// resolve maps a registry service key to its service and backend as Join
// does: Backends first, and a Serf "<svc>_<port>" folds into "<svc>" when
// only that backend exists.
func (j *fleetJoiner) resolve(name string, serf bool) (svc, backend string) {
	if b, ok := j.cfg.Backends[name]; ok {
		return name, b
	}
	if serf && !j.anyBackend(name) {
		if p := stripPort(name); p != "" {
			if b, ok := j.cfg.Backends[p]; ok {
				return p, b
			}
			if j.anyBackend(p) {
				return p, p
			}
		}
	}
	return name, name
}

func (j *fleetJoiner) anyBackend(name string) bool {
	for _, x := range j.idx {
		if x != nil {
			if _, ok := x.backends[name]; ok {
				return true
			}
		}
	}
	return false
}

// service joins one service over every host.
func (j *fleetJoiner) service(b *fleetBuild) FleetService {
	s := FleetService{Name: b.name, Backend: b.backend}
	nh := len(j.hosts)

	// Registered instances: one per server name, the newest registration.
	type regEntry struct {
		server string
		r      *sources.Registration
	}
	var entries []regEntry
	for _, r := range b.regs {
		if r.Malformed != "" || !live(r) {
			continue
		}
		s.Registered++
		entries = append(entries, regEntry{ServerName(r), r})
		if !r.Ctime.IsZero() && r.Ctime.After(s.RegistryChanged) {
			s.RegistryChanged = r.Ctime // a registration is a registry change
		}
	}
	if h := j.cfg.History; h != nil {
		if t := h.serviceChanged(b.name); t.After(s.RegistryChanged) {
			s.RegistryChanged = t
		}
	}
	slices.SortFunc(entries, func(x, y regEntry) int {
		if c := strings.Compare(x.server, y.server); c != 0 {
			return c
		}
		switch {
		case newer(x.r, y.r):
			return -1
		case newer(y.r, x.r):
			return 1
		}
		return 0
	})
	entries = slices.CompactFunc(entries, func(x, y regEntry) bool { return x.server == y.server })
	s.Instances = make([]FleetInstance, len(entries))
	states := make([]HostState, len(entries)*nh)
	for i, e := range entries {
		s.Instances[i] = FleetInstance{Key: b.backend + "/" + e.server, Server: e.server,
			Addr: e.r.Addr(), Registration: e.r, States: states[i*nh : (i+1)*nh : (i+1)*nh]}
	}
	nreg := len(entries)
	s.KeptPrevious = b.registry && nreg == 0

	byName := make(map[string]int, nreg)
	byAddr := make(map[string]int, nreg)
	for i := range s.Instances {
		byName[s.Instances[i].Server] = i
		r := s.Instances[i].Registration
		byAddr[r.Host+":"+strconv.Itoa(r.Port)] = i
	}
	unreg := map[string]int{} // address (or name) -> instance index
	for hi := range j.hosts {
		x := j.idx[hi]
		if x == nil {
			for i := range s.Instances {
				s.Instances[i].States[hi] = HostUnknown
			}
			continue
		}
		rows, has := x.backends[b.backend]
		if !has {
			for i := range s.Instances {
				s.Instances[i].States[hi] = HostNoBackend
			}
			continue
		}
		s.Hosts++
		for i := 0; i < nreg; i++ {
			s.Instances[i].States[hi] = HostAbsent
		}
		// By name first for every row, then by address, so that an address
		// never takes a server another registration matches by name.
		seen := make([]bool, nreg)
		left := make([]int32, 0, len(rows))
		all := x.h.Stats.Rows
		for _, ri := range rows {
			if i, ok := byName[all[ri].Name()]; ok && !seen[i] {
				seen[i] = true
				s.Instances[i].States[hi] = hostState(&all[ri])
				continue
			}
			left = append(left, ri)
		}
		for _, ri := range left {
			r := &all[ri]
			addr := rowAddr(r)
			if i, ok := byAddr[addr]; ok && !seen[i] {
				seen[i] = true
				s.Instances[i].States[hi] = hostState(r)
				continue
			}
			key := addr
			if key == "" {
				key = r.Name()
			}
			k, ok := unreg[key]
			if !ok {
				k = len(s.Instances)
				unreg[key] = k
				st := make([]HostState, nh)
				for h := range st {
					st[h] = j.baseState(h, b.backend)
				}
				s.Instances = append(s.Instances, FleetInstance{Key: b.backend + "/" + r.Name(), Server: r.Name(), Addr: addr, States: st})
			}
			s.Instances[k].States[hi] = hostState(r)
		}
	}
	slices.SortFunc(s.Instances[nreg:], func(x, y FleetInstance) int { return strings.Compare(x.Server, y.Server) })

	disagreeing := make([]bool, nh)
	for i := range s.Instances {
		in := &s.Instances[i]
		for hi, st := range in.States {
			in.Counts.add(st)
			if st == HostNoBackend || st == HostUnknown {
				continue
			}
			if f, ok := j.finding(&s, in, hi, st, b.registry); ok {
				in.Findings = append(in.Findings, f)
				disagreeing[hi] = true
				j.view.Hosts[hi].Disagreements++
				if f.Stuck {
					j.view.Hosts[hi].Stuck = append(j.view.Hosts[hi].Stuck, s.Name)
				}
			}
		}
	}
	for _, d := range disagreeing {
		if d {
			s.Disagreeing++
		}
	}
	return s
}

// baseState is an unregistered server's state on a host before that host's
// rows are read: unknown, no backend, or absent.
func (j *fleetJoiner) baseState(hi int, backend string) HostState {
	x := j.idx[hi]
	if x == nil {
		return HostUnknown
	}
	if _, ok := x.backends[backend]; !ok {
		return HostNoBackend
	}
	return HostAbsent
}

// finding says whether host hi disagrees with the registry about in.
func (j *fleetJoiner) finding(s *FleetService, in *FleetInstance, hi int, st HostState, registry bool) (FleetFinding, bool) {
	if !registry {
		return FleetFinding{}, false
	}
	host := j.hosts[hi].Host
	f := FleetFinding{Host: host, Routing: st == HostUp}
	if st != HostAbsent {
		f.Status = st.String()
	}
	var what string
	switch {
	case in.Registration != nil && st == HostAbsent:
		f.Kind = FleetMissing
		what = host + " has no server for this registered instance in backend " + s.Backend + ": its Synapse has not added it"
		f.Since = in.Registration.Ctime
	case in.Registration != nil && st == HostMaint:
		f.Kind = FleetNotEnabled
		what = host + " has this registered instance in MAINT: an operator's maintenance on that host's HAProxy, or its Synapse failed to enable it"
	case in.Registration == nil && st != HostAbsent && st != HostMaint && !s.KeptPrevious:
		f.Kind = FleetStale
		what = host + " still has this unregistered server " + f.Status + ": its Synapse has not disabled or removed it"
		if f.Routing {
			what += ", and HAProxy there sends it new traffic"
		}
	default:
		return FleetFinding{}, false
	}
	if h := j.cfg.History; h != nil {
		if t, ok := h.firstSeen(host, in.Key, f.Kind); ok && (f.Since.IsZero() || t.Before(f.Since)) {
			f.Since = t
		}
	}
	if !f.Since.IsZero() {
		f.Overdue = j.now.Sub(f.Since) > j.cfg.Grace
		what += " (for " + age(j.now.Sub(f.Since)) + ")"
	}
	if f.Kind != FleetNotEnabled {
		f.Stuck, what = j.stuck(s, hi, what)
	}
	f.Text = period(what)
	return f, true
}

// stuck reports whether host hi's backend for s has not changed since the
// registry last changed for s, more than the grace period ago, and adds
// the evidence to what.
func (j *fleetJoiner) stuck(s *FleetService, hi int, what string) (bool, string) {
	rc := s.RegistryChanged
	if rc.IsZero() || j.now.Sub(rc) <= j.cfg.Grace {
		return false, what
	}
	h := &j.hosts[hi]
	bc, ok := h.Changed[s.Backend]
	if !ok || !bc.Before(rc) {
		return false, what
	}
	since := "has not changed since " + bc.Format(time.TimeOnly)
	if bc.Equal(h.FirstRead) {
		since = "has not changed since it was first read at " + bc.Format(time.TimeOnly)
	}
	return true, what + "; its backend " + s.Backend + " " + since + " although the registry changed at " +
		rc.Format(time.TimeOnly) + " (" + age(j.now.Sub(rc)) + " ago): Synapse on " + h.Host +
		" looks stuck, check that it runs and reaches the registry"
}

// rowAddr is a server's "host:port": its addr field, else read from a
// Synapse server name ("<name>_<host>:<port>", "<host>:<port>_<name>" or
// "<host>:<port>"), else "".
func rowAddr(r *haproxy.Row) string {
	if r.Addr() != "" {
		return r.Addr()
	}
	return addrInName(r.Name())
}

// addrInName finds the "host:port" part of a Synapse server name.
func addrInName(name string) string {
	if validHostPort(name) {
		return name
	}
	if i := strings.LastIndexByte(name, '_'); i >= 0 && validHostPort(name[i+1:]) {
		return name[i+1:]
	}
	if c := strings.IndexByte(name, ':'); c >= 0 {
		if u := strings.IndexByte(name[c:], '_'); u > 0 && validHostPort(name[:c+u]) {
			return name[:c+u]
		}
	}
	return ""
}

// validHostPort reports whether s is "host:port" with a numeric port.
func validHostPort(s string) bool {
	h, p, err := net.SplitHostPort(s)
	if err != nil || h == "" || p == "" || strings.ContainsAny(h, "_") {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}
