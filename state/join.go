package state

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// svcBuild gathers what one service is made of before its join.
type svcBuild struct {
	name, backend string
	regs          []*sources.Registration
	errs          []string
	dups          map[*sources.Registration]string // duplicate sentence per registration
	extra         int                              // live registrations beyond one per host:port
	registry      bool                             // a registry is configured
	srcs          []srcKey                         // the registry services it is made of
	groups        [][]*sources.Registration        // its duplicate groups (dupGroups), set by findSuspects
}

// joiner holds one Join's inputs and scratch space.
type joiner struct {
	cfg      Config
	reg      *sources.Snapshot
	socks    []*sock
	readable int
	now      time.Time
	global   []Diagnosis
	suspects map[int64]string // stale-session owner -> why
	scratch  []finding
	slab     []Diagnosis
	ones     map[Diagnosis][]Diagnosis // the one-finding slices instances share
	lastOne  []Diagnosis               // the last of them, tried before the map
	memos    map[memoKey]finding
	lastKey  memoKey // the last memo hit, tried before the map
	upCount  []int   // per socket: instances UP in the service being built
	lastVal  finding
	lastOK   bool
	keys     []byte
	keyBuf   []byte               // scratch for a key looked up (keyer)
	cands    []cand               // scratch for unregistered servers
	flaps    map[string][]Episode // instances flapping now and their failure episodes, from cfg.History
	// sentences are the sentences made so far from the texts servers share;
	// lastText and lastSentence the last one asked for, tried before the map.
	sentences              map[string]string
	lastText, lastSentence string
	// onlyDups are the suspect sessions holding nothing but older
	// duplicates (findSuspects).
	onlyDups map[int64]bool
	// prev is the last join's memo when joining incrementally, else nil;
	// keep says this join's memo is wanted (a Joiner's).
	prev *memo
	keep bool
}

// Join joins the registry snapshot (nil when no registry is configured) with
// every HAProxy socket's snapshot by Synapse's naming rules and diagnoses each
// instance and service. It reads its inputs and never modifies them.
//
// Services are every registry service (Serf services "<svc>_<port>" fold into
// the Synapse service "<svc>" when only that backend exists), every key of
// cfg.Backends and, unless cfg.Backends lists Synapse's services, every
// HAProxy backend that has servers. A
// registration matches the server named ServerName in the service's backend,
// else an unclaimed server with the same address (noted matched_by_addr).
// Servers left over are listed as unregistered instances. Summary.Up counts
// instances UP (or "no check") on every readable socket; DRAIN does not count
// as up because it takes no new traffic.
func Join(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg Config) *View {
	v, _ := join(reg, haps, cfg, nil, false)
	return v
}

// join is Join, reusing from prev (the memo of an earlier join, or nil)
// every service whose inputs did not change; with keep it returns the memo
// of this join for the next one (Joiner).
func join(reg *sources.Snapshot, haps []*haproxy.Snapshot, cfg Config, prev *memo, keep bool) (*View, *memo) {
	if cfg.FlapEpisodes <= 0 {
		cfg.FlapEpisodes = DefaultFlapEpisodes
	}
	if cfg.FlapWindow <= 0 {
		cfg.FlapWindow = DefaultFlapWindow
	}
	j := &joiner{cfg: cfg, reg: reg, now: cfg.Now, prev: prev, keep: keep}
	if j.now.IsZero() {
		j.now = time.Now()
	}
	v := &View{At: j.now, Registry: reg, Maintenance: cfg.Maintenance}
	for _, h := range haps {
		if h == nil {
			continue // a socket not polled yet: keep View.HAProxy aligned with Instance.HAProxy
		}
		v.HAProxy = append(v.HAProxy, h)
		k := prev.socket(len(j.socks), h)
		if k == nil {
			k = indexSocket(h)
		}
		if k.readable {
			j.readable++
		}
		j.socks = append(j.socks, k)
	}
	j.upCount = make([]int, len(j.socks))
	if cfg.History != nil {
		j.flaps = cfg.History.Flapping(cfg.FlapWindow, j.now, cfg.FlapEpisodes)
	}
	j.sourceDiagnoses()
	v.Diagnoses = j.global

	builds := j.services()
	j.findSuspects(builds)
	v.Services = make([]Service, len(builds))
	reuse := j.reusable(builds)
	if reuse == nil {
		j.buildServices(builds, v.Services)
	} else {
		j.rebuild(builds, reuse, v.Services)
	}
	if !keep {
		return v, nil
	}
	return v, j.record(builds, reuse, v)
}

