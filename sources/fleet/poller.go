package fleet

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Defaults for Options left zero.
const (
	DefaultRefresh     = 2 * time.Second
	DefaultConcurrency = 32
	// MaxBackoff is the longest a host that keeps timing out waits between
	// polls.
	MaxBackoff = 30 * time.Second
)

// Options configures a Poller.
type Options struct {
	Targets []Target
	// Refresh is how often each host is polled; DefaultRefresh when zero.
	Refresh time.Duration
	// Timeout bounds one host's poll (connect, request and reply); when
	// zero, three quarters of Refresh, at least 500 ms and at most 5 s.
	Timeout time.Duration
	// Concurrency is how many hosts are read at once; DefaultConcurrency
	// when zero.
	Concurrency int
	// Dial opens connections (nil: directly); the SSH transport passes its
	// own so that the fleet is read through a jump host.
	Dial DialFunc
	// Auth is the stats pages' "user:password" (from the environment or a
	// file, never argv), or "".
	Auth   string
	Logger *slog.Logger
}

// Host is what one host's HAProxy showed (see sources.FleetHost).
type Host = sources.FleetHost

// Snapshot is the fleet as last seen (see sources.FleetSnapshot).
type Snapshot = sources.FleetSnapshot

// Poller polls every host of a fleet. All methods are safe for concurrent use.
type Poller struct {
	opts Options
	hc   *http.Client
	log  *slog.Logger
	sem  chan struct{}

	updates chan *Snapshot
	done    chan result
	retgt   chan []Target

	mu      sync.Mutex
	current *Snapshot

	startOnce, closeOnce sync.Once
	cancel               context.CancelFunc
	wg                   sync.WaitGroup
}

// hostState is the loop's own record of one host.
type hostState struct {
	h    Host // the published value, replaced (never mutated) on change
	f    fetcher
	due  time.Time // polled at the first tick from then
	busy bool
	// dispatched is when the running (or last) poll was handed out.
	dispatched time.Time
	marks      map[string]uint64 // backend -> fingerprint of its server set
	removed    bool              // dropped from the targets while a poll ran
}

// result is one finished poll.
type result struct {
	st    *hostState
	stats *haproxy.Stats
	err   error
	start time.Time
	end   time.Time
}

// New returns a Poller; Start begins polling.
func New(o Options) *Poller {
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Timeout <= 0 {
		o.Timeout = min(max(o.Refresh*3/4, 500*time.Millisecond), 5*time.Second)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	tr := &http.Transport{
		Proxy:                 nil, // stats pages are reached directly (or through SSH), never a web proxy
		MaxIdleConnsPerHost:   1,
		MaxIdleConns:          0,
		IdleConnTimeout:       3 * o.Refresh,
		ResponseHeaderTimeout: o.Timeout,
		TLSHandshakeTimeout:   o.Timeout,
		ForceAttemptHTTP2:     false,
	}
	dial := o.Dial
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: -1}).DialContext
	}
	tr.DialContext = dial
	p := &Poller{
		opts:    o,
		hc:      &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		log:     o.Logger,
		sem:     make(chan struct{}, o.Concurrency),
		updates: make(chan *Snapshot, 1),
		done:    make(chan result, 64),
		retgt:   make(chan []Target, 1),
	}
	p.current = &Snapshot{Refresh: o.Refresh, Hosts: initialHosts(o.Targets)}
	return p
}

// initialHosts are the not-yet-polled rows of targets, ordered by host.
func initialHosts(ts []Target) []Host {
	hs := make([]Host, 0, len(ts))
	for _, t := range dedup(ts) {
		hs = append(hs, Host{FleetTarget: t})
	}
	return hs
}

// dedup orders targets by host and keeps the first of each host.
func dedup(ts []Target) []Target {
	out := slices.Clone(ts)
	slices.SortStableFunc(out, func(a, b Target) int { return strings.Compare(a.Host, b.Host) })
	return slices.CompactFunc(out, func(a, b Target) bool { return a.Host == b.Host })
}

// Start begins polling in the background; later calls do nothing.
func (p *Poller) Start(ctx context.Context) {
	p.startOnce.Do(func() {
		ctx, p.cancel = context.WithCancel(ctx)
		p.wg.Add(1)
		go p.loop(ctx)
	})
}

