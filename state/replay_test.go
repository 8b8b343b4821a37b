package state_test

// The diagnoses proven on traces recorded from real, unmodified Nerve,
// Synapse, ZooKeeper, Serf and HAProxy (testdata/traces, each with a .md
// saying what was really true when). A replay goes through live's replay,
// the engine behind the console, watch, snapshot and check: it joins after
// every input, keeps one History from the start (a fresh console), and the
// test keeps every view and every event, so it can look at any instant the
// .md names: "+1.69" is 1.69 s after the trace's first note.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	livereplay "github.com/stacktui/stacktui/live/replay"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// replayOpts vary how a trace is replayed. Each is a rewrite of the real
// trace, so every replay goes through the same path as `stacktui replay`.
type replayOpts struct {
	// noSynapse drops the header's Synapse config: only --zk/--serf and
	// --haproxy, as an operator may run the console.
	noSynapse bool
	// noRegistry drops the registry: HAProxy-only mode.
	noRegistry bool
	// derive rewrites the trace's lines (header first) before replaying:
	// a real trace with one thing changed, for what no fixture recorded.
	derive func(lines []map[string]any) []map[string]any
}

// replay is one trace played through live's replay: the engine every
// consumer (console, watch, snapshot, check) reads its frames from.
type replay struct {
	name   string
	zero   time.Time // the first note
	hist   *state.History
	views  []*state.View
	events []state.Event
}

// replays caches replays by trace name and key.
var replays = map[string]*replay{}

// play replays the named trace. key names the options (the same key must
// mean the same options for a trace): replays are cached by name and key.
func play(t *testing.T, name, key string, o replayOpts) *replay {
	t.Helper()
	if r, ok := replays[name+"|"+key]; ok {
		return r
	}
	rp, err := livereplay.Open(tracePath(t, name, o))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rp.Close()
	r := &replay{name: name}
	for {
		in, err := rp.Step()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if in.Note != "" && r.zero.IsZero() {
			r.zero = in.At
		}
		f := rp.Frame()
		r.hist = f.History
		if f.View != nil && (len(r.views) == 0 || r.views[len(r.views)-1] != f.View) {
			r.views = append(r.views, f.View)
		}
		r.events = append(r.events, f.Events...)
	}
	if w := rp.Warnings(); len(w) > 0 {
		t.Fatalf("%s: replay warnings: %v", name, w)
	}
	replays[name+"|"+key] = r
	return r
}

// oneShot is the view `stacktui snapshot --replay` (and check) prints at
// sec after the trace's first note: everything up to that instant applied
// and joined then.
func oneShot(t *testing.T, name string, o replayOpts, sec float64) *state.View {
	t.Helper()
	rp, err := livereplay.Open(tracePath(t, name, o))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer rp.Close()
	zero := tracetest.Notes(t, name)[0].T
	f, err := rp.Until(livereplay.At{Set: true, Abs: zero.Add(time.Duration(sec*float64(time.Second)) + 50*time.Millisecond)})
	if err != nil {
		t.Fatalf("%s at %+.2fs: %v", name, sec, err)
	}
	return f.View
}

// tracePath is the named trace's file, or a rewrite of it for o.
func tracePath(t *testing.T, name string, o replayOpts) string {
	t.Helper()
	path := tracetest.Path(t, name)
	if o.derive != nil || o.noSynapse || o.noRegistry {
		path = derivedFile(t, name, func(lines []map[string]any) []map[string]any {
			if o.derive != nil {
				lines = o.derive(lines)
			}
			if o.noSynapse {
				delete(lines[0], "synapse_config")
			}
			if o.noRegistry {
				delete(lines[0], "flavour")
				kept := lines[:1]
				for _, l := range lines[1:] {
					if l["kind"] != "zk" && l["kind"] != "serf" {
						kept = append(kept, l)
					}
				}
				lines = kept
			}
			return lines
		})
	}
	return path
}

// instant is the time sec seconds after the first note, plus 50 ms: the
// .md files give instants to 10 ms, and the recorder samples every 200 ms.
func (r *replay) instant(sec float64) time.Time {
	return r.zero.Add(time.Duration(sec*float64(time.Second)) + 50*time.Millisecond)
}

