package replay

import (
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// rawAt is what the trace's own lines say at t, read without the player:
// the registrations of the last registry line, and each socket's server
// rows of its last good `show stat`.
type rawAt struct {
	registrations int // ZooKeeper nodes; -1 for Serf (decoded by the source's decoder, not counted here)
	servers       map[string][]haproxy.Row
}

func rawStateAt(t *testing.T, lines []trace.Line, at time.Time) rawAt {
	t.Helper()
	raw := rawAt{registrations: -1, servers: map[string][]haproxy.Row{}}
	for _, l := range lines {
		if l.T.After(at) {
			break
		}
		switch {
		case l.ZK != nil && l.ZK.State == trace.StateConnected:
			raw.registrations = len(l.ZK.Nodes)
		case l.HAProxy != nil && l.HAProxy.Error == "" && l.HAProxy.ShowStat != "":
			st, err := haproxy.ParseStat([]byte(l.HAProxy.ShowStat))
			if err != nil {
				t.Fatalf("line %d: %v", l.Num, err)
			}
			var servers []haproxy.Row
			for _, r := range st.Rows {
				if r.IsServer() {
					servers = append(servers, r)
				}
			}
			raw.servers[l.HAProxy.Socket] = servers
		}
	}
	return raw
}

// checkCounts compares a replayed view with the trace's lines at its
// instant: every registration is in the view, and every server of the
// view's backends is on its instance, once.
func checkCounts(t *testing.T, name string, v *state.View, raw rawAt) {
	t.Helper()
	regs := 0
	backends := map[string]bool{}
	rows := map[string]int{}
	for _, s := range v.Services {
		backends[s.Backend] = true
		for _, in := range s.Instances {
			if in.Registration != nil {
				regs++
				regs += len(in.Duplicates())
			}
			for si, seen := range in.HAProxy {
				if seen.Row != nil {
					rows[v.SocketLabel(si)]++
				}
			}
		}
	}
	if raw.registrations >= 0 && regs != raw.registrations {
		t.Errorf("%s at %s: %d registrations in the view, %d nodes in the trace", name, v.At.Format("15:04:05.000"), regs, raw.registrations)
	}
	for sock, servers := range raw.servers {
		want := 0
		for _, r := range servers {
			if backends[r.Proxy] {
				want++
			}
		}
		if rows[sock] != want {
			t.Errorf("%s at %s: %d servers of socket %s in the view, %d in the trace", name, v.At.Format("15:04:05.000"), rows[sock], sock, want)
		}
	}
}

// TestReplayEveryFixture replays each trace recorded from the real daemons
// end to end: every line decodes, the events come in time order, and at
// the start, at every note and at the end the view holds exactly the
// trace's registrations and HAProxy servers.
func TestReplayEveryFixture(t *testing.T) {
	for _, name := range tracetest.Names(t) {
		t.Run(name, func(t *testing.T) {
			_, lines := tracetest.ReadAll(t, name)
			rp := openFixture(t, name)
			var last time.Time
			var kinds = map[string]int{}
			steps := 0
			for {
				in, err := rp.Step()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("line %d: %v", rp.Line(), err)
				}
				steps++
				if in.Line != lines[steps-1].Num {
					t.Fatalf("input %d is line %d, want %d", steps, in.Line, lines[steps-1].Num)
				}
				for _, e := range rp.Frame().Events {
					if e.At.Before(last) {
						t.Fatalf("line %d: event at %s after one at %s: %s", in.Line, e.At, last, e.Text)
					}
					last = e.At
					kinds[e.Kind]++
				}
			}
			if steps != len(lines) {
				t.Fatalf("%d inputs for %d lines", steps, len(lines))
			}
			if w := rp.Warnings(); len(w) > 0 {
				t.Errorf("warnings: %v", w)
			}
			notes := tracetest.Notes(t, name)
			if kinds[state.EventNote] != len(notes) || kinds[state.EventConnection] < 2 {
				t.Errorf("events by kind %v, %d notes in the trace", kinds, len(notes))
			}
			// The view at chosen instants, each from a fresh replay.
			ats := []At{{Set: true}, {Set: true, Offset: 100 * time.Millisecond}}
			for i := range notes {
				ats = append(ats, At{Set: true, Note: i + 1}, At{Set: true, Note: i + 1, Offset: 2 * time.Second})
			}
			for _, a := range ats {
				rp := openFixture(t, name)
				f, err := rp.Until(a)
				if err != nil {
					t.Fatalf("%+v: %v", a, err)
				}
				if f.View == nil || !f.View.At.Equal(f.At) {
					t.Fatalf("%+v: view at %v, frame at %v", a, f.View, f.At)
				}
				checkCounts(t, name, f.View, rawStateAt(t, lines, f.At))
			}
			f, err := openFixture(t, name).Until(At{})
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, name, f.View, rawStateAt(t, lines, f.At))
			if !f.Ready {
				t.Error("the view at the end has not read every source")
			}
		})
	}
}

