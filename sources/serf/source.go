package serf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/sources"
)

// DefaultAddr is the Serf agent's default RPC address.
const DefaultAddr = "127.0.0.1:7373"

// Options configures a Serf registry source.
type Options struct {
	// Addr is the agent's RPC address (serf agent -rpc-addr); DefaultAddr when empty.
	Addr string
	// Label is the address shown in snapshots, when Addr is not what the
	// user knows the agent by (a local forward to a host's agent over SSH).
	Label string
	// AuthKey is the agent's rpc_auth key ("" for none). The caller reads it
	// from SERF_RPC_AUTH or a file; it is never logged.
	AuthKey string
	// Logger receives connection changes (Info) and stream records (Debug).
	Logger *slog.Logger
	// Reconnect is the first delay before reconnecting; it doubles on each
	// failure up to 16 times its value (at most 30 s unless Reconnect itself
	// is larger). Default 1 s.
	Reconnect time.Duration
	// Resync is how often the member list is re-read while connected: it
	// detects a hung agent and repairs stream events the client library
	// dropped. Default 30 s.
	Resync time.Duration
	// Timeout bounds dialing and each RPC call. Default 5 s.
	Timeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Reconnect <= 0 {
		o.Reconnect = time.Second
	}
	if o.Resync <= 0 {
		o.Resync = 30 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	return o
}

func (o Options) maxDelay() time.Duration {
	d := min(16*o.Reconnect, 30*time.Second)
	return max(d, o.Reconnect)
}

// Source is a live Serf registry. It implements sources.Registry.
type Source struct {
	o       Options
	updates chan sources.Update
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once

	mu  sync.Mutex
	cur sources.Snapshot

	// Owned by the run goroutine.
	members   map[string]sources.Member
	services  []sources.Service
	agent     string // the agent's own member name, from its stats
	synced    bool
	lastGood  time.Time
	dropped   int // events dropped since the reader last took an update
	abandoned []chan dialResult
}

var _ sources.Registry = (*Source)(nil)

// Open starts following the Serf agent at o.Addr. It never blocks on the
// agent: connecting, reconnecting and failures show up in the snapshots'
// State and Err. The source stops when ctx ends or Close is called.
func Open(ctx context.Context, o Options) (*Source, error) {
	o = o.withDefaults()
	if strings.ContainsAny(o.Addr, " \t\n") || !strings.Contains(o.Addr, ":") {
		return nil, fmt.Errorf("serf RPC address %q is not host:port: pass it like --serf 127.0.0.1:7373", o.Addr)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Source{
		o:       o,
		updates: make(chan sources.Update, 1),
		cancel:  cancel,
		done:    make(chan struct{}),
		members: map[string]sources.Member{},
	}
	s.cur = s.snapshot(sources.StateConnecting, "")
	go s.run(ctx)
	return s, nil
}

// Updates delivers every new snapshot with the events that led to it. It
// never holds the source back: when the reader is slow, pending updates are
// merged (latest snapshot, all events). It is closed when the source stops.
func (s *Source) Updates() <-chan sources.Update { return s.updates }

// Current returns the latest snapshot without waiting.
func (s *Source) Current() sources.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Close stops the source and closes Updates. It is safe to call twice.
func (s *Source) Close() error {
	s.once.Do(func() {
		s.cancel()
		<-s.done
	})
	return nil
}

// run is the connection loop: connect, sync, follow the stream, and on any
// failure retry with backoff, keeping the last snapshot (stale).
func (s *Source) run(ctx context.Context) {
	defer close(s.done)
	defer close(s.updates)
	defer s.closeAbandoned()
	delay := s.o.Reconnect
	everConnected := false
	for {
		c, err := s.dial(ctx)
		if err == nil {
			var synced bool
			synced, err = s.session(ctx, c, everConnected)
			c.Close()
			if synced {
				everConnected = true
				delay = s.o.Reconnect
				if errors.Is(err, errStreamClosed) {
					// The stream kept the data current until the agent
					// closed it: its age counts from now, not from the
					// last event received.
					s.lastGood = time.Now()
				}
			}
		}
		if ctx.Err() != nil {
			s.finish()
			return
		}
		state := sources.StateDisconnected
		if everConnected {
			state = sources.StateReconnecting
		}
		if isAuthErr(err) {
			state = sources.StateAuthFailed
		}
		msg := s.explain(err, delay)
		s.o.Logger.Warn("serf: not connected", "addr", s.o.Addr, "state", state, "err", err, "retry_in", delay)
		s.publish(s.snapshot(state, msg), []sources.Event{s.connEvent(msg)})
		select {
		case <-ctx.Done():
			s.finish()
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, s.o.maxDelay())
	}
}

// finish publishes the closed state as Current (Updates is about to close).
func (s *Source) finish() {
	snap := s.snapshot(sources.StateClosed, "the Serf source was closed")
	s.mu.Lock()
	s.cur = snap
	s.mu.Unlock()
}

// maxAbandoned bounds the dials left waiting on an agent that accepted the
// connection but never answered the handshake (the client library's
// handshake has no deadline, so such a dial can only be abandoned).
const maxAbandoned = 3

type dialResult struct {
	c   *serfclient.RPCClient
	err error
}

// dial connects and authenticates, giving up when ctx ends or after Timeout.
// Abandoned dials are kept and closed when they finish; once maxAbandoned
// are pending, dial waits on the oldest again instead of opening yet another
// connection to a hung agent.
func (s *Source) dial(ctx context.Context) (*serfclient.RPCClient, error) {
	live := s.abandoned[:0]
	for _, ch := range s.abandoned {
		select {
		case r := <-ch:
			if r.c != nil {
				r.c.Close()
			}
		default:
			live = append(live, ch)
		}
	}
	s.abandoned = live
	var ch chan dialResult
	if len(s.abandoned) >= maxAbandoned {
		ch, s.abandoned = s.abandoned[0], s.abandoned[1:]
	} else {
		ch = make(chan dialResult, 1)
		go func() {
			c, err := serfclient.ClientFromConfig(&serfclient.Config{Addr: s.o.Addr, AuthKey: s.o.AuthKey, Timeout: s.o.Timeout})
			ch <- dialResult{c, err}
		}()
	}
	// The TCP dial has Timeout; the handshake gets as long again.
	t := time.NewTimer(2 * s.o.Timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		s.abandoned = append(s.abandoned, ch)
		return nil, ctx.Err()
	case <-t.C:
		s.abandoned = append(s.abandoned, ch)
		return nil, fmt.Errorf("the agent accepted the connection but did not answer the RPC handshake within %s", s.o.Timeout)
	}
}

// closeAbandoned closes the pending dials' clients whenever they arrive.
func (s *Source) closeAbandoned() {
	for _, ch := range s.abandoned {
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
	}
	s.abandoned = nil
}

// errStreamClosed is the end of a session whose agent closed the stream.
var errStreamClosed = errors.New("the agent closed the RPC connection (stopped or restarted?)")

// session subscribes to the stream, reads the member list and follows the
// stream until the connection fails or ctx ends. synced says whether the
// initial member list was read.
func (s *Source) session(ctx context.Context, c *serfclient.RPCClient, reconnect bool) (synced bool, err error) {
	ch := make(chan map[string]any, 4096)
	// Subscribe before listing so nothing between the two is missed; events
	// queued meanwhile are applied on top of the list.
	if _, err := call(ctx, c, s.o.Timeout, func() (serfclient.StreamHandle, error) { return c.Stream("*", ch) }); err != nil {
		return false, fmt.Errorf("subscribing to the event stream: %w", err)
	}
	list, err := call(ctx, c, s.o.Timeout, c.Members)
	if err != nil {
		return false, fmt.Errorf("listing members: %w", err)
	}
	// Which member this agent is: the only one whose tags its RPC can change.
	stats, err := call(ctx, c, s.o.Timeout, c.Stats)
	if err != nil {
		return false, fmt.Errorf("reading the agent's stats: %w", err)
	}
	s.agent = stats["agent"]["name"]
	s.resync(list, true, reconnect)
	s.o.Logger.Info("serf: connected", "addr", s.o.Addr, "members", len(list))

	tick := time.NewTicker(s.o.Resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case raw, ok := <-ch:
			if !ok {
				return true, errStreamClosed
			}
			s.apply(drain(raw, ch))
		case <-tick.C:
			list, err := call(ctx, c, s.o.Timeout, c.Members)
			if err != nil {
				return true, fmt.Errorf("re-reading members: %w", err)
			}
			s.resync(list, false, false)
		}
	}
}

// drain collects first and whatever else is already queued, so a burst of
// events becomes one update.
func drain(first map[string]any, ch <-chan map[string]any) []record {
	recs := []record{parseRecord(first)}
	for len(recs) < 512 {
		select {
		case raw, ok := <-ch:
			if !ok {
				return recs
			}
			recs = append(recs, parseRecord(raw))
		default:
			return recs
		}
	}
	return recs
}

// call runs an RPC with a deadline; on timeout or ctx end it closes the
// client, which unblocks the call (the client has no per-call deadline).
func call[T any](ctx context.Context, c *serfclient.RPCClient, d time.Duration, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	var zero T
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		c.Close()
		return zero, ctx.Err()
	case <-t.C:
		c.Close()
		return zero, fmt.Errorf("no answer within %s", d)
	}
}