// at is the view in force sec seconds after the first note.
func (r *replay) at(t *testing.T, sec float64) *state.View {
	t.Helper()
	when := r.instant(sec)
	var v *state.View
	for _, x := range r.views {
		if x.At.After(when) {
			break
		}
		v = x
	}
	if v == nil {
		t.Fatalf("%s: no view by %+.2fs", r.name, sec)
	}
	return v
}

// between returns the events stamped in (from, to], seconds after the first note.
func (r *replay) between(from, to float64) []state.Event {
	var out []state.Event
	for _, e := range r.events {
		if e.At.After(r.instant(from)) && !e.At.After(r.instant(to)) {
			out = append(out, e)
		}
	}
	return out
}

// service returns the named service of v, failing when absent.
func service(t *testing.T, v *state.View, name string) *state.Service {
	t.Helper()
	for i := range v.Services {
		if v.Services[i].Name == name {
			return &v.Services[i]
		}
	}
	var names []string
	for _, s := range v.Services {
		names = append(names, s.Name)
	}
	t.Fatalf("at %s: no service %q (have %v)", v.At.Format("15:04:05.000"), name, names)
	return nil
}

// instance returns the instance of s HAProxy names server, failing when absent.
func instance(t *testing.T, s *state.Service, server string) *state.Instance {
	t.Helper()
	for i := range s.Instances {
		if s.Instances[i].Server == server {
			return &s.Instances[i]
		}
	}
	var names []string
	for _, in := range s.Instances {
		names = append(names, in.Server)
	}
	t.Fatalf("service %s: no instance %q (have %v)", s.Name, server, names)
	return nil
}

// diagnosesOf is the service's own diagnoses, or the named instance's.
func diagnosesOf(t *testing.T, v *state.View, svc, server string) []state.Diagnosis {
	t.Helper()
	s := service(t, v, svc)
	if server == "" {
		return s.Diagnoses
	}
	return instance(t, s, server).Diagnoses
}

// codeText is the text of the first diagnosis with code c, ok false when none.
func codeText(ds []state.Diagnosis, c state.Code) (string, bool) {
	for _, d := range ds {
		if d.Code == c {
			return d.Text, true
		}
	}
	return "", false
}

func codesOf(ds []state.Diagnosis) []state.Code {
	out := make([]state.Code, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

// allTexts is every diagnosis text of every view and every event text.
func (r *replay) allTexts() []string {
	var out []string
	for _, v := range r.views {
		out = append(out, texts(v.Diagnoses)...)
		for _, s := range v.Services {
			out = append(out, texts(s.Diagnoses)...)
			for _, in := range s.Instances {
				out = append(out, texts(in.Diagnoses)...)
			}
		}
	}
	for _, e := range r.events {
		out = append(out, e.Text)
	}
	return out
}

func texts(ds []state.Diagnosis) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Text
	}
	return out
}

// containsAll reports the first of words missing from s, "" when none.
func missingWord(s string, words []string) string {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// presentWord reports the first of words found in s, "" when none.
func presentWord(s string, words []string) string {
	for _, w := range words {
		if strings.Contains(s, w) {
			return w
		}
	}
	return ""
}

// derivedFile writes the named trace with its lines rewritten by f, and
// returns its path.
func derivedFile(t *testing.T, name string, f func([]map[string]any) []map[string]any) string {
	t.Helper()
	fh, err := os.Open(tracetest.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	gz, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), trace.MaxLine)
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, l := range f(lines) {
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), name+".jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lineTime is a line's time.
func lineTime(t *testing.T, l map[string]any) time.Time {
	t.Helper()
	s, _ := l["t"].(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("line time %q: %v", s, err)
	}
	return at
}

// firstNote is the time of the first note line.
func firstNote(t *testing.T, lines []map[string]any) time.Time {
	t.Helper()
	for _, l := range lines {
		if l["kind"] == "note" {
			return lineTime(t, l)
		}
	}
	t.Fatal("trace has no note")
	return time.Time{}
}
