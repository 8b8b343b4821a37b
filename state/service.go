package state

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// regEntry is a well-formed registration with its server name.
type regEntry struct {
	server string
	r      *sources.Registration
}

// service joins one service's registrations with every socket's servers.
func (j *joiner) service(b *svcBuild) Service {
	s := Service{Name: b.name, Backend: b.backend}
	nsock := len(j.socks)

	// Registered instances: one per server name, newest registration first.
	entries := make([]regEntry, 0, len(b.regs))
	var malformed []*sources.Registration
	for _, r := range b.regs {
		if r.Malformed != "" {
			malformed = append(malformed, r)
			continue
		}
		entries = append(entries, regEntry{j.serverName(r), r})
	}
	slices.SortFunc(entries, func(x, y regEntry) int {
		if c := strings.Compare(x.server, y.server); c != 0 {
			return c
		}
		if newer(x.r, y.r) {
			return -1
		}
		if newer(y.r, x.r) {
			return 1
		}
		return 0
	})
	nreg := 0
	for i := range entries {
		if i == 0 || entries[i].server != entries[i-1].server {
			nreg++
		}
	}
	// Capacity for the servers no registration will claim, so that appending
	// them does not reallocate.
	extra := 0
	for _, k := range j.socks {
		extra += len(k.serversOf(b.backend))
	}
	insts := make([]Instance, 0, nreg+len(malformed)+extra)
	seen := make([]Seen, (nreg+len(malformed))*nsock)
	keys := j.keyer(b.name)
	for i := 0; i < len(entries); {
		e := entries[i]
		in := Instance{Key: keys.key(b.backend, e.server), Server: e.server, Registration: e.r}
		i++
		for i < len(entries) && entries[i].server == e.server {
			in.rare().Duplicates = append(in.Duplicates(), entries[i].r)
			i++
		}
		insts = append(insts, in)
	}
	for _, r := range malformed {
		in := Instance{Key: b.backend + "/?" + r.ID(), Registration: r}
		if r.Host != "" && r.Port > 0 {
			in.Server = ServerName(r)
		}
		insts = append(insts, in)
	}
	for i := range insts {
		insts[i].HAProxy = seen[i*nsock : (i+1)*nsock : (i+1)*nsock]
	}

	var byServer map[string]int
	// Match by name first for all, then by address, so an address fallback
	// never takes a server another registration matches by name.
	for si, k := range j.socks {
		if !k.readable || nreg == 0 { // without registrations every server is unregistered's
			continue
		}
		// One pass over the backend's rows against the registrations' names:
		// cheaper than indexing every server when most are unregistered.
		if byServer == nil {
			byServer = make(map[string]int, nreg)
			for i := 0; i < nreg; i++ {
				byServer[insts[i].Server] = i
			}
		}
		for _, idx := range k.serversOf(b.backend) {
			row := &k.rows[idx]
			if i, ok := byServer[canonicalName(row.Name(), row.Addr())]; ok && !k.claimed[idx] && insts[i].HAProxy[si].Row == nil {
				k.claimed[idx] = true
				insts[i].HAProxy[si].Row = row
			}
		}
		for i := 0; i < nreg; i++ {
			if insts[i].HAProxy[si].Row != nil {
				continue
			}
			r := insts[i].Registration
			idx := k.claimAddr(b.backend, r.Host+":"+strconv.Itoa(r.Port))
			if idx < 0 && r.Addr() != r.Host+":"+strconv.Itoa(r.Port) {
				idx = k.claimAddr(b.backend, r.Addr()) // IPv6 in brackets
			}
			if idx >= 0 {
				insts[i].HAProxy[si].Row = &k.rows[idx]
				insts[i].HAProxy[si].ByAddr = true
			}
		}
	}
	// Show HAProxy's own name; a registration no server matches by name
	// shows the name its Synapse would give it.
	predicted, oldNames := false, false
	for i := 0; i < nreg; i++ {
		in := &insts[i]
		named := false
		for _, s := range in.HAProxy {
			if s.Row != nil && !s.ByAddr {
				in.Server, named = s.Row.Name(), true
				break
			}
		}
		if !named {
			if !predicted {
				predicted, oldNames = true, j.predictOldOrder(b.backend)
			}
			if oldNames {
				in.Server = OldServerName(in.Registration)
			}
		}
	}
	registered := len(insts)
	insts = j.unregistered(b.backend, insts, &keys)
	maint := j.maintenanceOf(b)
	insts = j.maintenanceOnly(b, maint, insts)

	noRegs := b.registry && b.live() == 0
	sum := j.newSummary(b)
	clear(j.upCount)
	serf, stale := j.serf(), j.regStale()
	for i := range insts {
		in := &insts[i]
		if b.registry && !stale && j.cfg.History != nil && wantsRegChange(in) {
			if t := j.cfg.History.RegistrationChanged(in.Key, in.Registration != nil && live(in.Registration), j.now); !t.IsZero() {
				in.rare().RegChanged = t
			}
		}
		recent := j.recent(in.RegChanged())
		switch {
		case in.Registration != nil && !live(in.Registration) && b.registry:
			in.Diagnoses = j.diagnoseState(in, func(k int) (Code, string) {
				return notAliveFinding(in.HAProxy[k].Row, in.Registration, noRegs)
			})
			if len(in.Diagnoses) == 0 {
				c, t := notAliveFinding(nil, in.Registration, noRegs)
				in.Diagnoses = []Diagnosis{{c, sentence(t)}}
			}
		case in.Registration != nil && b.registry:
			in.Diagnoses = j.diagnoseRegistered(b, in)
		case b.registry:
			in.Diagnoses = j.diagnoseState(in, func(k int) (Code, string) {
				row := in.HAProxy[k].Row
				if recent != "" && classify(row) != classMaint && !noRegs {
					return CodeStaleInHAProxy, "deregistered " + recent + ", and HAProxy still has it " + row.Status() +
						": Synapse disables it at its next reconfigure, usually within seconds"
				}
				return j.memo(memoKey{kind: memoUnregistered, status: row.Status(), flag: noRegs, serf: serf}, func() (Code, string) {
					return unregisteredFinding(row, noRegs, serf)
				})
			})
		default:
			in.Diagnoses = j.diagnoseState(in, func(k int) (Code, string) {
				row := in.HAProxy[k].Row
				if classify(row) == classUp && !zeroWeight(row) && !addrInCheckText(row.CheckStatus()) {
					return j.memo(memoKey{kind: memoHAProxyUp, status: row.Status(), check: row.CheckStatus(), desc: row.CheckDesc(), code: row.CheckCode}, func() (Code, string) {
						return haproxyOnlyFinding(row, "")
					})
				}
				return haproxyOnlyFinding(row, row.Addr())
			})
		}
		if stale && b.registry {
			in.Diagnoses = j.asOfLastRead(in.Diagnoses)
		}
		if eps, ok := j.flaps[in.Key]; ok {
			in.Diagnoses = append(in.Diagnoses, Diagnosis{CodeFlapping, sentence(flappingText(eps, j.cfg.FlapWindow, j.now))})
		}
		j.maintenance(b, maint, in)
		sortDiagnoses(in.Diagnoses)
		in.Worst = worstOf(in.Diagnoses)
		j.addSummary(&sum, b, in)
	}
	for si, k := range j.socks {
		if k.readable {
			sum.UpBySocket[k.label] = j.upCount[si]
		}
	}
	j.trafficFromAggregates(&sum, b, insts)
	s.Instances = insts
	s.Diagnoses = j.serviceDiagnoses(b, insts[registered:])
	s.Summary = sum
	s.Summary.Worst = Worse(s.Summary.Worst, worstOf(s.Diagnoses))
	return s
}

