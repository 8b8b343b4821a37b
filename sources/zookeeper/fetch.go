package zookeeper

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// InFlight is how many reads the source keeps outstanding at once. The
// client pipelines concurrent requests on its one connection, so this
// bounds latency-bound loads (10,000 nodes: ~0.9 s instead of ~2.1 s).
const InFlight = 64

// reader issues the source's reads on one client: with watches, or without
// them for a source that reads once (Options.Once).
type reader struct {
	c     *zk.Conn
	watch bool
}

// fetched is the result of one get.
type fetched struct {
	data []byte
	stat sources.NodeStat
	err  error
}

// get reads one node, setting a data watch on it when r watches.
func (r reader) get(p string) fetched {
	var data []byte
	var st *zk.Stat
	var err error
	if r.watch {
		data, st, _, err = r.c.GetW(p)
	} else {
		data, st, err = r.c.Get(p)
	}
	if err != nil {
		return fetched{err: err}
	}
	return fetched{data: data, stat: toNodeStat(st)}
}

// decoded is one fetched and decoded registration.
type decoded struct {
	reg  sources.Registration
	keep bool  // false: the node vanished before it could be read
	err  error // the session or connection is gone
}

// fetchRegs reads and decodes the nodes of sv InFlight at a time, spread
// evenly over rds; decoding happens in the workers, overlapping the network
// waits.
func fetchRegs(rds []reader, svcOf func(i int) *svcState, nodes []string) []decoded {
	out := make([]decoded, len(nodes))
	parallel(len(nodes), func(i int) {
		sv := svcOf(i)
		f := rds[i%len(rds)].get(joinPath(sv.path, nodes[i]))
		out[i].reg, out[i].keep, out[i].err = decodeFetched(sv, nodes[i], f)
	})
	return out
}

// parallel runs fn(0..n-1) on at most InFlight goroutines. Each takes the
// next index itself: handing indexes over a channel woke a worker per item.
func parallel(n int, fn func(i int)) {
	workers := min(n, InFlight)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// toNodeStat converts the client's Stat to the shared model.
func toNodeStat(st *zk.Stat) sources.NodeStat {
	if st == nil {
		return sources.NodeStat{}
	}
	return sources.NodeStat{
		Czxid:          st.Czxid,
		Mzxid:          st.Mzxid,
		Ctime:          time.UnixMilli(st.Ctime),
		Mtime:          time.UnixMilli(st.Mtime),
		Version:        st.Version,
		Cversion:       st.Cversion,
		EphemeralOwner: st.EphemeralOwner,
		DataLength:     st.DataLength,
		NumChildren:    st.NumChildren,
	}
}

// isConnErr reports errors that mean "the session or connection is gone":
// the read must be redone on the next session, not shown as data.
func isConnErr(err error) bool {
	return errors.Is(err, zk.ErrConnectionClosed) || errors.Is(err, zk.ErrNoServer) ||
		errors.Is(err, zk.ErrSessionExpired) || errors.Is(err, zk.ErrClosing) ||
		errors.Is(err, zk.ErrSessionMoved)
}

// describeErr says what a read error means and what to check.
func describeErr(p string, err error) string {
	switch {
	case errors.Is(err, zk.ErrNoAuth):
		return "not allowed to read " + p + ": check --zk-auth-file (digest user:password) against the node's ACL"
	case errors.Is(err, zk.ErrNoNode):
		return p + " does not exist (yet); watching for it"
	}
	return "reading " + p + ": " + err.Error()
}
