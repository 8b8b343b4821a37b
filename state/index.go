package state

import "github.com/stacktui/stacktui/haproxy"

// sock is one HAProxy socket's rows indexed for the join. Server ids and row
// order are never used as keys: they change when Synapse restarts.
type sock struct {
	label    string
	snap     *haproxy.Snapshot
	rows     []haproxy.Row
	readable bool // has a `show stat` (possibly an old one: see snap.Err)
	claimed  []bool
	backends map[string]*backendIdx // every proxy with a row, by name
	// fresh are the snapshot's Aggregates by proxy, preferred to the
	// proxy rows of rows (nil without Aggregates).
	fresh map[string]freshRows
}

// freshRows are a proxy's FRONTEND and BACKEND rows, nil when absent.
type freshRows struct{ front, back *haproxy.Row }

// indexFresh indexes the FRONTEND and BACKEND rows among rows as k.fresh
// (servers are skipped); nil rows leave k.fresh nil.
func (k *sock) indexFresh(rows []haproxy.Row) {
	if rows == nil {
		return
	}
	k.fresh = make(map[string]freshRows)
	for i := range rows {
		r := &rows[i]
		p := k.fresh[r.Proxy]
		switch r.Type {
		case haproxy.TypeFrontend:
			p.front = r
		case haproxy.TypeBackend:
			p.back = r
		default:
			continue
		}
		k.fresh[r.Proxy] = p
	}
}

// backendIdx is one proxy's server rows. The address map is built on first
// use: only registrations that match no server by name need it.
type backendIdx struct {
	servers []int32 // server rows in socket order
	byAddr  map[string][]int32
	// agg and front are the proxy's BACKEND and FRONTEND rows, -1 when absent.
	agg, front int32
}

func indexSocket(s *haproxy.Snapshot) *sock {
	k := &sock{label: s.Label, snap: s}
	if k.label == "" {
		k.label = s.Address
	}
	if s.Stats == nil {
		return k
	}
	k.indexFresh(s.Aggregates) // the proxy rows newer than s.Stats, if any
	k.readable = true
	k.rows = s.Stats.Rows
	k.claimed = make([]bool, len(k.rows))
	k.backends = make(map[string]*backendIdx)
	// Rows come grouped by proxy: look the proxy up only when it changes,
	// and give each backend a segment of one shared slice of server rows.
	all := make([]int32, 0, len(k.rows))
	var cur *backendIdx
	last, start := "", 0
	finish := func() {
		if cur == nil || len(all) == start {
			return
		}
		seg := all[start:len(all):len(all)]
		if cur.servers == nil {
			cur.servers = seg
		} else { // the proxy came back after another one: copy, never share
			cur.servers = append(cur.servers[:len(cur.servers):len(cur.servers)], seg...)
		}
	}
	for i := range k.rows {
		r := &k.rows[i]
		if cur == nil || r.Proxy != last {
			finish()
			last, start = r.Proxy, len(all)
			cur = k.backends[last]
			if cur == nil {
				cur = &backendIdx{agg: -1, front: -1}
				k.backends[last] = cur
			}
		}
		switch r.Type {
		case haproxy.TypeServer:
			all = append(all, int32(i))
		case haproxy.TypeBackend:
			cur.agg = int32(i)
		case haproxy.TypeFrontend:
			cur.front = int32(i)
		}
	}
	finish()
	return k
}

// hasProxy reports whether this socket has a proxy (backend) of that name.
func (k *sock) hasProxy(name string) bool {
	_, ok := k.backends[name]
	return ok
}

// serversOf returns backend's server rows in socket order.
func (k *sock) serversOf(backend string) []int32 {
	if b := k.backends[backend]; b != nil {
		return b.servers
	}
	return nil
}

// claimAddr returns the first unclaimed server row of backend at addr, or -1.
func (k *sock) claimAddr(backend, addr string) int32 {
	b := k.backends[backend]
	if b == nil {
		return -1
	}
	if b.byAddr == nil {
		b.byAddr = make(map[string][]int32, len(b.servers))
		for _, i := range b.servers {
			a := k.rows[i].Addr()
			b.byAddr[a] = append(b.byAddr[a], i)
		}
	}
	for _, i := range b.byAddr[addr] {
		if !k.claimed[i] {
			k.claimed[i] = true
			return i
		}
	}
	return -1
}

// aggregate returns the named proxy's row of type BACKEND or FRONTEND, or nil.
func (k *sock) aggregate(proxy string, t haproxy.RowType) *haproxy.Row {
	if p, ok := k.fresh[proxy]; ok {
		if t == haproxy.TypeFrontend {
			return p.front
		}
		return p.back
	}
	b := k.backends[proxy]
	if b == nil {
		return nil
	}
	i := b.agg
	if t == haproxy.TypeFrontend {
		i = b.front
	}
	if i < 0 {
		return nil
	}
	return &k.rows[i]
}
