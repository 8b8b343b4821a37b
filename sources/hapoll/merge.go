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

// proxyKey names a frontend or backend row.
type proxyKey struct{ proxy, name string }

func isProxy(r *haproxy.Row) bool {
	return r.Type == haproxy.TypeBackend || r.Type == haproxy.TypeFrontend
}

func sigOf(r *haproxy.Row) proxySig {
	return proxySig{iid: int(r.IID), typ: r.Type, status: r.Status(), act: r.Act(), bck: r.Bck(),
		weight: int(r.Weight), uweight: int(r.UWeight), chkDown: r.ChkDown()}
}

func proxySigs(rows []haproxy.Row) map[proxyKey]proxySig {
	m := map[proxyKey]proxySig{}
	for i := range rows {
		if r := &rows[i]; isProxy(r) {
			m[proxyKey{r.Proxy, r.Name()}] = sigOf(r)
		}
	}
	return m
}

// changedBackends returns the proxy ids of the backends among rows whose
// signature differs from old, or errFull when the set of proxies changed
// or more than max backends changed. It compares in place: a light poll
// at every refresh builds nothing.
func changedBackends(old map[proxyKey]proxySig, rows []haproxy.Row, max int) ([]int, error) {
	var ids []int
	n := 0
	for i := range rows {
		r := &rows[i]
		if !isProxy(r) {
			continue
		}
		n++
		o, ok := old[proxyKey{r.Proxy, r.Name()}]
		if !ok || o.iid != int(r.IID) {
			return nil, errFull
		}
		if r.Type == haproxy.TypeBackend && o != sigOf(r) {
			ids = append(ids, int(r.IID))
		}
	}
	if n != len(old) || len(ids) > max {
		return nil, errFull
	}
	slices.Sort(ids)
	return ids, nil
}