// resync replaces the member list with a full read and publishes what changed.
func (s *Source) resync(list []serfclient.Member, connect, reconnect bool) {
	now := time.Now()
	next := make(map[string]sources.Member, len(list))
	for _, m := range fromClient(list) {
		next[m.Name] = m
	}
	var events []sources.Event
	if s.synced {
		events = diffMembers(s.members, next, now)
	}
	prev := s.services
	s.members = next
	s.services = Decode(s.memberList())
	regEvents := diffServices(prev, s.services, now)
	if !s.synced {
		regEvents = nil // the first read is the baseline, not a burst of registrations
	}
	events = append(events, regEvents...)
	s.synced = true
	s.lastGood = now
	if connect {
		msg := fmt.Sprintf("connected to the Serf agent at %s: %d members, %d services", s.o.Addr, len(next), len(s.services))
		kind := sources.EventConnState
		if reconnect {
			kind = sources.EventResync
			msg = fmt.Sprintf("reconnected to the Serf agent at %s and re-read the member list: %d members, %d services, %d changes while disconnected",
				s.o.Addr, len(next), len(s.services), len(regEvents))
		}
		events = append([]sources.Event{{At: now, Kind: kind, Source: sources.KindSerf, Message: msg}}, events...)
	} else if len(events) == 0 {
		// Nothing changed; keep LastGood fresh without waking the reader.
		s.mu.Lock()
		s.cur.LastGood = now
		s.mu.Unlock()
		return
	}
	s.publish(s.snapshot(sources.StateConnected, ""), events)
}

