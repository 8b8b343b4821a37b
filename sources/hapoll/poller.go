package hapoll

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
)

// Strategy tunes what each poll reads; see the package documentation.
type Strategy struct {
	// FullEvery is how many polls apart full `show stat` reads are (1 means
	// every poll, as hatop does).
	FullEvery int
	// SmallRows: below this many `show stat` rows every poll is full.
	SmallRows int
	// MaxPartial is the most backends re-read one by one in one poll before
	// a full read is cheaper.
	MaxPartial int
	// FullRows: above this many rows, full reads are spaced out in
	// proportion, so that they cost no more per second than at FullRows
	// (0: never spaced out).
	FullRows int
	// PreviewServers: when a new session's HAProxy has at least this many
	// servers, a preview (haproxy.PreviewStats) is published before the
	// first full read (0: never).
	PreviewServers int
	// PreviewHold is the longest a socket that published a preview waits
	// for Joined before its first full read (0: it does not wait). On a
	// small host the first join, and the registry's first reading, would
	// otherwise share the CPU with HAProxy writing `show stat` and with our
	// parsing it, and come later. It bounds how long the counters wait for
	// a slow registry.
	PreviewHold time.Duration
}

// DefaultStrategy: at a 1 s refresh, full stats every 10 s up to 10,000 rows
// and every 51 s at 51,000 (the watched backends, those on screen, every
// second); exact every poll up to 2,000 rows (about 12 ms of HAProxy CPU
// per poll); a preview first from 10,000 servers, where a full read takes
// HAProxy over 60 ms, the full read held up to 2 s for the registry (10,000
// ZooKeeper registrations take 0.6-1.1 s to read).
var DefaultStrategy = Strategy{FullEvery: 10, SmallRows: 2000, MaxPartial: 8, FullRows: 10000, PreviewServers: 10000,
	PreviewHold: 2 * time.Second}

// fullEvery is how many polls apart full reads are for a reply of rows rows.
func (s Strategy) fullEvery(rows int) int {
	n := s.FullEvery
	if s.FullRows > 0 && rows > s.FullRows {
		n = max(n, (rows*s.FullEvery+s.FullRows-1)/s.FullRows)
	}
	return n
}

// Counters counts the polls of one socket by kind, for tests and tuning.
type Counters struct {
	Full    int64 // polls that read the whole `show stat`
	Partial int64 // polls that re-read some backends' servers
	Light   int64 // polls that read only info and proxy rows
	Preview int64 // previews published before a session's first full read
	Errors  int64 // polls that failed
}

// Poller polls several stats sockets independently.
type Poller struct {
	// Strategy is read by Start; change it before Start only.
	Strategy Strategy

	opts    []client.Options
	refresh time.Duration

	updates chan haproxy.Snapshot
	wake    chan struct{} // a snapshot is pending for the dispatcher
	kicks   []chan struct{}
	joined  []chan struct{} // Joined, per socket

	mu      sync.Mutex
	watched []string // backends to re-read at every poll (Watch)
	current []*haproxy.Snapshot
	pending []*haproxy.Snapshot // not yet handed to Updates, per socket
	next    int                 // round-robin start for the dispatcher

	counters []counters
	keepRaw  atomic.Bool // KeepRaw

	startOnce sync.Once
	closeOnce sync.Once
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

type counters struct{ full, partial, light, preview, errors atomic.Int64 }

// New returns a Poller for the sockets, polling each every refresh once
// started. Labels default to addresses.
func New(opts []client.Options, refresh time.Duration) *Poller {
	if refresh <= 0 {
		refresh = time.Second
	}
	p := &Poller{
		Strategy: DefaultStrategy,
		opts:     append([]client.Options(nil), opts...),
		refresh:  refresh,
		updates:  make(chan haproxy.Snapshot, len(opts)),
		wake:     make(chan struct{}, 1),
		current:  make([]*haproxy.Snapshot, len(opts)),
		pending:  make([]*haproxy.Snapshot, len(opts)),
		counters: make([]counters, len(opts)),
	}
	for i := range p.opts {
		if p.opts[i].Label == "" {
			p.opts[i].Label = p.opts[i].Address
		}
		p.current[i] = &haproxy.Snapshot{Label: p.opts[i].Label, Address: p.opts[i].Address}
		p.kicks = append(p.kicks, make(chan struct{}, 1))
		p.joined = append(p.joined, make(chan struct{}, 1))
	}
	return p
}

// Start begins polling every socket; it returns at once. Later calls do nothing.
func (p *Poller) Start(ctx context.Context) {
	p.startOnce.Do(func() {
		ctx, p.cancel = context.WithCancel(ctx)
		p.wg.Add(1)
		go p.dispatch(ctx)
		for i := range p.opts {
			p.wg.Add(1)
			go p.run(ctx, i)
		}
	})
}

// Updates delivers snapshots as they are taken: the latest of each socket
// when the reader is slower than the polls. It is closed by Close.
func (p *Poller) Updates() <-chan haproxy.Snapshot { return p.updates }

// Current returns the latest snapshot of each socket, in the order given to
// New; a socket not polled yet has only Label and Address.
func (p *Poller) Current() []*haproxy.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*haproxy.Snapshot(nil), p.current...)
}