func openFixture(t *testing.T, name string) *Replayer {
	t.Helper()
	rp, err := Open(tracetest.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rp.Close() })
	return rp
}

// TestReplayUntil: --at as an RFC 3339 time, as +offset and after a note;
// instants outside the trace and missing notes are errors that say so.
func TestReplayUntil(t *testing.T) {
	const name = "zk-operator-maint-then-ready"
	notes := tracetest.Notes(t, name)
	rp := openFixture(t, name)
	start := rp.Start()
	// 0.2 s after the MAINT the server shows MAINT; 0.2 s after ready not.
	status := func(f live.Frame) string {
		for _, s := range f.View.Services {
			for _, in := range s.Instances {
				if in.Server == "host1_127.0.0.1:22002" {
					return in.HAProxy[0].Row.Status()
				}
			}
		}
		return "absent"
	}
	for _, c := range []struct {
		spec      string
		afterNote int
		want      string
		at        time.Time
	}{
		{"+0.2s", 1, "MAINT", notes[0].T.Add(200 * time.Millisecond)},
		{"+0s", 2, "MAINT", notes[1].T},
		{"+2s", 2, "UP", notes[1].T.Add(2 * time.Second)},
		{notes[0].T.Add(time.Second).Format(time.RFC3339Nano), 0, "MAINT", notes[0].T.Add(time.Second)},
		{"+1s", 0, "UP", start.Add(time.Second)},
	} {
		a, err := ParseAt(c.spec, c.afterNote)
		if err != nil {
			t.Fatal(err)
		}
		f, err := openFixture(t, name).Until(a)
		if err != nil {
			t.Fatalf("%s after note %d: %v", c.spec, c.afterNote, err)
		}
		if got := status(f); got != c.want || !f.At.Equal(c.at) || !f.View.At.Equal(c.at) {
			t.Errorf("%s after note %d: %s at %s, want %s at %s", c.spec, c.afterNote, got, f.At, c.want, c.at)
		}
	}
	for _, c := range []struct {
		spec      string
		afterNote int
		err       string
	}{
		{"+1h", 0, "after the trace ends"},
		{start.Add(-time.Second).Format(time.RFC3339), 0, "before the trace starts"},
		{"+0s", 3, "the trace has 2 notes, not 3"},
	} {
		a, err := ParseAt(c.spec, c.afterNote)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := openFixture(t, name).Until(a); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s after note %d: %v, want %q", c.spec, c.afterNote, err, c.err)
		}
	}
	for _, bad := range []string{"12.5s", "+x", "+-1s", "yesterday"} {
		if _, err := ParseAt(bad, 0); err == nil {
			t.Errorf("ParseAt(%q) accepted", bad)
		}
	}
}

// TestReplayBadInput: a file that is not a trace and a trace with a broken
// line give errors naming the line, never a panic.
func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := Open(write("notjson", "hello\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("not a trace: %v", err)
	}
	if _, err := Open(write("v9", `{"trace":"smartstack","version":9}`+"\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("unknown version: %v", err)
	}
	// A good trace with line 3 broken.
	lines := fixtureLines(t, "zk-service-crash")
	lines[2] = "{not json\n"
	p := write("broken.jsonl", strings.Join(lines[:10], ""))
	rp, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	_, err = rp.Until(At{})
	var te *trace.Error
	if !errors.As(err, &te) || te.Line != 3 || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("broken line: %v", err)
	}
	// Line 6 goes back in time.
	lines = fixtureLines(t, "zk-service-crash")
	lines[5] = regexp.MustCompile(`"t": ?"[^"]+"`).ReplaceAllString(lines[5], `"t":"2020-01-01T00:00:00Z"`)
	rp, err = Open(write("backwards.jsonl", strings.Join(lines[:10], "")))
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	if _, err = rp.Until(At{}); !errors.As(err, &te) || te.Line != 6 {
		t.Fatalf("time going backwards: %v", err)
	}
}

// fixtureLines is a fixture trace's lines, each with its newline.
func fixtureLines(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(tracetest.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(all), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
