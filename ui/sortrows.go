package ui

import (
	"cmp"
	"sort"
)

// sortKey is a column's value for sorting: numbers first, then text; tie
// breaks equal keys in ascending order whatever the direction (worst
// first, then by name).
type sortKey struct {
	n   float64
	s   string
	tie string
}

func compareKeys(a, b sortKey) int {
	if c := cmp.Compare(a.n, b.n); c != 0 {
		return c
	}
	return cmp.Compare(a.s, b.s)
}

// sortedBy returns rows stably sorted by key (descending with desc).
func sortedBy[T any](rows []T, desc bool, key func(T) sortKey) []T {
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sortIndex(idx, desc, func(i int) sortKey { return key(rows[i]) })
	out := make([]T, len(rows))
	for k, i := range idx {
		out[k] = rows[i]
	}
	return out
}

// sortIndex sorts idx (row indices) by the key of column col, stably, in
// the list's direction.
func sortIndex(idx []int, desc bool, key func(i int) sortKey) {
	keys := make([]sortKey, len(idx))
	for k, i := range idx {
		keys[k] = key(i)
	}
	perm := make([]int, len(idx))
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool {
		ka, kb := &keys[perm[a]], &keys[perm[b]]
		c := compareKeys(*ka, *kb)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(ka.tie, kb.tie)
		}
		return c < 0
	})
	out := make([]int, len(idx))
	for k, p := range perm {
		out[k] = idx[p]
	}
	copy(idx, out)
}

// nextSort advances a list's sort column through the sortable columns,
// then back to none (the natural order).
func (l *list) nextSort(ncols int) {
	l.sort++
	if l.sort >= ncols {
		l.sort = -1
	}
}
