package ui

import (
	"errors"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
)

// TestSameSocketRows: the HAProxy list is rebuilt for a frame whose
// sockets have other reads or labels, and only then.
func TestSameSocketRows(t *testing.T) {
	s1, s2 := &haproxy.Stats{}, &haproxy.Stats{}
	a := &haproxy.Snapshot{Label: "main", Stats: s1}
	errored := &haproxy.Snapshot{Label: "main", Stats: s1, Err: errors.New("connection refused")} // same read, a new error
	for _, tc := range []struct {
		name string
		x, y []*haproxy.Snapshot
		want bool
	}{
		{"same snapshots", []*haproxy.Snapshot{a}, []*haproxy.Snapshot{a}, true},
		{"same read, new state", []*haproxy.Snapshot{a}, []*haproxy.Snapshot{errored}, true},
		{"new read", []*haproxy.Snapshot{a}, []*haproxy.Snapshot{{Label: "main", Stats: s2}}, false},
		{"read lost", []*haproxy.Snapshot{a}, []*haproxy.Snapshot{{Label: "main"}}, false},
		{"other label", []*haproxy.Snapshot{a}, []*haproxy.Snapshot{{Label: "edge", Stats: s1}}, false},
		{"socket added", []*haproxy.Snapshot{a}, []*haproxy.Snapshot{a, {Label: "edge"}}, false},
		{"first frame", nil, []*haproxy.Snapshot{a}, false},
		{"none", nil, nil, true},
	} {
		if got := sameSocketRows(tc.x, tc.y); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
