package zookeeper

import (
	"errors"
	"fmt"
	"net"
	"path"
	"sort"
	"sync/atomic"
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
		sv.cache = &sources.Service{Name: sv.name, Path: sv.path, Registrations: regs, Err: sv.err}
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

// client is one go-zookeeper connection and what the engine knows of it.
type client struct {
	gen  uint64
	conn *zk.Conn
	// hadSession is set once the client got a session; retired once it then
	// lost its connection. A retired client never dials again: it is closed
	// and replaced. Letting it reconnect would have go-zookeeper re-send its
	// watches, which races inside the library (sendSetWatches reads lastZxid
	// while the receive loop writes it) and would pile our fresh watches on
	// top of the re-armed ones in its watcher table.
	hadSession, retired atomic.Bool
}

// errRetired is the retired client's dial error.
var errRetired = errors.New("client retired after losing its session's connection; a new client takes over")

// replaceConn closes the retired client and opens a new one.
func (e *engine) replaceConn() {
	old := e.cl
	e.cl, e.conn, e.authDone, e.needSync = nil, nil, false, true
	if e.lostAt.IsZero() {
		e.lostAt = time.Now()
	}
	e.s.resetSession()
	go old.conn.Close() // may wait up to a second for the server's close reply
	if !e.dial() {
		e.s.log.Info("reconnect: new ZooKeeper client could not be created; retrying")
	}
}

// dial creates the client; it only fails when no server name resolves.
func (e *engine) dial() bool {
	s := e.s
	cl := &client{gen: s.gen.Add(1)}
	hd := newHandshakeDialer(s.opts.SessionTimeout, len(s.opts.Servers))
	c, _, err := zk.Connect(s.opts.Servers, s.opts.SessionTimeout,
		zk.WithLogger(zkLogger{log: s.log, note: func(msg string) {
			if !cl.retired.Load() {
				s.noteConnectError(msg)
			}
		}}),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type == zk.EventSession {
				switch ev.State {
				case zk.StateHasSession:
					cl.hadSession.Store(true)
				case zk.StateDisconnected:
					if cl.hadSession.Load() {
						cl.retired.Store(true) // before the client's next dial
					}
				}
			}
			s.onEvent(cl.gen, ev)
		}),
		zk.WithDialer(func(network, addr string, timeout time.Duration) (net.Conn, error) {
			if cl.retired.Load() {
				return nil, errRetired
			}
			return hd.dial(network, addr, timeout)
		}))
	if err != nil {
		s.noteConnectError(fmt.Sprintf("%v; check the --zk host names", err))
		return false
	}
	cl.conn = c
	e.cl, e.conn = cl, c
	s.connMu.Lock()
	s.conn = c
	s.connMu.Unlock()
	if s.ctx.Err() != nil { // Close raced with us: it may have missed c
		c.Close()
	}
	return true
}

// fullSync re-reads everything with fresh watches and publishes the result,
// with events derived by diffing against what was shown before.
func (e *engine) fullSync(seq uint64) error {
	c, s := e.conn, e.s
	start := time.Now()
	if !e.lostAt.IsZero() && start.Sub(e.lostAt) > s.opts.SessionTimeout {
		// The old session could not have outlived the outage.
		s.noteExpired(start.Sub(e.lostAt))
	}
	if !e.authDone && len(s.opts.Auth) > 0 {
		if err := c.AddAuth("digest", s.opts.Auth); err != nil {
			if isConnErr(err) {
				return err
			}
			s.log.Warn("ZooKeeper digest auth failed", "err", err)
		}
		e.authDone = true
	}

	want, rootErr, err := e.serviceList()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)

	// List every service, then fetch every registration, InFlight at a time.
	lists := make([]listing, len(names))
	parallel(len(names), func(i int) { lists[i] = listDir(c, want[names[i]]) })
	for _, l := range lists {
		if l.err != nil && isConnErr(l.err) {
			return l.err
		}
	}
	next := make(map[string]*svcState, len(names))
	var nodes []string
	var owners []*svcState
	for i, l := range lists {
		sv := newSvc(names[i], want[names[i]])
		switch {
		case l.err != nil:
			sv.err = describeErr(sv.path, l.err)
		case l.missing:
			sv.err = describeErr(sv.path, zk.ErrNoNode)
		}
		next[names[i]] = sv
		for _, k := range l.kids {
			nodes = append(nodes, k)
			owners = append(owners, sv)
		}
	}
	got := fetchRegs(c, func(i int) *svcState { return owners[i] }, nodes)
	for i, d := range got {
		if d.err != nil {
			return d.err
		}
		if d.keep {
			owners[i].regs[nodes[i]] = d.reg
		}
	}

	now := time.Now()
	var evs []sources.Event
	if !e.syncedOnce {
		// The first read is a load, not news: one event, not one per node.
		evs = append(evs, sources.Event{At: now, Kind: sources.EventResync, Source: sources.KindZooKeeper,
			Message: fmt.Sprintf("read %d registrations in %d services from ZooKeeper %s", len(nodes), len(names), s.addr)})
	}
	for name, sv := range next {
		if o := e.svcs[name]; o != nil {
			evs = append(evs, diffRegs(o.regs, sv.regs, now)...)
		} else if e.syncedOnce {
			evs = append(evs, diffRegs(nil, sv.regs, now)...)
		}
	}
	for name, o := range e.svcs {
		if next[name] == nil {
			evs = append(evs, diffRegs(o.regs, nil, now)...)
		}
	}
	if e.syncedOnce {
		sortEvents(evs)
		evs = append(evs, sources.Event{At: now, Kind: sources.EventResync, Source: sources.KindZooKeeper,
			Message: fmt.Sprintf("re-read %d registrations in %d services with fresh watches: %d changes while away",
				len(got), len(names), len(evs))})
	}
	e.svcs, e.rootErr = next, rootErr
	e.reindex()
	e.needSync, e.syncedOnce, e.lostAt = false, true, time.Time{}
	s.log.Debug("full read done", "services", len(names), "registrations", len(nodes), "took", time.Since(start))
	s.publishData(sortedServices(e.svcs), evs, e.rootErr, true, seq)
	return nil
}