// unregistered appends one instance per server left unclaimed in the
// backend on any socket (the same server on several sockets is one
// instance, whichever order its name is in there), ordered by name.
func (j *joiner) unregistered(backend string, insts []Instance, keys *keyer) []Instance {
	nsock := len(j.socks)
	cands := j.cands[:0]
	for si, k := range j.socks {
		if !k.readable {
			continue
		}
		for _, idx := range k.serversOf(backend) {
			if !k.claimed[idx] {
				k.claimed[idx] = true
				r := &k.rows[idx]
				cands = append(cands, cand{canonicalName(r.Name(), r.Addr()), int32(si), idx})
			}
		}
	}
	j.cands = cands
	if len(cands) == 0 {
		return insts
	}
	// Sort small candidates, not instances; stable keeps socket order among
	// the same name.
	if !slices.IsSortedFunc(cands, cmpCand) {
		slices.SortStableFunc(cands, cmpCand)
	}
	distinct := 0
	for i := range cands {
		if i == 0 || cands[i].name != cands[i-1].name {
			distinct++
		}
	}
	slab := make([]Seen, distinct*nsock)
	for i, c := range cands {
		if i == 0 || c.name != cands[i-1].name {
			seen := slab[:nsock:nsock]
			slab = slab[nsock:]
			insts = append(insts, Instance{Key: keys.key(backend, c.name), Server: j.socks[c.sock].rows[c.idx].Name(), HAProxy: seen})
		}
		insts[len(insts)-1].HAProxy[c.sock].Row = &j.socks[c.sock].rows[c.idx]
	}
	return insts
}