// parallelJoinRows is the size (server rows plus registrations) from which
// services are joined on two goroutines: at 50,000 servers that halves the
// join's wall time on a 2-core host, below it the goroutines cost more than
// they save.
var parallelJoinRows = 20000

// buildServices joins every service into out. Large joins split the services
// between two workers by backend, so the per-backend state shared through the
// socket index (claimed rows, the address map) is only ever touched by one of
// them; each worker has its own scratch space.
func (j *joiner) buildServices(builds []*svcBuild, out []Service) {
	size := 0
	for _, b := range builds {
		size += len(b.regs)
		for _, k := range j.socks {
			size += len(k.serversOf(b.backend))
		}
	}
	if size < parallelJoinRows || runtime.GOMAXPROCS(0) < 2 || len(builds) < 2 {
		for i, b := range builds {
			out[i] = j.service(b)
		}
		return
	}
	// Balance the two groups by work, keeping each backend in one group.
	var groups [2][]int
	var load [2]int
	group := map[string]int{}
	for i, b := range builds {
		g, ok := group[b.backend]
		if !ok {
			g = 0
			if load[1] < load[0] {
				g = 1
			}
			group[b.backend] = g
		}
		groups[g] = append(groups[g], i)
		load[g] += len(b.regs) + 1
		for _, k := range j.socks {
			load[g] += len(k.serversOf(b.backend))
		}
	}
	var wg sync.WaitGroup
	for g := range groups {
		w := j.worker()
		wg.Go(func() {
			for _, i := range groups[g] {
				out[i] = w.service(builds[i])
			}
		})
	}
	wg.Wait()
}

// worker is a joiner sharing j's inputs with scratch space of its own.
func (j *joiner) worker() *joiner {
	return &joiner{cfg: j.cfg, reg: j.reg, socks: j.socks, readable: j.readable, now: j.now,
		global: j.global, suspects: j.suspects, flaps: j.flaps, upCount: make([]int, len(j.socks)), prev: j.prev}
}

// sourceDiagnoses describes a stale registry and unreadable sockets.
func (j *joiner) sourceDiagnoses() {
	if r := j.reg; r != nil && r.Stale() {
		what := string(r.Kind) + " at " + r.Address
		var t string
		switch {
		case !r.Synced && r.LastGood.IsZero():
			t = "the registry (" + what + ") has not been read completely yet (" + string(r.State) + "): registrations may be missing"
		default:
			t = "the registry (" + what + ") is " + string(r.State) + ": everything shown is its last known state, from " + j.clock(r.LastGood) +
				" (" + age(r.Age(j.now)) + " ago); what is registered now is unknown"
		}
		if r.Err != "" {
			t += " (" + r.Err + ")"
		}
		j.global = append(j.global, Diagnosis{CodeRegistryStale, sentence(t)})
	}
	for _, k := range j.socks {
		if k.snap.Err == nil {
			continue
		}
		t := "HAProxy at " + k.label
		if k.snap.Address != "" && k.snap.Address != k.label {
			t += " (" + k.snap.Address + ")"
		}
		t += " could not be read: " + k.snap.Err.Error()
		if k.readable && !k.snap.LastGood.IsZero() {
			t += "; its figures are its last good read's, from " + j.clock(k.snap.LastGood) + " (" + age(j.now.Sub(k.snap.LastGood)) + " ago)"
		} else if !k.readable {
			t += "; it has never been read, so nothing is known about it"
		}
		j.global = append(j.global, Diagnosis{CodeHAProxyStale, sentence(t)})
	}
}

// regRead reports whether the registry has been read completely at least
// once: until then nothing it says about registrations can be judged, and
// instances are diagnosed on HAProxy's state alone.
func (j *joiner) regRead() bool {
	return j.reg != nil && (j.reg.Synced || !j.reg.LastGood.IsZero())
}

// regStale reports whether the registry was read but is not current now:
// what it says is its last known state, of age regAge.
func (j *joiner) regStale() bool { return j.regRead() && j.reg.Stale() }

