package zookeeper

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// fullSync re-reads everything with fresh watches and publishes the result,
// with events derived by diffing against what was shown before.
func (e *engine) fullSync(seq uint64) error {
	s := e.s
	start := time.Now()
	if !e.lostAt.IsZero() && start.Sub(e.lostAt) > s.opts.SessionTimeout {
		// The old session could not have outlived the outage.
		s.noteExpired(start.Sub(e.lostAt))
	}
	if !e.authDone && len(s.opts.Auth) > 0 {
		if err := e.conn.AddAuth("digest", s.opts.Auth); err != nil {
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

	// List every service (and read its own znode's data, for recordings),
	// then fetch every registration, InFlight at a time.
	lists := make([]listing, len(names))
	datas := make([]fetched, len(names))
	parallel(len(names), func(i int) {
		lists[i] = e.read().list(want[names[i]])
		datas[i] = e.serviceData(names[i])
	})
	for i, l := range lists {
		if l.err != nil && isConnErr(l.err) {
			return l.err
		}
		if err := datas[i].err; err != nil && isConnErr(err) {
			return err
		}
	}
	next := make(map[string]*svcState, len(names))
	var nodes []string
	var owners []*svcState
	for i, l := range lists {
		sv := newSvc(names[i], want[names[i]])
		sv.data = datas[i].data
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
	rds := []reader{e.read()}
	if s.opts.Once && len(nodes) >= oneShotMinNodes {
		extra, closeExtra := e.extraReaders(oneShotSessions - 1)
		defer closeExtra()
		rds = append(rds, extra...)
	}
	got := fetchRegs(rds, func(i int) *svcState { return owners[i] }, nodes)
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
// the children of Root (watched, unless the source reads once).
func (e *engine) serviceList() (map[string]string, string, error) {
	o := e.s.opts
	want := map[string]string{}
	if len(o.Paths) > 0 {
		for svc, p := range o.Paths {
			want[svc] = p
		}
		return want, "", nil
	}
	l := e.read().list(o.Root)
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

// read is the reader of the engine's client.
func (e *engine) read() reader { return reader{c: e.conn, watch: !e.s.opts.Once} }

// serviceData reads the service znode <Root>/<name>, with a data watch.
// Its data is nil when the services come from Synapse paths (there is no
// service znode to speak of), when the source reads once (only a recording
// keeps it, and snapshot and check do not record), or when it could not be
// read; empty when empty.
func (e *engine) serviceData(name string) fetched {
	if len(e.s.opts.Paths) > 0 || e.s.opts.Once {
		return fetched{}
	}
	f := e.read().get(joinPath(e.s.opts.Root, name))
	switch {
	case f.err != nil && isConnErr(f.err):
		return f
	case f.err != nil:
		return fetched{}
	case f.data == nil:
		f.data = []byte{}
	}
	return f
}

// listing is a directory read: its children, or that it does not exist
// (with an exists-watch set so its creation is seen), or an error.
type listing struct {
	kids    []string
	missing bool
	err     error
}

// list lists p, with a child watch when r watches; when p does not exist
// it sets an exists-watch instead (retrying if p appears in between).
func (r reader) list(p string) listing {
	for range 3 {
		var kids []string
		var err error
		if r.watch {
			kids, _, _, err = r.c.ChildrenW(p)
		} else {
			kids, _, err = r.c.Children(p)
		}
		if err == nil {
			return listing{kids: kids}
		}
		if !errors.Is(err, zk.ErrNoNode) {
			return listing{err: err}
		}
		var ok bool
		if r.watch {
			ok, _, _, err = r.c.ExistsW(p)
		} else {
			ok, _, err = r.c.Exists(p)
		}
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
		Malformed: UnreadablePrefix + describeErr(p, f.err)}, true, nil
}

// reindex rebuilds path -> services after the service set changed.
func (e *engine) reindex() {
	e.byPath = make(map[string][]string, len(e.svcs))
	for name, sv := range e.svcs {
		e.byPath[sv.path] = append(e.byPath[sv.path], name)
	}
}