// serviceList is service -> registrations path: the configured Paths, or
// the children of Root (with a watch on it).
func (e *engine) serviceList() (map[string]string, string, error) {
	o := e.s.opts
	want := map[string]string{}
	if len(o.Paths) > 0 {
		for svc, p := range o.Paths {
			want[svc] = p
		}
		return want, "", nil
	}
	l := listDir(e.conn, o.Root)
	switch {
	case l.err != nil && isConnErr(l.err):
		return nil, "", l.err
	case l.err != nil:
		return want, describeErr(o.Root, l.err), nil
	case l.missing:
		return want, describeErr(o.Root, zk.ErrNoNode), nil
	}
	for _, k := range l.kids {
		want[k] = joinPath(joinPath(o.Root, k), "services")
	}
	return want, "", nil
}

// listing is a directory read: its children, or that it does not exist
// (with an exists-watch set so its creation is seen), or an error.
type listing struct {
	kids    []string
	missing bool
	err     error
}

// listDir lists p with a child watch; when p does not exist it sets an
// exists-watch instead (retrying if p appears in between).
func listDir(c *zk.Conn, p string) listing {
	for range 3 {
		kids, _, _, err := c.ChildrenW(p)
		if err == nil {
			return listing{kids: kids}
		}
		if !errors.Is(err, zk.ErrNoNode) {
			return listing{err: err}
		}
		ok, _, _, err := c.ExistsW(p)
		if err != nil {
			return listing{err: err}
		}
		if !ok {
			return listing{missing: true}
		}
	}
	return listing{missing: true}
}

// decodeFetched turns one read into a registration; keep is false when the
// node vanished before it could be read, err set when the session is gone.
func decodeFetched(sv *svcState, node string, f fetched) (r sources.Registration, keep bool, err error) {
	p := joinPath(sv.path, node)
	switch {
	case f.err == nil:
		return DecodeRegistration(sv.name, p, node, f.data, f.stat), true, nil
	case errors.Is(f.err, zk.ErrNoNode):
		return r, false, nil
	case isConnErr(f.err):
		return r, false, f.err
	}
	_, seq, _, _ := DecodeNodeName(node)
	return sources.Registration{Service: sv.name, Path: p, Node: node, Seq: seq,
		Malformed: "could not read: " + describeErr(p, f.err)}, true, nil
}

// reindex rebuilds path -> services after the service set changed.
func (e *engine) reindex() {
	e.byPath = make(map[string][]string, len(e.svcs))
	for name, sv := range e.svcs {
		e.byPath[sv.path] = append(e.byPath[sv.path], name)
	}
}

