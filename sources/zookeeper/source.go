package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// DefaultRoot is Nerve's conventional parent of all services (--zk-path).
const DefaultRoot = "/nerve/services"

// DefaultSessionTimeout is the session timeout asked of ZooKeeper.
const DefaultSessionTimeout = 10 * time.Second

// maxPendingEvents bounds the events kept for a reader that has not
// collected its last Update; the oldest go first.
const maxPendingEvents = 100_000

// Options configures a Source.
type Options struct {
	// Servers are the ensemble's "host:port" addresses (--zk).
	Servers []string
	// Root is the parent of the services (--zk-path, default
	// /nerve/services): each child <svc> holds its registrations under
	// <root>/<svc>/services.
	Root string
	// Paths maps a service to the exact parent of its registrations (a
	// Synapse config's discovery.path). When non-empty only these services
	// are watched and Root is ignored.
	Paths map[string]string
	// Auth is the digest credential "user:password" (see ParseAuthFile), or nil.
	Auth []byte
	// SessionTimeout is asked of ZooKeeper; DefaultSessionTimeout when zero.
	SessionTimeout time.Duration
	// Logger receives the source's and the ZooKeeper client's logs; discarded when nil.
	Logger *slog.Logger
}

// Source is a live, read-only view of the Nerve registrations in one
// ZooKeeper ensemble. It implements sources.Registry and sources.Browser.
type Source struct {
	opts Options
	log  *slog.Logger
	addr string

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	out    chan sources.Update

	// qmu guards the queue the client's callback fills; kick wakes the engine.
	qmu   sync.Mutex
	queue []zk.Event
	kick  chan struct{}

	connMu sync.Mutex
	conn   *zk.Conn
	// gen numbers the clients; events of replaced ones are dropped.
	gen atomic.Uint64

	// mu guards everything below and serialises publishing.
	mu        sync.Mutex
	closed    bool
	state     sources.ConnState
	err       string
	connErr   string // the client's last "failed to connect" line
	dataErr   string // why the service list could not be read
	lastGood  time.Time
	synced    bool
	sessSeq   uint64 // bumped on every session event
	sessState zk.State
	services  []sources.Service
	current   sources.Snapshot
}

var (
	_ sources.Registry = (*Source)(nil)
	_ sources.Browser  = (*Source)(nil)
)

// Open starts watching the ensemble. It does not wait for ZooKeeper: until
// the first full read the snapshots say "connecting"; errors are only for
// options that can never work.
func Open(ctx context.Context, o Options) (*Source, error) {
	if len(o.Servers) == 0 {
		return nil, errors.New("zookeeper: no servers given: pass --zk host:port[,host:port...]")
	}
	for _, s := range o.Servers {
		if strings.TrimSpace(s) == "" {
			return nil, errors.New("zookeeper: empty server address in --zk")
		}
	}
	if len(o.Paths) == 0 {
		if o.Root == "" {
			o.Root = DefaultRoot
		}
		o.Root = cleanPath(o.Root)
		if err := checkPath(o.Root); err != nil {
			return nil, fmt.Errorf("zookeeper: --zk-path: %w", err)
		}
	} else {
		paths := make(map[string]string, len(o.Paths))
		for svc, p := range o.Paths {
			p = cleanPath(p)
			if err := checkPath(p); err != nil {
				return nil, fmt.Errorf("zookeeper: discovery path of service %q: %w", svc, err)
			}
			paths[svc] = p
		}
		o.Paths = paths
	}
	if len(o.Auth) > 0 {
		a, err := ParseAuth(o.Auth)
		if err != nil {
			return nil, err
		}
		o.Auth = a
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = DefaultSessionTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Source{
		opts:   o,
		log:    o.Logger.With("source", "zookeeper"),
		addr:   strings.Join(o.Servers, ","),
		ctx:    cctx,
		cancel: cancel,
		done:   make(chan struct{}),
		out:    make(chan sources.Update, 1),
		kick:   make(chan struct{}, 1),
		state:  sources.StateConnecting,
	}
	s.mu.Lock()
	s.publishLocked(nil)
	s.mu.Unlock()
	go s.run()
	if ctx.Done() != nil {
		go func() {
			select {
			case <-ctx.Done():
				s.Close()
			case <-s.done:
			}
		}()
	}
	return s, nil
}

func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return p
	}
	return path.Clean(p)
}

