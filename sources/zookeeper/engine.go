package zookeeper

import (
	"sort"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// retryEvery is how soon a failed connect or resync is tried again.
const retryEvery = time.Second

// svcState is the engine's own, mutable view of one service.
type svcState struct {
	name, path string
	regs       map[string]sources.Registration // by node name
	err        string
	data       []byte           // the service znode's data; nil when not read (Synapse paths)
	cache      *sources.Service // the published value; nil when it changed
}

func newSvc(name, p string) *svcState {
	return &svcState{name: name, path: p, regs: map[string]sources.Registration{}}
}

// service returns the immutable published form, rebuilt only after a change.
func (sv *svcState) service() sources.Service {
	if sv.cache == nil {
		regs := make([]sources.Registration, 0, len(sv.regs))
		for _, r := range sv.regs {
			regs = append(regs, r)
		}
		sort.Slice(regs, func(i, j int) bool { return regs[i].Path < regs[j].Path })
		sv.cache = &sources.Service{Name: sv.name, Path: sv.path, Registrations: regs, Err: sv.err, Data: sv.data}
	}
	return *sv.cache
}

// engine owns the registry state. It runs on one goroutine and is the only
// code that reads ZooKeeper for the snapshot; the client's callback only
// queues events for it.
type engine struct {
	s      *Source
	conn   *zk.Conn
	svcs   map[string]*svcState
	byPath map[string][]string // registrations parent path -> services using it
	// rootErr says why the service list could not be read ("" when fine).
	rootErr    string
	needSync   bool
	syncedOnce bool
	cl         *client
	// lostAt is when the last read session lost its connection (zero when fine).
	lostAt   time.Time
	authDone bool
	events   []sources.Event
	changed  bool
}

// run is the engine loop: connect; on every new session a full pipelined
// read with fresh watches; between those, incremental re-reads of what the
// watches name. A client that loses the connection of a session we had
// read is replaced by a new one (see client), so every reconnect is a new
// session and a full, diffed re-read.
func (s *Source) run() {
	defer close(s.done)
	e := &engine{s: s, svcs: map[string]*svcState{}, byPath: map[string][]string{}, needSync: true}
	var retry <-chan time.Time
	for {
		if e.conn == nil && !e.dial() {
			retry = time.After(retryEvery)
		}
		select {
		case <-s.ctx.Done():
			return
		case <-s.kick:
		case <-retry:
			retry = nil
		}
		if e.conn == nil {
			continue
		}
		q := s.takeQueue()
		for _, ev := range q {
			if ev.Type == zk.EventSession && ev.State == zk.StateHasSession {
				e.needSync = true // fresh watches: never trust the re-armed ones
			}
		}
		if e.cl.retired.Load() {
			// The client lost the connection of a session we had read: a
			// new client, new session and fresh watches replace it.
			e.replaceConn()
			continue
		}
		seq, live := s.sessionSeq()
		if e.needSync {
			if !live {
				continue // the next session's kick brings us back
			}
			if err := e.fullSync(seq); err != nil {
				s.log.Info("full read of the registry interrupted; retrying", "err", err)
				retry = time.After(retryEvery)
			}
			continue // the queued watch events are covered by the full read
		}
		if err := e.incremental(q, seq); err != nil {
			s.log.Info("re-read interrupted; a full read follows", "err", err)
			e.needSync = true
			retry = time.After(retryEvery)
		}
	}
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

func sortEvents(evs []sources.Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		a, b := evs[i].Registration, evs[j].Registration
		if a == nil || b == nil {
			return false
		}
		return a.Path < b.Path
	})
}
