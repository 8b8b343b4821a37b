package hapoll

import (
	"errors"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
)

func rows() []haproxy.Row {
	return []haproxy.Row{
		haproxy.Row{Proxy: "a", Type: haproxy.TypeFrontend, IID: 2}.WithString(haproxy.ColName, "FRONTEND"),
		haproxy.Row{Proxy: "a", Type: haproxy.TypeServer, IID: 2}.WithString(haproxy.ColName, "s1").WithString(haproxy.ColStatus, "UP"),
		haproxy.Row{Proxy: "a", Type: haproxy.TypeServer, IID: 2}.WithString(haproxy.ColName, "s2").WithString(haproxy.ColStatus, "UP"),
		haproxy.Row{Proxy: "a", Type: haproxy.TypeBackend, IID: 2}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP").With(haproxy.ColAct, 2),
		haproxy.Row{Proxy: "b", Type: haproxy.TypeServer, IID: 3}.WithString(haproxy.ColName, "t1").WithString(haproxy.ColStatus, "UP"),
		haproxy.Row{Proxy: "b", Type: haproxy.TypeBackend, IID: 3}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP").With(haproxy.ColAct, 1),
	}
}

func TestChangedBackendsAndMerge(t *testing.T) {
	last := rows()
	agg := []haproxy.Row{last[0], last[3], last[5]}
	agg[1].Set(haproxy.ColAct, 1) // a/s2 drained
	agg[0].Set(haproxy.ColSCur, 9)
	ids, err := changedBackends(proxySigs(last), agg, 8)
	if err != nil || len(ids) != 1 || ids[0] != 2 {
		t.Fatalf("changed = %v, %v", ids, err)
	}
	fresh := map[int][]haproxy.Row{2: {last[1], last[2]}}
	fresh[2][1].SetString(haproxy.ColStatus, "DRAIN")
	got, ok := haproxy.MergeServers(last, agg, fresh)
	if !ok || got[2].Status() != "DRAIN" || got[3].Act() != 1 || got[0].SCur() != 9 || got[4].Status() != "UP" {
		t.Fatalf("merge: %v %+v", ok, got)
	}
	if last[2].Status() != "UP" {
		t.Error("merge modified its input")
	}
	// A server set that changed cannot be merged.
	if _, ok := haproxy.MergeServers(last, agg, map[int][]haproxy.Row{2: {last[1]}}); ok {
		t.Error("merge accepted a missing server")
	}
	if _, ok := haproxy.MergeServers(last, agg, map[int][]haproxy.Row{2: {last[1], last[2], last[2]}}); ok {
		t.Error("merge accepted an extra server")
	}
	// A new proxy, or too many changes, asks for a full read.
	if _, err := changedBackends(proxySigs(last), agg[:2], 8); !errors.Is(err, errFull) {
		t.Errorf("proxy set change: %v", err)
	}
	if _, err := changedBackends(proxySigs(last), agg, 0); !errors.Is(err, errFull) {
		t.Errorf("too many: %v", err)
	}
}

// Full reads space out above FullRows, in proportion to the rows.
func TestFullEveryGrowsWithRows(t *testing.T) {
	s := DefaultStrategy
	for _, c := range []struct{ rows, want int }{
		{100, 10}, {10000, 10}, {10001, 11}, {30000, 30}, {51000, 51}, {100000, 100},
	} {
		if got := s.fullEvery(c.rows); got != c.want {
			t.Errorf("fullEvery(%d) = %d, want %d", c.rows, got, c.want)
		}
	}
	s.FullRows = 0
	if got := s.fullEvery(51000); got != 10 {
		t.Errorf("without FullRows: %d", got)
	}
}
