package zookeeper

import (
	"bytes"
	"path"
	"sort"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// incremental handles a batch of watch events: it re-reads only the named
// paths (service list, a service's children, single registrations) and
// publishes once for the whole batch.
func (e *engine) incremental(q []zk.Event, seq uint64) error {
	o := e.s.opts
	root := false
	dirtySvc := map[string]bool{}
	dirtyNode := map[string]bool{} // registration path
	dirtyData := map[string]bool{} // service whose own znode's data changed
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
		case len(o.Paths) == 0 && path.Dir(ev.Path) == o.Root && ev.Type == zk.EventNodeDataChanged:
			dirtyData[path.Base(ev.Path)] = true
		}
	}
	if !root && len(dirtySvc) == 0 && len(dirtyNode) == 0 && len(dirtyData) == 0 {
		return nil
	}
	e.events, e.changed = nil, false
	err := e.reread(root, dirtySvc, dirtyNode, dirtyData)
	// Publish what was read even when a later read failed: those changes
	// are already in the engine's state, and the full re-read that follows
	// a failure diffs against it.
	var services []sources.Service
	if e.changed {
		services = sortedServices(e.svcs)
	}
	e.s.publishData(services, e.events, e.rootErr, false, seq)
	return err
}

// reread re-reads the service list, the dirty services and the dirty nodes,
// in that order, collecting events in e.events; then the data of the
// service znodes that changed or are new.
func (e *engine) reread(root bool, dirtySvc, dirtyNode, dirtyData map[string]bool) error {
	if root {
		if err := e.relistRoot(dirtySvc, dirtyData); err != nil {
			return err
		}
	}
	if err := e.rereadData(dirtyData); err != nil {
		return err
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
	return e.refetch(dirtyNode)
}

// relistRoot re-reads the service list; new services are marked dirty so
// the caller lists them, removed ones deregister everything they held.
func (e *engine) relistRoot(dirty, dirtyData map[string]bool) error {
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
			dirty[name], dirtyData[name] = true, true
			e.changed = true
		}
	}
	e.reindex()
	return nil
}

// rereadData re-reads the data of the named service znodes (recordings
// keep it; a change is no registry event).
func (e *engine) rereadData(names map[string]bool) error {
	for name := range names {
		sv := e.svcs[name]
		if sv == nil {
			continue
		}
		f := e.serviceData(name)
		if f.err != nil {
			return f.err
		}
		if !bytes.Equal(f.data, sv.data) || (f.data == nil) != (sv.data == nil) {
			sv.data, sv.cache, e.changed = f.data, nil, true
		}
	}
	return nil
}

// relistService re-reads one service's children and fetches the new ones.
func (e *engine) relistService(sv *svcState) error {
	rd := e.read()
	l := rd.list(sv.path)
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
	for i, d := range fetchRegs([]reader{rd}, func(int) *svcState { return sv }, newNodes) {
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
	rd := e.read()
	parallel(len(paths), func(i int) { got[i] = rd.get(paths[i]) })
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