// incremental handles a batch of watch events: it re-reads only the named
// paths (service list, a service's children, single registrations) and
// publishes once for the whole batch.
func (e *engine) incremental(q []zk.Event, seq uint64) error {
	o := e.s.opts
	root := false
	dirtySvc := map[string]bool{}
	dirtyNode := map[string]bool{} // registration path
	for _, ev := range q {
		if ev.Type == zk.EventSession || ev.Path == "" {
			continue
		}
		switch {
		case len(o.Paths) == 0 && ev.Path == o.Root:
			root = true
		case len(e.byPath[ev.Path]) > 0:
			for _, n := range e.byPath[ev.Path] {
				dirtySvc[n] = true
			}
		case len(e.byPath[path.Dir(ev.Path)]) > 0:
			if ev.Type == zk.EventNodeDataChanged || ev.Type == zk.EventNodeDeleted {
				dirtyNode[ev.Path] = true
			}
		}
	}
	if !root && len(dirtySvc) == 0 && len(dirtyNode) == 0 {
		return nil
	}
	e.events, e.changed = nil, false
	if root {
		if err := e.relistRoot(dirtySvc); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(dirtySvc))
	for n := range dirtySvc {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if sv := e.svcs[n]; sv != nil {
			if err := e.relistService(sv); err != nil {
				return err
			}
		}
	}
	if err := e.refetch(dirtyNode); err != nil {
		return err
	}
	var services []sources.Service
	if e.changed {
		services = sortedServices(e.svcs)
	}
	e.s.publishData(services, e.events, e.rootErr, false, seq)
	return nil
}

// relistRoot re-reads the service list; new services are marked dirty so
// the caller lists them, removed ones deregister everything they held.
func (e *engine) relistRoot(dirty map[string]bool) error {
	want, rootErr, err := e.serviceList()
	if err != nil {
		return err
	}
	if rootErr != e.rootErr {
		e.rootErr, e.changed = rootErr, true
	}
	now := time.Now()
	for name, sv := range e.svcs {
		if _, ok := want[name]; !ok {
			e.events = append(e.events, diffRegs(sv.regs, nil, now)...)
			delete(e.svcs, name)
			e.changed = true
		}
	}
	for name, p := range want {
		if e.svcs[name] == nil {
			e.svcs[name] = newSvc(name, p)
			dirty[name] = true
			e.changed = true
		}
	}
	e.reindex()
	return nil
}

// relistService re-reads one service's children and fetches the new ones.
func (e *engine) relistService(sv *svcState) error {
	c := e.conn
	l := listDir(c, sv.path)
	if l.err != nil && isConnErr(l.err) {
		return l.err
	}
	errText := ""
	switch {
	case l.err != nil:
		errText = describeErr(sv.path, l.err)
	case l.missing:
		errText = describeErr(sv.path, zk.ErrNoNode)
	}
	next := make(map[string]sources.Registration, len(l.kids))
	var newNodes []string
	for _, k := range l.kids {
		if r, ok := sv.regs[k]; ok {
			next[k] = r
		} else {
			newNodes = append(newNodes, k)
		}
	}
	if l.err != nil { // unreadable, not empty: keep what we had
		next = sv.regs
	}
	for i, d := range fetchRegs(c, func(int) *svcState { return sv }, newNodes) {
		if d.err != nil {
			return d.err
		}
		if d.keep {
			next[newNodes[i]] = d.reg
		}
	}
	evs := diffRegs(sv.regs, next, time.Now())
	if len(evs) > 0 || errText != sv.err {
		e.events = append(e.events, evs...)
		sv.regs, sv.err, sv.cache = next, errText, nil
		e.changed = true
	}
	return nil
}

// refetch re-reads single registrations named by data watches.
func (e *engine) refetch(dirty map[string]bool) error {
	if len(dirty) == 0 {
		return nil
	}
	paths := make([]string, 0, len(dirty))
	for p := range dirty {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	got := make([]fetched, len(paths))
	parallel(len(paths), func(i int) { got[i] = getW(e.conn, paths[i]) })
	now := time.Now()
	for i, f := range got {
		dir, node := path.Split(paths[i])
		dir = path.Clean(dir)
		for _, name := range e.byPath[dir] {
			sv := e.svcs[name]
			old, had := sv.regs[node]
			if !had {
				continue // new nodes arrive through the child watch
			}
			r, keep, err := decodeFetched(sv, node, f)
			if err != nil {
				return err
			}
			switch {
			case !keep:
				delete(sv.regs, node)
				e.events = append(e.events, regEvent(sources.EventDeregistered, old, now))
			case !sameReg(old, r):
				sv.regs[node] = r
				e.events = append(e.events, regEvent(sources.EventChanged, r, now))
			default:
				continue
			}
			sv.cache, e.changed = nil, true
		}
	}
	return nil
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
