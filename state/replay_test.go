package state_test

// The diagnoses proven on traces recorded from real, unmodified Nerve,
// Synapse, ZooKeeper, Serf and HAProxy (testdata/traces, each with a .md
// saying what was really true when). A replay joins after every input, as
// the console does, keeps one History from the start (a fresh console), and
// records every view and every Diff event, so a test can look at any
// instant the .md names: "+1.69" is 1.69 s after the trace's first note.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// replayOpts vary how a trace is replayed.
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

// replay is one trace played through Join, History and Diff.
type replay struct {
	name   string
	zero   time.Time // the first note
	cfg    state.Config
	hist   *state.History
	views  []*state.View
	events []state.Event
	// eventViews[i] is the index in views of the view events[i] led to.
	eventViews []int
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
	var rd *trace.Reader
	if o.derive == nil {
		rd = tracetest.Open(t, name)
	} else {
		rd = derivedReader(t, name, o.derive)
	}
	p := trace.NewPlayer(rd)
	r := &replay{name: name, cfg: p.StateConfig(), hist: state.NewHistory(4096)}
	if o.noSynapse {
		r.cfg = state.Config{}
	}
	var inputs []trace.Input
	for {
		in, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if in.Kind == trace.KindNote && r.zero.IsZero() {
			r.zero = in.At
		}
		inputs = append(inputs, in)
	}
	if w := p.Warnings(); len(w) > 0 {
		t.Fatalf("%s: player warnings: %v", name, w)
	}
	var reg *sources.Snapshot
	socks := map[string]int{}
	var haps []*haproxy.Snapshot
	var prev *state.View
	for _, in := range inputs {
		switch {
		case in.Registry != nil && !o.noRegistry:
			reg = in.Registry
		case in.HAProxy != nil:
			i, ok := socks[in.HAProxy.Label]
			if !ok {
				i = len(haps)
				socks[in.HAProxy.Label] = i
				haps = append(haps, nil)
			}
			haps[i] = in.HAProxy
		default:
			continue
		}
		cfg := r.cfg
		cfg.Now, cfg.History = in.At, r.hist
		v := state.Join(reg, haps, cfg)
		r.hist.Observe(v)
		r.views = append(r.views, v)
		for _, e := range state.Diff(prev, v) {
			r.events = append(r.events, e)
			r.eventViews = append(r.eventViews, len(r.views)-1)
		}
		prev = v
	}
	replays[name+"|"+key] = r
	return r
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

// derivedReader reads the named trace with its lines rewritten by f.
func derivedReader(t *testing.T, name string, f func([]map[string]any) []map[string]any) *trace.Reader {
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
	rd, err := trace.NewReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	return rd
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