func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q is not an absolute ZooKeeper path (it must start with /)", p)
	}
	return nil
}

// Updates delivers a new Update after every change. It coalesces: a slow
// reader finds the newest snapshot with every event since its last read,
// and never holds up the watches. It is closed by Close.
func (s *Source) Updates() <-chan sources.Update { return s.out }

// Current returns the latest snapshot without waiting.
func (s *Source) Current() sources.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Close stops the watches, ends the ZooKeeper session and closes Updates.
// It is safe to call more than once.
func (s *Source) Close() error {
	s.cancel()
	// Closing the client first fails any read the engine is waiting on, so
	// Close never waits for a hung server.
	closeConn := func() {
		s.connMu.Lock()
		c := s.conn
		s.conn = nil
		s.connMu.Unlock()
		if c != nil {
			c.Close()
		}
	}
	closeConn()
	<-s.done
	closeConn() // one the engine dialled meanwhile
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.state, s.err = sources.StateClosed, ""
		s.publishLocked([]sources.Event{s.connEvent("closed the ZooKeeper session")})
		s.closed = true
		close(s.out)
	}
	return nil
}

// currentConn is the client, or nil before the first connect and after Close.
func (s *Source) currentConn() *zk.Conn {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return s.conn
}

// onEvent is the client's event callback: it must never block, so it only
// records session states and queues everything for the engine.
func (s *Source) onEvent(gen uint64, ev zk.Event) {
	if gen != s.gen.Load() {
		return // from a client the engine has replaced
	}
	if ev.Type == zk.EventNotWatching {
		return // the engine resyncs on the next session instead
	}
	if ev.Type == zk.EventSession {
		s.onSession(ev.State)
	}
	s.qmu.Lock()
	s.queue = append(s.queue, ev)
	s.qmu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// takeQueue hands the engine everything queued so far.
func (s *Source) takeQueue() []zk.Event {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	q := s.queue
	s.queue = nil
	return q
}

// onSession turns a client state into the snapshot's connection state.
// "connected" is set by the engine only once a full read has finished.
func (s *Source) onSession(st zk.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.sessSeq++
	s.sessState = st
	prev := s.state
	var next sources.ConnState
	var why string
	switch st {
	case zk.StateExpired:
		next = sources.StateExpired
		why = fmt.Sprintf("ZooKeeper session expired (no contact with %s for longer than the session timeout); opening a new session and re-reading everything", s.addr)
	case zk.StateAuthFailed:
		next = sources.StateAuthFailed
		why = fmt.Sprintf("ZooKeeper %s rejected the authentication: check --zk-auth-file (digest user:password)", s.addr)
	case zk.StateDisconnected:
		if prev == sources.StateClosed {
			return
		}
		next = sources.StateDisconnected
		why = fmt.Sprintf("lost the connection to ZooKeeper %s; showing the last known registry (stale) while reconnecting", s.addr)
	case zk.StateConnecting, zk.StateConnected, zk.StateHasSession:
		next = sources.StateConnecting
		if s.synced {
			next = sources.StateReconnecting
		}
		if prev == sources.StateExpired || prev == sources.StateAuthFailed {
			return // keep the reason visible until the resync finishes
		}
		if st == zk.StateConnecting && prev == next {
			return // the client retries every second: not news
		}
		if next == sources.StateReconnecting {
			why = fmt.Sprintf("reconnecting to ZooKeeper %s; the registry shown is stale", s.addr)
		} else {
			why = ""
		}
	default:
		return
	}
	if prev == sources.StateConnected && next != sources.StateConnected {
		s.lastGood = time.Now() // the watches kept the data good until now
	}
	if next == prev && why == s.err {
		return
	}
	s.state, s.err = next, why
	var evs []sources.Event
	if next != prev {
		msg := "ZooKeeper " + string(next)
		if why != "" {
			msg = why
		}
		evs = append(evs, s.connEvent(msg))
	}
	s.publishLocked(evs)
}

// resetSession forgets the replaced client's session state, so the engine
// waits for the new client's session before reading.
func (s *Source) resetSession() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessSeq++
	s.sessState = zk.StateConnecting
}

