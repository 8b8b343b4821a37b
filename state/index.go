package state

import "github.com/stacktui/stacktui/haproxy"

// pair is a two-string map key (backend and server name or address), so that
// lookups never build a concatenated string.
type pair struct{ a, b string }

// sock is one HAProxy socket's rows indexed for the join. Server ids and row
// order are never used as keys: they change when Synapse restarts.
type sock struct {
	label    string
	snap     *haproxy.Snapshot
	rows     []haproxy.Row
	readable bool // has a `show stat` (possibly an old one: see snap.Err)
	byName   map[pair]int32
	byAddr   map[pair]int32
	nextAddr []int32 // next row with the same backend and address, -1 at the end
	claimed  []bool
	servers  map[string][]int32 // backend -> its server rows, in socket order
	proxies  map[string]struct{}
}

func indexSocket(s *haproxy.Snapshot) *sock {
	k := &sock{label: s.Label, snap: s}
	if k.label == "" {
		k.label = s.Address
	}
	if s.Stats == nil {
		return k
	}
	k.readable = true
	k.rows = s.Stats.Rows
	n := len(k.rows)
	k.byName = make(map[pair]int32, n)
	k.byAddr = make(map[pair]int32, n)
	k.nextAddr = make([]int32, n)
	k.claimed = make([]bool, n)
	k.servers = make(map[string][]int32)
	k.proxies = make(map[string]struct{})
	// Rows come grouped by proxy; remember the last proxy to skip map work.
	last := "\x00"
	var cur []int32
	flush := func() {
		if last != "\x00" && cur != nil {
			k.servers[last] = cur
		}
	}
	for i := range k.rows {
		r := &k.rows[i]
		k.nextAddr[i] = -1
		if r.Proxy != last {
			flush()
			last, cur = r.Proxy, nil
			if prev, ok := k.servers[last]; ok {
				cur = prev
			}
			k.proxies[last] = struct{}{}
		}
		if !r.IsServer() {
			continue
		}
		cur = append(cur, int32(i))
		k.byName[pair{r.Proxy, r.Name}] = int32(i)
		if r.Addr != "" {
			ak := pair{r.Proxy, r.Addr}
			if first, ok := k.byAddr[ak]; ok {
				// Append to the end of the chain to keep socket order.
				j := first
				for k.nextAddr[j] >= 0 {
					j = k.nextAddr[j]
				}
				k.nextAddr[j] = int32(i)
			} else {
				k.byAddr[ak] = int32(i)
			}
		}
	}
	flush()
	return k
}

// hasProxy reports whether this socket has a proxy (backend) of that name.
func (k *sock) hasProxy(name string) bool {
	_, ok := k.proxies[name]
	return ok
}

// claimName returns the unclaimed server row of backend named server, or -1.
func (k *sock) claimName(backend, server string) int32 {
	i, ok := k.byName[pair{backend, server}]
	if !ok || k.claimed[i] {
		return -1
	}
	k.claimed[i] = true
	return i
}

// claimAddr returns the first unclaimed server row of backend at addr, or -1.
func (k *sock) claimAddr(backend, addr string) int32 {
	i, ok := k.byAddr[pair{backend, addr}]
	if !ok {
		return -1
	}
	for ; i >= 0; i = k.nextAddr[i] {
		if !k.claimed[i] {
			k.claimed[i] = true
			return i
		}
	}
	return -1
}