// Counters returns the poll counts of socket i (in New's order).
func (p *Poller) Counters(i int) Counters {
	c := &p.counters[i]
	return Counters{Full: c.full.Load(), Partial: c.partial.Load(), Light: c.light.Load(), Preview: c.preview.Load(), Errors: c.errors.Load()}
}

// Refresh asks every socket to poll now (after an action), without waiting.
func (p *Poller) Refresh() {
	for _, k := range p.kicks {
		select {
		case k <- struct{}{}:
		default: // a poll is already requested
		}
	}
}

// Joined tells the sockets that the previews they published are joined
// (see Strategy.PreviewHold). It never blocks.
func (p *Poller) Joined() {
	for _, j := range p.joined {
		select {
		case j <- struct{}{}:
		default:
		}
	}
}

// Watch asks every socket to re-read the servers of these backends (at
// most 4) at each poll, so that the rows on screen are never older than
// one refresh although full reads are spaced out; nil stops. It never
// blocks: the next poll reads the list.
func (p *Poller) Watch(backends []string) {
	p.mu.Lock()
	p.watched = append([]string(nil), backends...)
	p.mu.Unlock()
}

// KeepRaw asks every socket to keep the raw replies of its reads in each
// snapshot (haproxy.Snapshot.Raw), for a recorder; false stops. Off (the
// default), replies are never copied. Turning it on makes each socket's
// next poll a full read, the base the raw replies of later polls build on.
func (p *Poller) KeepRaw(on bool) { p.keepRaw.Store(on) }

func (p *Poller) watching() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.watched
}

// Close stops polling, closes the connections and then the Updates channel.
func (p *Poller) Close() {
	p.closeOnce.Do(func() {
		if p.cancel != nil {
			p.cancel()
		}
		p.wg.Wait()
		close(p.updates)
	})
}

// publish records s as socket i's latest and hands it to the dispatcher
// without ever blocking.
func (p *Poller) publish(i int, s *haproxy.Snapshot) {
	p.mu.Lock()
	p.current[i] = s
	p.pending[i] = s // replaces an undelivered older one
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// publishPreview publishes socket i's preview, then waits until it is
// joined, for at most Strategy.PreviewHold.
func (p *Poller) publishPreview(ctx context.Context, i int, s *haproxy.Snapshot) {
	select { // a Joined of an earlier snapshot says nothing of this one
	case <-p.joined[i]:
	default:
	}
	p.publish(i, s)
	if p.Strategy.PreviewHold <= 0 {
		return
	}
	t := time.NewTimer(p.Strategy.PreviewHold)
	defer t.Stop()
	select {
	case <-p.joined[i]:
	case <-t.C:
	case <-ctx.Done():
	}
}

// dispatch moves pending snapshots to Updates, blocking only itself.
func (p *Poller) dispatch(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		}
		for {
			s := p.takePending()
			if s == nil {
				break
			}
			select {
			case p.updates <- *s:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (p *Poller) takePending() *haproxy.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.pending {
		i := (p.next + k) % len(p.pending)
		if s := p.pending[i]; s != nil {
			p.pending[i] = nil
			p.next = i + 1
			return s
		}
	}
	return nil
}

// run polls socket i until ctx ends.
func (p *Poller) run(ctx context.Context, i int) {
	defer p.wg.Done()
	s := &socket{opts: p.opts[i], strategy: p.Strategy, cnt: &p.counters[i],
		publishPreview: func(snap *haproxy.Snapshot) { p.publishPreview(ctx, i, snap) }, watch: p.watching,
		keepRaw: p.keepRaw.Load}
	defer s.close()
	t := time.NewTicker(p.refresh)
	defer t.Stop()
	for {
		snap := s.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		p.publish(i, snap)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.kicks[i]:
		}
	}
}
