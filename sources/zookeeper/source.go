package zookeeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path"
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
	// Dial, when set, opens the connections to the servers instead of a
	// net.Dialer (the SSH transport tunnels them); it must honour ctx.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// Once: the caller reads the first full snapshot and closes the source
	// (snapshot, check). No watches are set: nothing would follow them, and
	// a client holding none never re-sends any, so its first reads need not
	// be held back (see settleDelay). The services' own znodes, which only
	// a recording keeps (Service.Data), are not read.
	Once bool
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
		if s.state == sources.StateConnected {
			s.lastGood = time.Now() // the watches kept the data good until now
		}
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