// Updates delivers each new snapshot; a slow reader gets the latest only.
// It is closed by Close.
func (p *Poller) Updates() <-chan *Snapshot { return p.updates }

// Current returns the latest snapshot without waiting.
func (p *Poller) Current() *Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current
}

// SetTargets replaces the fleet (for instance when the registry's hosts
// changed): hosts kept keep their figures, new ones are polled at once.
func (p *Poller) SetTargets(ts []Target) {
	ts = dedup(ts)
	for {
		select {
		case p.retgt <- ts:
			return
		case <-p.retgt: // drop a newer-than-applied list nobody read yet
		}
	}
}

// Close stops polling, closes every connection and Updates.
func (p *Poller) Close() {
	p.closeOnce.Do(func() {
		if p.cancel != nil {
			p.cancel()
			p.wg.Wait()
		}
		close(p.updates)
		p.hc.CloseIdleConnections()
	})
}

// loop owns every hostState: it dispatches due hosts, takes results and
// publishes. Publication happens when every poll of a round has returned,
// or at the next tick with whatever has: a slow host never delays it.
func (p *Poller) loop(ctx context.Context) {
	defer p.wg.Done()
	states := map[string]*hostState{}
	var order []*hostState
	setTargets := func(ts []Target) {
		next := make(map[string]*hostState, len(ts))
		order = order[:0]
		for _, t := range ts {
			st := states[t.Host]
			if st != nil && st.h.FleetTarget != t { // same host, new endpoint: start over
				p.retire(st)
				st = nil
			}
			if st == nil {
				st = &hostState{h: Host{FleetTarget: t}}
				st.f = newFetcher(t, p.hc, p.opts.Auth, p.opts.Dial, p.opts.Timeout)
			}
			next[t.Host] = st
			order = append(order, st)
		}
		for host, st := range states {
			if next[host] != st {
				p.retire(st)
			}
		}
		states = next
	}
	setTargets(dedup(p.opts.Targets))

	tick := time.NewTicker(p.opts.Refresh)
	defer tick.Stop()
	inflight := 0
	pending := false // results arrived since the last publication
	// While a round is slow, what has arrived is published every quarter
	// refresh: a host that answered is not held back by the slowest one
	// for longer than that (at most four joins per refresh downstream).
	partial := time.NewTimer(time.Hour)
	partial.Stop()
	defer partial.Stop()
	partialArmed := false
	dispatch := func(now time.Time) {
		// Hosts that answer go first, so that they are not queued behind
		// those about to time out.
		due := make([]*hostState, 0, len(order))
		for _, st := range order {
			if !st.busy && !now.Before(st.due) {
				due = append(due, st)
			}
		}
		slices.SortStableFunc(due, func(a, b *hostState) int { return a.h.Failures - b.h.Failures })
		for _, st := range due {
			// Due again at the tick one refresh from now: the slack keeps
			// a tick that fires a little early from skipping the host.
			st.busy, st.dispatched = true, now
			st.due = now.Add(p.opts.Refresh - p.opts.Refresh/10)
			st.h.Polling = now
			inflight++
			p.wg.Add(1)
			go p.poll(ctx, st)
		}
	}
	publish := func(now time.Time) {
		snap := &Snapshot{At: now, Refresh: p.opts.Refresh, Hosts: make([]Host, len(order))}
		for i, st := range order {
			snap.Hosts[i] = st.h
		}
		p.mu.Lock()
		p.current = snap
		p.mu.Unlock()
		select {
		case <-p.updates:
		default:
		}
		p.updates <- snap
		pending = false
		if partialArmed {
			partial.Stop()
			partialArmed = false
		}
	}

	dispatch(time.Now())
	for {
		select {
		case <-ctx.Done():
			for inflight > 0 {
				r := <-p.done
				inflight--
				if r.st.removed {
					r.st.f.close()
				}
			}
			for _, st := range order {
				st.f.close()
			}
			return
		case ts := <-p.retgt:
			setTargets(ts)
			now := time.Now()
			dispatch(now)
			publish(now)
		case r := <-p.done:
			inflight--
			if r.st.removed {
				r.st.f.close()
				continue
			}
			p.apply(r)
			pending = true
			switch {
			case inflight == 0:
				publish(r.end)
			case !partialArmed:
				partial.Reset(p.opts.Refresh / 4)
				partialArmed = true
			}
		case now := <-partial.C:
			partialArmed = false
			if pending {
				publish(now)
			}
		case now := <-tick.C:
			if pending || inflight > 0 {
				publish(now)
			}
			dispatch(now)
		}
	}
}