// cand is an unclaimed server row: its name in ServerName's order, socket and row index.
type cand struct {
	name string
	sock int32
	idx  int32
}

func cmpCand(a, b cand) int { return strings.Compare(a.name, b.name) }

// newSummary starts a service's roll-up.
func (j *joiner) newSummary(b *svcBuild) Summary {
	inst, dups := b.instances()
	sum := Summary{Registered: inst, Duplicates: dups, Worst: CodeOK, RegistryUnknown: j.reg != nil && !b.registry}
	if len(j.socks) > 0 {
		sum.UpBySocket = make(map[string]int, len(j.socks))
	}
	return sum
}

// addSummary rolls one diagnosed instance into sum, right after its
// diagnosis while its rows are still in cache. Per-socket counts go to
// j.upCount (one slot per socket) and reach the map once per service.
func (j *joiner) addSummary(sum *Summary, b *svcBuild, in *Instance) {
	sum.Worst = Worse(sum.Worst, in.Worst)
	counts := (in.Registration != nil && live(in.Registration)) || !b.registry
	upAll, any, drained := true, false, false
	for si, k := range j.socks {
		if !k.readable || k.snap.Err != nil {
			continue // figures too old to count as up
		}
		any = true
		row := in.HAProxy[si].Row
		if isUp(row) {
			if counts {
				j.upCount[si]++
			}
		} else {
			upAll = false
			drained = drained || row != nil && isDrained(row)
		}
	}
	if counts && any && upAll {
		sum.Up++
	}
	if counts && drained {
		sum.Drained++
	}
}

// trafficFromAggregates replaces the sums over server rows with the
// backend's own row where HAProxy has one: the poller re-reads aggregate rows
// every refresh but server rows less often, and HAProxy keeps no request rate
// per server — the request rate is the service's frontend's (Synapse names
// it after the service), or the backend's session rate without one.
func (j *joiner) trafficFromAggregates(sum *Summary, b *svcBuild, insts []Instance) {
	for si, k := range j.socks {
		if !k.readable {
			continue
		}
		if k.snap.Err != nil {
			sum.TrafficStale = true // the last good read's figures
		}
		be := k.aggregate(b.backend, haproxy.TypeBackend)
		if be == nil { // no BACKEND row (a trimmed capture): sum the servers
			for i := range insts {
				if row := insts[i].HAProxy[si].Row; row != nil {
					sum.SCur += row.SCur()
					sum.Rate += row.Rate()
					sum.ReqRate += row.ReqRate()
					sum.Hrsp5xx += row.Hrsp5xx()
				}
			}
			continue
		}
		sum.SCur += be.SCur()
		sum.Rate += be.Rate()
		sum.Hrsp5xx += be.Hrsp5xx()
		if fe := k.aggregate(b.name, haproxy.TypeFrontend); fe != nil {
			sum.ReqRate += fe.ReqRate()
		} else {
			sum.ReqRate += be.Rate()
		}
	}
}

// serviceDiagnoses lists service-level findings: the sources' health, read
// errors and a service with nothing registered.
func (j *joiner) serviceDiagnoses(b *svcBuild, unregistered []Instance) []Diagnosis {
	var ds []Diagnosis
	if b.registry && b.live() == 0 {
		t := "nothing is registered for this service in the registry: every instance is down, deregistered, or not deployed"
		if j.regStale() {
			t = "nothing was registered for this service when the registry was last read, " + j.regAge() + " ago; what is registered now is unknown"
		}
		stale := 0
		for i := range unregistered {
			for _, c := range unregistered[i].Diagnoses {
				if c.Code == CodeStaleInHAProxy {
					stale++
					break
				}
			}
		}
		if stale > 0 {
			t += "; HAProxy still routes to " + plural(stale, "server", "servers") + " kept from before (use_previous_backends)"
		}
		ds = append(ds, Diagnosis{CodeNoRegistrations, sentence(t)})
	}
	for _, e := range b.errs {
		ds = append(ds, Diagnosis{CodeRegistryStale, sentence("could not read this service's registrations: " + e + "; showing the last known ones")})
	}
	ds = append(ds, j.global...)
	sortDiagnoses(ds)
	return ds
}

