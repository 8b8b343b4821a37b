package haproxy

// MergeServers builds new rows from the last full rows: frontend and
// backend rows from agg (a `show stat -1 3 -1` reply), the servers of the
// backends in fresh (`show stat <iid> 4 -1` replies, by iid) from fresh,
// every other server row as it was. It reports false when a re-read
// backend's servers are not the same set as before (servers added or
// removed at runtime). It is what sources/hapoll's partial polls publish,
// here so that a replay (package trace) rebuilds the very same rows.
func MergeServers(last, agg []Row, fresh map[int][]Row) ([]Row, bool) {
	aggByKey := make(map[string]*Row, len(agg))
	for i := range agg {
		aggByKey[agg[i].Key()] = &agg[i]
	}
	rows := make([]Row, len(last))
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
		f, ok := fresh[int(r.IID)]
		if !ok {
			continue
		}
		j := pos[int(r.IID)]
		if j >= len(f) || f[j].Name() != r.Name() {
			return nil, false
		}
		*r = f[j]
		pos[int(r.IID)] = j + 1
	}
	for iid, f := range fresh {
		if pos[iid] != len(f) {
			return nil, false
		}
	}
	return rows, true
}