// retire drops a host: its connection is closed now or, while a poll runs,
// when that poll returns.
func (p *Poller) retire(st *hostState) {
	st.removed = true
	if !st.busy {
		st.f.close()
	}
}

// poll reads one host under the concurrency bound and the per-host timeout.
func (p *Poller) poll(ctx context.Context, st *hostState) {
	defer p.wg.Done()
	start := time.Now()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		p.done <- result{st: st, err: ctx.Err(), start: start, end: time.Now()}
		return
	}
	start = time.Now()
	pctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	stats, err := st.f.fetch(pctx)
	cancel()
	<-p.sem
	p.done <- result{st: st, stats: stats, err: err, start: start, end: time.Now()}
}

// apply records a finished poll in its host's state; the loop owns st.
func (p *Poller) apply(r result) {
	st := r.st
	h := st.h // a copy: the published value stays as it was
	st.busy = false
	h.Polling = time.Time{}
	h.At, h.Took = r.end, r.end.Sub(r.start)
	if r.err != nil {
		h.Err = r.err.Error()
		h.Failures++
		st.due = st.dispatched.Add(p.backoff(h.Failures, r.end.Sub(r.start)) - p.opts.Refresh/10)
		if h.Failures == 1 {
			p.log.Info("fleet host unreachable", "host", h.Host, "err", h.Err)
		}
		st.h = h
		return
	}
	if h.Failures > 0 {
		p.log.Info("fleet host reachable again", "host", h.Host, "after_failures", h.Failures)
	}
	h.Err, h.Failures, h.Stats, h.LastGood = "", 0, r.stats, r.end
	if h.FirstRead.IsZero() {
		h.FirstRead = r.end
	}
	marks := fingerprints(r.stats)
	if changed := changedBackends(st.marks, marks); st.marks == nil || len(changed) > 0 {
		m := make(map[string]time.Time, len(marks))
		for b := range marks {
			if t, ok := h.Changed[b]; ok && !slices.Contains(changed, b) {
				m[b] = t
			} else if st.marks == nil {
				m[b] = h.FirstRead
			} else {
				m[b] = r.end
			}
		}
		h.Changed = m
	}
	st.marks = marks
	st.h = h
}

// backoff is how long after a failed poll's start the host is polled again:
// every refresh, unless polls time out (each one holds a worker for the
// whole timeout), then doubling up to MaxBackoff.
func (p *Poller) backoff(failures int, took time.Duration) time.Duration {
	if took < p.opts.Timeout*9/10 || failures < 2 {
		return p.opts.Refresh
	}
	d := p.opts.Refresh
	for i := 1; i < failures && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, max(MaxBackoff, p.opts.Refresh))
}

// fingerprints hashes each backend's server set, independent of row order
// (Synapse's restarts reorder servers): names, addresses, and MAINT or not.
// Health states are left out: they are HAProxy's checks, not Synapse.
func fingerprints(st *haproxy.Stats) map[string]uint64 {
	out := map[string]uint64{}
	if st == nil {
		return out
	}
	for i := range st.Rows {
		r := &st.Rows[i]
		switch r.Type {
		case haproxy.TypeBackend:
			if _, ok := out[r.Proxy]; !ok {
				out[r.Proxy] = 0
			}
		case haproxy.TypeServer:
			h := fnv(fnv(fnv(offset64, r.Name()), "\x00"), r.Addr())
			if r.StatusWord() == "MAINT" {
				h = fnv(h, "\x00M")
			}
			out[r.Proxy] += mix(h)
		}
	}
	return out
}

// changedBackends lists the backends whose fingerprint differs (or that
// appeared or vanished) between two polls.
func changedBackends(old, cur map[string]uint64) []string {
	var out []string
	for b, f := range cur {
		if of, ok := old[b]; !ok || of != f {
			out = append(out, b)
		}
	}
	for b := range old {
		if _, ok := cur[b]; !ok {
			out = append(out, b)
		}
	}
	return out
}

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// fnv is FNV-1a over s, continuing from h.
func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	return h
}

// mix spreads h's bits (splitmix64's finaliser) so that summing the
// hashes of a set does not let two rows' changes cancel out easily.
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}
