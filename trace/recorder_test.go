package trace_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/trace"
)

// record feeds samples to a recorder writing to memory and returns the
// lines of the trace it wrote.
func record(t *testing.T, o trace.RecorderOptions, feed func(r *trace.Recorder)) ([]trace.Line, trace.RecorderStats) {
	t.Helper()
	var buf strings.Builder
	w, err := trace.NewWriter(&buf, trace.Header{Flavour: trace.FlavourZooKeeper, ZKPath: "/n"})
	if err != nil {
		t.Fatal(err)
	}
	r := trace.NewRecorder(w, o)
	feed(r)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	rd, err := trace.NewReader(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	var out []trace.Line
	for {
		l, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, r.Stats()
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
}

func zkSnap(at time.Time, port int) sources.Snapshot {
	return sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true, At: at, LastGood: at,
		Services: []sources.Service{{Name: "a", Path: "/n/a/services", Data: []byte{}, Registrations: []sources.Registration{{
			Service: "a", Path: "/n/a/services/h_0000000001", Raw: []byte(fmt.Sprintf(`{"host":"h","port":%d}`, port)),
			Ctime: time.UnixMilli(5), Mtime: time.UnixMilli(6), Owner: 9, Version: 2}}}}}
}

func kinds(ls []trace.Line) string {
	var k []string
	for _, l := range ls {
		k = append(k, string(l.Kind))
	}
	return strings.Join(k, " ")
}

// A line when the content changed, not when only the time did; notes
// always; samples in the order they were taken, whatever order they came in.
func TestRecorderWritesChanges(t *testing.T) {
	// In the future: nothing is due before Close, so the order written is the
	// recorder's sort, not how the scheduler interleaved its writer.
	t0 := time.Now().Add(time.Hour)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	lines, st := record(t, trace.RecorderOptions{ZKPath: "/n"}, func(r *trace.Recorder) {
		r.Registry(zkSnap(at(0), 1))
		r.Registry(zkSnap(at(100), 1)) // the same registry: no line
		r.Note(at(300), "changed the port")
		r.Registry(zkSnap(at(200), 2)) // taken before the note, reported after it
		down := zkSnap(at(400), 2)
		down.State, down.Err = sources.StateExpired, "session expired"
		r.Registry(down)
		r.HAProxy(&haproxy.Snapshot{Label: "main", At: at(500)}) // no raw replies: cannot be recorded
		r.HAProxy(&haproxy.Snapshot{Label: "main", At: at(600), Err: errors.New("refused")})
		r.HAProxy(&haproxy.Snapshot{Label: "main", At: at(700), Err: errors.New("refused")})
	})
	if got := kinds(lines); got != "zk zk note zk haproxy" {
		t.Fatalf("lines %s", got)
	}
	if st.Skipped != 2 || st.NoRaw != 1 || st.Late != 0 || st.Lines[trace.KindZK] != 3 || st.Bytes == 0 {
		t.Fatalf("stats %+v", st)
	}
	if n := lines[0].ZK.Nodes[0]; n.Version != 2 || n.EphemeralOwner != 9 || n.Ctime != 5 || n.Mtime != 6 || string(n.Data) != `{"host":"h","port":1}` {
		t.Fatalf("node %+v", n)
	}
	if s := lines[0].ZK.Services["a"]; s.Path != "" || s.Data == nil {
		t.Fatalf("service %+v: a conventional path is not written, empty data is", s)
	}
	if z := lines[3].ZK; z.State != trace.StateUnreachable || z.SourceState != sources.StateExpired || z.Error != "session expired" || !z.LastGood.Equal(at(400)) {
		t.Fatalf("unreachable %+v", z)
	}
	if !lines[1].T.Equal(at(200)) || lines[4].HAProxy.Error != "refused" {
		t.Fatalf("times %v %v", lines[1].T, lines[2].T)
	}
}

// Each kind is written again after a heartbeat even when nothing changed.
func TestRecorderHeartbeat(t *testing.T) {
	var buf strings.Builder
	w, _ := trace.NewWriter(&buf, trace.Header{})
	r := trace.NewRecorder(w, trace.RecorderOptions{Heartbeat: 100 * time.Millisecond})
	r.Registry(zkSnap(time.Now(), 1))
	deadline := time.Now().Add(30 * time.Second)
	for r.Stats().Lines[trace.KindZK] < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no heartbeat: %+v", r.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Close()
	if n := strings.Count(buf.String(), `"kind":"zk"`); n < 3 {
		t.Fatalf("%d zk lines", n)
	}
}

// A recording that cannot be written stops with the error and never
// blocks its feeders.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n++; f.n > 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestRecorderWriteError(t *testing.T) {
	w, err := trace.NewWriter(&failWriter{}, trace.Header{})
	if err != nil {
		t.Fatal(err)
	}
	r := trace.NewRecorder(w, trace.RecorderOptions{})
	for i := range 1000 {
		r.Registry(zkSnap(time.Now().Add(-time.Second), i))
	}
	if err := r.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Close: %v", err)
	}
	r.Note(time.Now(), "after close") // ignored, no panic
	if r.Err() == nil {
		t.Fatal("no error kept")
	}
}

// A poll that changed only show info's per-second fields is not written,
// but when the socket fails next, the error line still says when it was
// last read: the replay's error snapshot has the live one's LastGood, not
// the time of the last line written (up to a heartbeat earlier).
func TestRecorderErrorKeepsTheLastGoodRead(t *testing.T) {
	t0 := time.Now().Add(-2 * time.Second)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	info, stat := readTestdata(t, "states-show-info.txt"), readTestdata(t, "states-show-stat.txt")
	later := strings.Replace(info, "Uptime_sec: 65", "Uptime_sec: 66", 1)
	seq := uint64(0)
	poll := func(ms int, info string) *haproxy.Snapshot { // a full read, each a new base
		seq++
		i, err := haproxy.ParseInfo([]byte(info))
		if err != nil {
			t.Fatal(err)
		}
		return &haproxy.Snapshot{Label: "main", At: at(ms), LastGood: at(ms), Info: i,
			Raw: &haproxy.RawReplies{Poll: haproxy.PollFull, Info: info, Stat: stat, StatSeq: seq}}
	}
	first, last := poll(0, info), poll(100, later)
	down := &haproxy.Snapshot{Label: "main", At: at(200), LastGood: last.LastGood, Info: last.Info,
		Err: errors.New("dial unix /run/h.sock: connection refused")}
	lines, st := record(t, trace.RecorderOptions{}, func(r *trace.Recorder) {
		r.HAProxy(first)
		r.HAProxy(last) // only Uptime_sec moved: no line
		r.HAProxy(down)
	})
	if got := kinds(lines); got != "haproxy haproxy" || st.Skipped != 1 {
		t.Fatalf("lines %s, %d skipped", got, st.Skipped)
	}
	_, ins := playLines(t, trace.Header{Sockets: map[string]string{"main": "/run/h.sock"}}, lines...)
	if got := ins[1].HAProxy; got.Err == nil || !got.LastGood.Equal(last.LastGood) || got.Info == nil {
		t.Fatalf("replayed error: last good %s, want %s (err %v)", got.LastGood, last.LastGood, got.Err)
	}
}
