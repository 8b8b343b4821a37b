package hapoll

import (
	"slices"

	"github.com/stacktui/stacktui/haproxy"
)

// proxySig is what of a frontend or backend row changes when one of its
// servers changes state. Counters and lastchg are left out: they move all
// the time without saying anything about the servers.
type proxySig struct {
	iid             int
	typ             haproxy.RowType
	status          string
	act, bck        int
	weight, uweight int
	chkDown         int64
}

func proxySigs(rows []haproxy.Row) map[string]proxySig {
	m := map[string]proxySig{}
	for i := range rows {
		r := &rows[i]
		if r.Type != haproxy.TypeBackend && r.Type != haproxy.TypeFrontend {
			continue
		}
		m[r.Key()] = proxySig{iid: r.IID, typ: r.Type, status: r.Status, act: r.Act, bck: r.Bck,
			weight: r.Weight, uweight: r.UWeight, chkDown: r.ChkDown}
	}
	return m
}

// changedBackends returns the proxy ids of backends whose signature
// changed, or errFull when the set of proxies changed or more than max
// backends changed.
func changedBackends(old, cur map[string]proxySig, max int) ([]int, error) {
	if len(old) != len(cur) {
		return nil, errFull
	}
	var ids []int
	for k, c := range cur {
		o, ok := old[k]
		if !ok || o.iid != c.iid {
			return nil, errFull
		}
		if c.typ == haproxy.TypeBackend && o != c {
			ids = append(ids, c.iid)
		}
	}
	if len(ids) > max {
		return nil, errFull
	}
	slices.Sort(ids)
	return ids, nil
}

// merge builds new rows from the last full rows: frontend and backend rows
// from agg, the servers of the backends in fresh from fresh, every other
// server row as it was. It reports false when a re-read backend's servers
// are not the same set as before (servers added or removed at runtime).
func merge(last, agg []haproxy.Row, fresh map[int][]haproxy.Row) ([]haproxy.Row, bool) {
	aggByKey := make(map[string]*haproxy.Row, len(agg))
	for i := range agg {
		aggByKey[agg[i].Key()] = &agg[i]
	}
	rows := make([]haproxy.Row, len(last))
	copy(rows, last)
	pos := map[int]int{} // next fresh row per backend
	for i := range rows {
		r := &rows[i]
		if !r.IsServer() {
			if a, ok := aggByKey[r.Key()]; ok {
				*r = *a
			}
			continue
		}
		f, ok := fresh[r.IID]
		if !ok {
			continue
		}
		j := pos[r.IID]
		if j >= len(f) || f[j].Name != r.Name {
			return nil, false
		}
		*r = f[j]
		pos[r.IID] = j + 1
	}
	for iid, f := range fresh {
		if pos[iid] != len(f) {
			return nil, false
		}
	}
	return rows, true
}