// noteExpired shows that the last session expired during an outage of d;
// the full read that follows clears it.
func (s *Source) noteExpired(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.state == sources.StateExpired {
		return
	}
	s.state = sources.StateExpired
	s.err = fmt.Sprintf("ZooKeeper session expired: no contact with %s for %v, longer than the %v session timeout; re-reading everything on a new session",
		s.addr, d.Round(100*time.Millisecond), s.opts.SessionTimeout)
	s.publishLocked([]sources.Event{s.connEvent(s.err)})
}

// noteConnectError keeps the client's last dial failure for the status text.
func (s *Source) noteConnectError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.connErr == msg {
		return
	}
	s.connErr = msg
	if s.state != sources.StateConnected {
		s.publishLocked(nil)
	}
}

func (s *Source) connEvent(msg string) sources.Event {
	return sources.Event{At: time.Now(), Kind: sources.EventConnState, Source: sources.KindZooKeeper, Message: msg}
}

// publishData is the engine's way to publish: new services (nil = unchanged),
// events, and whether a full read has just completed for session seq.
func (s *Source) publishData(services []sources.Service, events []sources.Event, dataErr string, fullSync bool, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	changedErr := dataErr != s.dataErr
	s.dataErr = dataErr
	if services != nil {
		s.services = services
	}
	live := s.sessState == zk.StateHasSession && s.sessSeq == seq
	if fullSync && live {
		if s.state != sources.StateConnected {
			events = append(events, s.connEvent(fmt.Sprintf("connected to ZooKeeper %s", s.addr)))
		}
		s.state, s.err, s.synced, s.connErr = sources.StateConnected, "", true, ""
	}
	if s.state == sources.StateConnected {
		s.lastGood = time.Now()
	}
	if services == nil && len(events) == 0 && !fullSync && !changedErr {
		return
	}
	s.publishLocked(events)
}

// sessionSeq reports the session counter and whether a session is up now.
func (s *Source) sessionSeq() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessSeq, s.sessState == zk.StateHasSession
}

// publishLocked builds the snapshot and hands it to the reader, merging the
// events of an Update the reader has not collected yet. s.mu is held, so
// this is the only sender and the send below never blocks.
func (s *Source) publishLocked(events []sources.Event) {
	now := time.Now()
	errText := s.err
	if s.connErr != "" && s.state != sources.StateConnected {
		if errText == "" {
			errText = "connecting to ZooKeeper " + s.addr
		}
		errText += " (" + s.connErr + ")"
	}
	if errText == "" {
		errText = s.dataErr
	}
	s.current = sources.Snapshot{
		Kind:     sources.KindZooKeeper,
		Address:  s.addr,
		State:    s.state,
		Err:      errText,
		At:       now,
		LastGood: s.lastGood,
		Services: s.services,
		Synced:   s.synced,
	}
	var pending []sources.Event
	select {
	case u := <-s.out:
		pending = u.Events
	default:
	}
	all := append(pending, events...)
	if len(all) > maxPendingEvents {
		all = all[len(all)-maxPendingEvents:]
	}
	s.out <- sources.Update{Snapshot: s.current, Events: all}
}

// sortedServices builds the published, immutable service list.
func sortedServices(m map[string]*svcState) []sources.Service {
	out := make([]sources.Service, 0, len(m))
	for _, sv := range m {
		out = append(out, sv.service())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