// live reports whether Synapse takes the registration: every ZooKeeper one,
// and Serf ones of alive members only (its Serf watcher drops the others).
func live(r *sources.Registration) bool {
	return r.MemberStatus == "" || r.MemberStatus == "alive"
}

// live counts the registrations Synapse takes.
func (b *svcBuild) live() int {
	n := 0
	for _, r := range b.regs {
		if live(r) {
			n++
		}
	}
	return n
}

// wantsRegChange reports whether in's words or events depend on when it
// was registered or deregistered: a registered server still in MAINT or
// just enabled (UP 1/2), an unregistered one HAProxy still routes to.
func wantsRegChange(in *Instance) bool {
	reg := in.Registration != nil && live(in.Registration)
	for _, s := range in.HAProxy {
		if s.Row == nil {
			continue
		}
		if m := classify(s.Row) == classMaint; m == reg {
			return true
		}
		if _, _, settling := fraction(s.Row.Status()); settling && reg {
			return true
		}
	}
	return false
}

// recentChange is how long after a registration change Synapse's own
// reconfigure is expected: past it, a server Synapse has not followed is
// Synapse's problem.
const recentChange = 30 * time.Second

// recent renders when t was, "just now" or "3s ago", when it is within
// recentChange; else "".
func (j *joiner) recent(t time.Time) string {
	if t.IsZero() { // most instances: and Sub from the zero time is slow
		return ""
	}
	switch d := j.now.Sub(t); {
	case d > recentChange:
		return ""
	case d < time.Second:
		return "just now"
	default:
		return age(d) + " ago"
	}
}

// asOfLastRead qualifies what a stale registry's last known state made of
// an instance: it may have changed since.
func (j *joiner) asOfLastRead(ds []Diagnosis) []Diagnosis {
	cloned := false
	for i := range ds {
		switch ds[i].Code {
		case CodeMissingInHAProxy, CodeStaleInHAProxy, CodeDeregistered:
			if !cloned { // instances share their findings (joiner.one)
				ds, cloned = slices.Clone(ds), true
			}
			ds[i].Text = strings.TrimSuffix(ds[i].Text, ".") + "; this is as of the registry's last read, " + j.regAge() +
				" ago: whether it is registered now is unknown."
		}
	}
	return ds
}

// instances counts the distinct host:port among the well-formed
// registrations Synapse takes, and the registrations beyond one each
// (findSuspects counted those).
func (b *svcBuild) instances() (n, dups int) {
	regs := 0
	for _, r := range b.regs {
		if live(r) && r.Malformed == "" {
			regs++
		}
	}
	return regs - b.extra, b.extra
}

// Retraffic returns a copy of v for a light poll, one that re-read only the
// frontend and backend rows: haps (the same sockets as v.HAProxy, in the same
// order) replace v.HAProxy, and each service's traffic figures (SCur, Rate,
// ReqRate, Hrsp5xx) are recomputed from their newest proxy rows. Instances,
// rows and diagnoses are v's: no server changed. It costs one pass over the
// proxy rows instead of a join, so traffic follows every refresh even at
// 50,000 servers. It returns nil when haps are not v's sockets.
func Retraffic(v *View, haps []*haproxy.Snapshot, at time.Time) *View {
	var live []*haproxy.Snapshot
	for _, h := range haps {
		if h != nil {
			live = append(live, h)
		}
	}
	if len(live) != len(v.HAProxy) {
		return nil
	}
	j := &joiner{now: at}
	for i, h := range live {
		if h.Label != v.HAProxy[i].Label || (h.Stats == nil) != (v.HAProxy[i].Stats == nil) {
			return nil
		}
		k := &sock{label: h.Label, snap: h, readable: h.Stats != nil}
		if k.label == "" {
			k.label = h.Address
		}
		if k.readable {
			rows := h.Aggregates
			if rows == nil { // no light-poll rows: the proxy rows of Stats
				rows = h.Stats.Rows
			}
			k.indexFresh(rows)
		}
		j.socks = append(j.socks, k)
	}
	out := *v
	out.At = at
	out.HAProxy = live
	out.Services = make([]Service, len(v.Services))
	for i := range v.Services {
		s := v.Services[i]
		s.Summary.SCur, s.Summary.Rate, s.Summary.ReqRate, s.Summary.Hrsp5xx, s.Summary.TrafficStale = 0, 0, 0, 0, false
		j.trafficFromAggregates(&s.Summary, &svcBuild{name: s.Name, backend: s.Backend}, s.Instances)
		out.Services[i] = s
	}
	return &out
}
