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