// apply folds stream records into the member list and publishes once.
func (s *Source) apply(recs []record) {
	now := time.Now()
	prev := s.services
	var events []sources.Event
	changed := false
	for _, r := range recs {
		s.o.Logger.Debug("serf: event", "event", r.Event, "members", len(r.Members), "name", r.Name)
		switch {
		case r.isMember():
			for _, m := range r.Members {
				old, known := s.members[m.Name]
				if r.Event == "member-update" && known && sameMember(old, m) {
					continue // Serf re-sends member-update for members whose tags did not change
				}
				if r.Event == "member-reap" {
					delete(s.members, m.Name)
				} else {
					s.members[m.Name] = m
				}
				changed = true
				msg := r.describe(m)
				if r.Event == "member-update" && known {
					msg = fmt.Sprintf("member %s (%s) tags: %s", m.Name, m.Addr, sources.TagChanges(old.Tags, m.Tags))
				}
				events = append(events, sources.Event{At: now, Kind: sources.EventMember, Source: sources.KindSerf, Message: msg})
			}
		case r.Event == "user" || r.Event == "query":
			events = append(events, sources.Event{At: now, Kind: sources.EventUser, Source: sources.KindSerf, Message: r.userMessage()})
		default:
			events = append(events, sources.Event{At: now, Kind: sources.EventMember, Source: sources.KindSerf, Message: "unknown Serf event " + fmt.Sprintf("%q", r.Event)})
		}
	}
	s.lastGood = now
	if !changed && len(events) == 0 {
		// Only re-sent updates: nothing to tell; LastGood stays fresh.
		s.mu.Lock()
		s.cur.LastGood = now
		s.mu.Unlock()
		return
	}
	if changed {
		s.services = Decode(s.memberList())
		events = append(events, diffServices(prev, s.services, now)...)
	}
	s.publish(s.snapshot(sources.StateConnected, ""), events)
}

// sameMember reports whether a member's update changes nothing we show.
func sameMember(a, b sources.Member) bool {
	return a.Status == b.Status && a.Addr == b.Addr && maps.Equal(a.Tags, b.Tags)
}

func (s *Source) memberList() []sources.Member {
	out := make([]sources.Member, 0, len(s.members))
	for _, m := range s.members {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// snapshot builds an immutable snapshot of the current state. Members' tag
// maps are never modified after a record or list created them, so sharing
// them between snapshots is safe.
func (s *Source) snapshot(state sources.ConnState, errMsg string) sources.Snapshot {
	return sources.Snapshot{
		Kind:     sources.KindSerf,
		Address:  cmp.Or(s.o.Label, s.o.Addr),
		State:    state,
		Err:      errMsg,
		At:       time.Now(),
		LastGood: s.lastGood,
		Services: s.services,
		Members:  s.memberList(),
		Agent:    s.agent,
		Synced:   s.synced,
	}
}

func (s *Source) connEvent(msg string) sources.Event {
	return sources.Event{At: time.Now(), Kind: sources.EventConnState, Source: sources.KindSerf, Message: msg}
}

// explain turns a connection error into a sentence with what to check.
func (s *Source) explain(err error, retry time.Duration) string {
	e := "unknown error"
	if err != nil {
		e = err.Error()
	}
	switch {
	case isAuthErr(err) && s.o.AuthKey == "":
		return fmt.Sprintf("the Serf agent at %s requires an RPC auth key: set SERF_RPC_AUTH or pass the key file (retrying in %s)", s.o.Addr, retry)
	case isAuthErr(err):
		return fmt.Sprintf("the Serf agent at %s refused the RPC auth key (%s): check that it matches the agent's rpc_auth (retrying in %s)", s.o.Addr, e, retry)
	case strings.Contains(e, "connection refused"):
		return fmt.Sprintf("cannot reach the Serf agent RPC at %s (connection refused): check that `serf agent` runs and its -rpc-addr; retrying in %s", s.o.Addr, retry)
	}
	return fmt.Sprintf("lost the Serf agent at %s: %s; retrying in %s", s.o.Addr, e, retry)
}

func isAuthErr(err error) bool {
	if err == nil {
		return false
	}
	e := err.Error()
	return strings.Contains(e, "Authentication required") || strings.Contains(e, "Invalid authentication token")
}