// regAge is how old the registry's last known state is.
func (j *joiner) regAge() string { return age(j.reg.Age(j.now)) }

// serf reports whether the registry is Serf.
func (j *joiner) serf() bool { return j.reg != nil && j.reg.Kind == sources.KindSerf }

// services lists the services to join, ordered by name.
func (j *joiner) services() []*svcBuild {
	byName := map[string]*svcBuild{}
	var out []*svcBuild
	add := func(name, backend string) *svcBuild {
		if b, ok := byName[name]; ok {
			return b
		}
		b := &svcBuild{name: name, backend: backend, registry: j.regRead()}
		byName[name] = b
		out = append(out, b)
		return b
	}
	if j.reg != nil {
		serf := j.reg.Kind == sources.KindSerf
		for i := range j.reg.Services {
			s := &j.reg.Services[i]
			name, backend := j.resolve(s.Name, serf)
			b := add(name, backend)
			if j.keep {
				b.srcs = append(b.srcs, keyOf(s))
			}
			for k := range s.Registrations {
				b.regs = append(b.regs, &s.Registrations[k])
			}
			if s.Err != "" {
				b.errs = append(b.errs, s.Err)
			}
		}
		for name, backend := range j.cfg.Backends {
			add(name, backend)
		}
	}
	// Every HAProxy backend with servers is a service too, registered or
	// not: Synapse keeps a service's last servers when its last registration
	// goes (use_previous_backends), so the registry may have forgotten a
	// service HAProxy still routes to. Only a Synapse config can say that a
	// backend is not Synapse's (it then lists every service it manages).
	if j.reg != nil && len(j.cfg.Backends) > 0 {
		sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
		return out
	}
	covered := make(map[string]bool, len(out))
	for _, b := range out {
		covered[b.backend] = true
	}
	names := map[string]string{}
	for svc, be := range j.cfg.Backends {
		names[be] = svc
	}
	for _, k := range j.socks {
		for proxy, bi := range k.backends {
			if len(bi.servers) == 0 || covered[proxy] {
				continue
			}
			name := proxy
			if n, ok := names[proxy]; ok {
				name = n
			}
			add(name, proxy)
			covered[proxy] = true
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out
}

// resolve maps a registry service key to the Synapse service and its backend.
// A Serf tag "smart:<svc>_<port>" (Nerve's Serf reporter names tags so)
// belongs to Synapse service <svc> unless a backend is named after the full
// key: also before HAProxy has been read, so a service keeps its name (and
// its instances their identity) when HAProxy's first reply comes.
func (j *joiner) resolve(name string, serf bool) (svc, backend string) {
	if b, ok := j.cfg.Backends[name]; ok {
		return name, b
	}
	if serf && !j.anyProxy(name) {
		if p := stripPort(name); p != "" {
			if b, ok := j.cfg.Backends[p]; ok {
				return p, b
			}
			if len(j.cfg.Backends) == 0 {
				return p, p
			}
		}
	}
	return name, name
}

func (j *joiner) anyProxy(name string) bool {
	for _, k := range j.socks {
		if k.hasProxy(name) {
			return true
		}
	}
	return false
}

// stripPort returns "svc" for "svc_31001", or "" when name has no numeric suffix.
func stripPort(name string) string {
	i := strings.LastIndexByte(name, '_')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return name[:i]
}

// newer reports whether registration a was made after b (creation time, then
// sequence number): the live Nerve's registration is the newest.
func newer(a, b *sources.Registration) bool {
	if !a.Ctime.Equal(b.Ctime) {
		return a.Ctime.After(b.Ctime)
	}
	if a.Seq != b.Seq {
		return a.Seq > b.Seq
	}
	return a.ID() < b.ID()
}

// clock renders an instant for sentences as a wall clock in the view's
// time zone: it stays true when the sentence is read later, where an age
// would not.
func (j *joiner) clock(t time.Time) string { return t.In(j.now.Location()).Format("15:04:05") }

// age renders a duration for sentences, to the second.
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Round(time.Second).String()
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		s = string(c-'a'+'A') + s[1:]
	}
	if s[len(s)-1] != '.' {
		s += "."
	}
	return s
}
