package zookeeper

import "testing"

// TestFirstFrame: the connect response is found however the reads split
// it, and bytes after it are not counted.
func TestFirstFrame(t *testing.T) {
	frame := []byte{0, 0, 0, 3, 'a', 'b', 'c'}
	for _, tc := range []struct {
		name  string
		reads [][]byte
		done  []bool // after each read
	}{
		{"whole, with the next reply behind it", [][]byte{append(frame, 0, 0, 0, 9)}, []bool{true}},
		{"byte by byte", [][]byte{{0}, {0}, {0}, {3}, {'a'}, {'b'}, {'c'}}, []bool{false, false, false, false, false, false, true}},
		{"prefix, then body", [][]byte{frame[:4], frame[4:]}, []bool{false, true}},
		{"empty frame", [][]byte{{0, 0, 0, 0}}, []bool{true}},
	} {
		var f firstFrame
		for i, r := range tc.reads {
			if got := f.feed(r); got != tc.done[i] {
				t.Errorf("%s: after read %d done = %v, want %v", tc.name, i, got, tc.done[i])
			}
		}
	}
}
