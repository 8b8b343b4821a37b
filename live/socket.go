package live

import (
	"slices"

	"github.com/stacktui/stacktui/haproxy"
)

// rowKey names a row within one socket.
type rowKey struct{ proxy, name string }

// newerRows are a socket's rows read after its Stats — the proxy rows and
// the watched backends' servers of a light poll — by proxy and name.
type newerRows map[rowKey]*haproxy.Row

// socket is one HAProxy socket as the pipeline keeps it: the snapshot as
// the poller sent it, and the consistent one every consumer reads.
type socket struct {
	label string
	last  *haproxy.Snapshot // as received
	// cur is last with Stats replaced by the socket's one consistent set of
	// rows: the last full read with every later partial read merged in.
	// Watched is nil (merged into Stats or held in newer); Aggregates are
	// kept for the join's traffic figures.
	cur   *haproxy.Snapshot
	newer newerRows  // rows newer than cur.Stats, nil when none
	spans proxySpans // where each proxy's rows are in cur.Stats, built on first use
}

// apply takes the socket's next snapshot. It returns what changed, and
// whether the joined view must be redone: a new read, merged rows, or a
// change of the socket's health (its diagnoses say so).
func (k *socket) apply(s *haproxy.Snapshot) (ch Change, join bool) {
	prev := k.last
	k.last = s
	c := *s
	c.Watched = nil
	if prev == nil || (prev.Err == nil) != (s.Err == nil) || prev.Level != s.Level || prev.Preview != s.Preview ||
		(prev.Stats == nil) != (s.Stats == nil) || pid(prev) != pid(s) {
		ch |= ChangeSources
		join = true
	}
	if prev != nil && prev.Info != s.Info {
		ch |= ChangeTraffic // `show info` figures: connections, rates, uptime
	}
	switch {
	case s.Stats == nil:
		k.newer = nil
	case prev == nil || k.cur == nil || s.Stats != prev.Stats:
		// A new read: a full `show stat`, a partial re-read the poller merged,
		// or a preview. It is the socket's rows from now on.
		ch |= ChangeRows
		join = true
		k.newer = nil
		if len(s.Aggregates)+len(s.Watched) > 0 {
			k.newer = index(s.Aggregates, s.Watched)
		}
	default:
		// The same read with newer rows on top (a light poll): counters move;
		// servers whose state moved are merged into the rows and rejoined.
		c.Stats = k.cur.Stats
		if len(s.Aggregates)+len(s.Watched) > 0 {
			ch |= ChangeTraffic
		}
		if k.spans.of != c.Stats {
			k.spans = spansOf(c.Stats)
		}
		if st := mergeMoved(c.Stats, k.spans, s.Watched); st != nil {
			c.Stats = st
			ch |= ChangeRows
			join = true
		}
		k.newer = nil
		if len(s.Aggregates)+len(s.Watched) > 0 {
			k.newer = index(s.Aggregates, s.Watched)
		}
	}
	k.cur = &c
	return ch, join
}

func pid(s *haproxy.Snapshot) int {
	if s == nil || s.Info == nil {
		return 0
	}
	return s.Info.PID
}

// index indexes rows by proxy and name, later lists winning.
func index(lists ...[]haproxy.Row) newerRows {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	m := make(newerRows, n)
	for _, l := range lists {
		for i := range l {
			m[rowKey{l[i].Proxy, l[i].Name()}] = &l[i]
		}
	}
	return m
}

// stateMoved reports whether a re-read server row differs from the one in
// the rows in what the join, its diagnoses or its events read: not in
// counters, which the newer rows carry to the screen.
func stateMoved(old, cur *haproxy.Row) bool {
	return old.Status() != cur.Status() || old.Weight != cur.Weight || old.UWeight != cur.UWeight ||
		old.CheckStatus() != cur.CheckStatus() || old.Addr() != cur.Addr() || old.AgentStatus() != cur.AgentStatus()
}

// mergeMoved returns a copy of st with the watched server rows whose state
// moved replaced, or nil when none did. At 50,000 servers a copy costs a few
// milliseconds: it happens only when a server on screen changes state
// without its backend's row showing it (HAProxy's "UP 1/2" while checks
// settle, a new check result), which is rare; the full read that follows
// would show it up to a minute later.
func mergeMoved(st *haproxy.Stats, spans proxySpans, watched []haproxy.Row) *haproxy.Stats {
	if st == nil || len(watched) == 0 {
		return nil
	}
	byKey := make(map[rowKey]*haproxy.Row, len(watched))
	var proxies []string
	for i := range watched {
		byKey[rowKey{watched[i].Proxy, watched[i].Name()}] = &watched[i]
		if !slices.Contains(proxies, watched[i].Proxy) {
			proxies = append(proxies, watched[i].Proxy)
		}
	}
	var moved []int
	for _, p := range proxies {
		for _, sp := range spans.by[p] {
			for i := sp.from; i < sp.to; i++ {
				r := &st.Rows[i]
				if w := byKey[rowKey{r.Proxy, r.Name()}]; w != nil && r.IsServer() && stateMoved(r, w) {
					moved = append(moved, int(i))
				}
			}
		}
	}
	if len(moved) == 0 {
		return nil
	}
	rows := slices.Clone(st.Rows)
	for _, i := range moved {
		rows[i] = *byKey[rowKey{rows[i].Proxy, rows[i].Name()}]
	}
	return &haproxy.Stats{Fields: st.Fields, Rows: rows}
}

// proxySpans says where each proxy's rows are in one Stats, so that a few
// watched backends are compared without walking 50,000 rows every poll.
type proxySpans struct {
	of *haproxy.Stats
	by map[string][]span
}

// span is rows [from, to) of one proxy.
type span struct{ from, to int32 }

func spansOf(st *haproxy.Stats) proxySpans {
	ps := proxySpans{of: st, by: map[string][]span{}}
	if st == nil {
		return ps
	}
	for i := 0; i < len(st.Rows); {
		j := i + 1
		for j < len(st.Rows) && st.Rows[j].Proxy == st.Rows[i].Proxy {
			j++
		}
		p := st.Rows[i].Proxy
		ps.by[p] = append(ps.by[p], span{int32(i), int32(j)})
		i = j
	}
	return ps
}
