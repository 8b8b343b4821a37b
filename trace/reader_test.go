package trace_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// mdCounts reads the "lines" cell of a fixture's .md, e.g.
// "78 (header 1, haproxy 71, note 2, zk 4)", as kind -> count.
func mdCounts(t *testing.T, name string) map[string]int {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(tracetest.Dir(t), name+".md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\| (\d+) \(header 1((?:, [a-z]+ \d+)+)\) \|`).FindSubmatch(md)
	if m == nil {
		t.Fatalf("%s.md: no line counts found", name)
	}
	counts := map[string]int{}
	for _, part := range strings.Split(strings.TrimPrefix(string(m[2]), ", "), ", ") {
		kind, n, _ := strings.Cut(part, " ")
		counts[kind], _ = strconv.Atoi(n)
	}
	total, _ := strconv.Atoi(string(m[1]))
	counts["total"] = total
	return counts
}

func TestFixturesReadEndToEnd(t *testing.T) {
	names := tracetest.Names(t)
	if len(names) != 10 {
		t.Fatalf("want the 10 fixture traces, found %d: %v", len(names), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			r := tracetest.Open(t, name)
			h := r.Header()
			if h.Trace != trace.Magic || h.Version != 1 || h.Started.IsZero() || h.Host == "" || len(h.Sockets) == 0 {
				t.Fatalf("header: %+v", h)
			}
			if want := strings.SplitN(name, "-", 2)[0]; !strings.HasPrefix(h.Flavour, map[string]string{"zk": "zookeeper", "serf": "serf"}[want]) {
				t.Errorf("flavour %q for %s", h.Flavour, name)
			}
			if h.SynapseConfig == nil || h.NerveConfigs == nil || h.HAProxyCfg == "" || h.Recorder == nil {
				t.Errorf("header lost a documented key: synapse %d nerve %d cfg %d recorder %d",
					len(h.SynapseConfig), len(h.NerveConfigs), len(h.HAProxyCfg), len(h.Recorder))
			}
			got := map[string]int{}
			last, lastNum := h.Started, 1
			for {
				l, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if l.Num != lastNum+1 {
					t.Fatalf("line %d follows line %d", l.Num, lastNum)
				}
				if l.T.Before(last) {
					t.Fatalf("line %d: time goes backwards", l.Num)
				}
				last, lastNum = l.T, l.Num
				got[string(l.Kind)]++
				switch l.Kind {
				case trace.KindZK:
					if l.ZK.State == trace.StateConnected && len(l.ZK.Nodes) == 0 {
						t.Errorf("line %d: connected zk line without nodes", l.Num)
					}
				case trace.KindSerf:
					if len(l.Serf.Members) == 0 {
						t.Errorf("line %d: serf line without members", l.Num)
					}
				case trace.KindHAProxy:
					if l.HAProxy.ShowStat == "" || l.HAProxy.ShowInfo == "" || l.HAProxy.ShowServersState == "" {
						t.Errorf("line %d: haproxy line without its replies", l.Num)
					}
				case trace.KindNote:
					if l.Note.Text == "" {
						t.Errorf("line %d: empty note", l.Num)
					}
				}
			}
			if w := r.Warnings(); len(w) != 0 {
				t.Errorf("warnings: %v", w)
			}
			want := mdCounts(t, name)
			got["total"] = lastNum
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%s lines: got %d, the .md says %d", k, got[k], n)
				}
			}
		})
	}
}

const hdr = `{"trace":"smartstack","version":1,"flavour":"zookeeper","started":"2026-12-02T02:00:00Z","zk_path":"/nerve/services","sockets":{"main":"/run/h.sock"}}`

const (
	zkLine   = `{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"connected","services":{"svc_a":{"data":""}},"nodes":[{"path":"/nerve/services/svc_a/services/h_0000000001","data":"{\"host\":\"10.0.0.1\",\"port\":1}","ephemeral_owner":"0x1","ctime":1,"mtime":1,"version":0}]}`
	noteLine = `{"t":"2026-12-02T02:00:02Z","kind":"note","text":"kill it"}`
	hapLine  = `{"t":"2026-12-02T02:00:03Z","kind":"haproxy","socket":"main","error":"dial unix /run/h.sock: connection refused"}`
)

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// readAll reads a trace from text; it returns the lines read, the first
// error (an *Error or from NewReader) and the reader's warnings.
func readAll(t *testing.T, text string) ([]trace.Line, error, []*trace.Error) {
	t.Helper()
	r, err := trace.NewReader(strings.NewReader(text))
	if err != nil {
		return nil, err, nil
	}
	var out []trace.Line
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil, r.Warnings()
		}
		if err != nil {
			return out, err, r.Warnings()
		}
		out = append(out, l)
	}
}

func TestBadInputSaysTheLine(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"empty file", "", 1, "the file is empty"},
		{"header not JSON", lines(`{"trace":"smartstack",`), 1, "not JSON"},
		{"header is a line", lines(noteLine), 1, "wrong header: line 1 is a trace line"},
		{"header of something else", lines(`{"trace":"other","version":1}`), 1, `wrong header: line 1 has "trace": "other"`},
		{"header not an object", lines(`[1,2]`), 1, "wrong header"},
		{"header without version", lines(`{"trace":"smartstack"}`), 1, `no "version"`},
		{"version as text", lines(`{"trace":"smartstack","version":"one"}`), 1, `"version" is "one", not a number`},
		{"unknown version", lines(`{"trace":"smartstack","version":2}`), 1, "unknown version 2: this stacktui reads version 1"},
		{"bad flavour", lines(`{"trace":"smartstack","version":1,"flavour":"consul"}`), 1, `flavour "consul"`},
		{"bad started", lines(`{"trace":"smartstack","version":1,"started":"yesterday"}`), 1, "started"},
		{"line not JSON", lines(hdr, zkLine, `{"t":"2026-12-02T02:00:02Z","kind":"note",`), 3, "not JSON"},
		{"line not an object", lines(hdr, `"just a string"`), 2, "not a JSON object"},
		{"time backwards", lines(hdr, zkLine, hapLine, noteLine), 4, "time goes backwards: t 2026-12-02T02:00:02.000000000Z is 1s before 2026-12-02T02:00:03.000000000Z (line 3)"},
		{"before the header's start", lines(hdr, strings.Replace(noteLine, "02:00:02", "01:59:59", 1)), 2, "1s before 2026-12-02T02:00:00.000000000Z (the header's started)"},
		{"no time", lines(hdr, `{"kind":"note","text":"x"}`), 2, `note line has no "t"`},
		{"bad time", lines(hdr, `{"t":"02:00","kind":"note","text":"x"}`), 2, `"t" "02:00" is not an RFC 3339 time`},
		{"no kind", lines(hdr, `{"t":"2026-12-02T02:00:01Z"}`), 2, `no "kind"`},
		{"kind not a string", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":3}`), 2, `"kind" is 3`},
		{"note without text", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"note"}`), 2, `note line has no "text"`},
		{"zk bad state", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"up"}`), 2, `state "up" is neither connected nor unreachable`},
		{"zk connected without services", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"connected"}`), 2, `has no "services"`},
		{"zk services of the wrong type", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"connected","services":[]}`), 2, `"services": a JSON array`},
		{"zk bad owner", lines(hdr, strings.Replace(zkLine, `"0x1"`, `"12"`, 1)), 2, `ephemeral_owner "12" is not 0x and hex digits`},
		{"zk bad base64", lines(hdr, strings.Replace(zkLine, `"data":"{`, `"data_b64":"!!","x":"{`, 1)), 2, "data_b64 is not standard base64"},
		{"zk relative path", lines(hdr, strings.Replace(zkLine, `"path":"/nerve`, `"path":"nerve`, 1)), 2, "not an absolute znode path"},
		{"zk ctime as text", lines(hdr, strings.Replace(zkLine, `"ctime":1`, `"ctime":"1"`, 1)), 2, `"nodes": a JSON string at nodes.ctime where a number is expected`},
		{"serf without members", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"serf","state":"connected"}`), 2, `has no "members"`},
		{"serf member without name", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"serf","state":"connected","members":[{"addr":"1.2.3.4:1"}]}`), 2, "member 0 has no name"},
		{"haproxy without socket", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","show_info":"Pid: 1\n"}`), 2, `no "socket"`},
		{"haproxy without anything", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","socket":"main"}`), 2, "neither an error nor a reply"},
		{"merge without proxies", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","socket":"main","merge":{"servers":[{"iid":3,"reply":"x"}]}}`), 2, `merge or light without "proxies"`},
		{"light server without iid", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","socket":"main","light":{"proxies":"x","watched":[{"reply":"x"}]}}`), 2, "needs an iid > 0"},
		{"bad last_good", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"unreachable","last_good":"soon"}`), 2, `last_good "soon" is not an RFC 3339 time`},
		{"bad haproxy last_good", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","socket":"main","error":"x","last_good":"soon"}`), 2, `last_good "soon" is not an RFC 3339 time`},
		{"haproxy stat as a number", lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","socket":"main","show_stat":5}`), 2, `"show_stat": a JSON number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err, _ := readAll(t, c.text)
			var te *trace.Error
			if !errors.As(err, &te) {
				t.Fatalf("want a *trace.Error, got %v", err)
			}
			if te.Line != c.line || !strings.Contains(te.Msg, c.msg) {
				t.Fatalf("got line %d %q\nwant line %d containing %q", te.Line, te.Msg, c.line, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "trace line "+strconv.Itoa(c.line)+": ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestBadLineIsSkippedAndReadingGoesOn(t *testing.T) {
	got, err, _ := readAll(t, lines(hdr, zkLine, "garbage", noteLine))
	if len(got) != 1 || err == nil {
		t.Fatalf("got %d lines, %v", len(got), err)
	}
	r, _ := trace.NewReader(strings.NewReader(lines(hdr, zkLine, "garbage", noteLine)))
	var kinds []string
	for {
		l, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			kinds = append(kinds, "error")
			continue
		}
		kinds = append(kinds, string(l.Kind)+strconv.Itoa(l.Num))
	}
	if strings.Join(kinds, " ") != "zk2 error note4" {
		t.Fatalf("got %v", kinds)
	}
}

func TestUnknownKindsAndKeysAreSkipped(t *testing.T) {
	text := lines(
		`{"trace":"smartstack","version":1,"flavour":"serf","future_key":{"a":[1,2]},"recorder":{"name":"x"}}`,
		`{"t":"2026-12-02T02:00:01Z","kind":"consul","state":7}`,
		`{"t":"2026-12-02T02:00:01Z","kind":"note","text":"hi","state":7,"services":"n/a","colour":"blue"}`,
		``,
		`{"t":"2026-12-02T02:00:02Z","kind":"metrics"}`,
	)
	got, err, warns := readAll(t, text)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Note.Text != "hi" || got[0].Num != 3 {
		t.Fatalf("got %+v", got)
	}
	if len(warns) != 2 || warns[0].Line != 2 || !strings.Contains(warns[0].Msg, `unknown kind "consul" skipped`) || warns[1].Line != 5 {
		t.Fatalf("warnings: %v", warns)
	}
	r, _ := trace.NewReader(strings.NewReader(text))
	if x := r.Header().Extra; len(x) != 1 || string(x["future_key"]) != `{"a":[1,2]}` {
		t.Fatalf("extra keys: %v", x)
	}
}

func TestCutGzipSaysTheLine(t *testing.T) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	io.WriteString(gz, lines(hdr, zkLine, noteLine, hapLine))
	gz.Close()
	cut := buf.Bytes()[:buf.Len()-12] // the trailer and a little data
	_, err, _ := readAll(t, string(cut))
	var te *trace.Error
	if !errors.As(err, &te) || te.Line < 2 || !strings.Contains(te.Msg, "cut short") {
		t.Fatalf("got %v", err)
	}
	r, _ := trace.NewReader(bytes.NewReader(cut))
	for range 10 {
		if _, err = r.Next(); err != nil && !errors.As(err, &te) {
			t.Fatalf("not a trace error: %v", err)
		}
	}
	if err == nil || errors.Is(err, io.EOF) {
		t.Fatal("a cut gzip stream must keep failing, not end quietly")
	}
}

func TestTooLongLine(t *testing.T) {
	defer trace.SetMaxLine(200)()
	_, err, _ := readAll(t, lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"note","text":"`+strings.Repeat("x", 300)+`"}`, noteLine))
	var te *trace.Error
	if !errors.As(err, &te) || te.Line != 2 || !strings.Contains(te.Msg, "longer than 200 bytes") {
		t.Fatalf("got %v", err)
	}
}

func TestOpenNamesTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(p, []byte(lines(hdr, "nope")), 0o600)
	r, err := trace.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err == nil || err.Error() != p+`: line 2: not JSON: invalid character 'o' in literal null (expecting 'u') (at byte 2)` {
		t.Fatalf("got %v", err)
	}
}

func TestWriterRoundTrip(t *testing.T) {
	started := time.Date(2026, 12, 2, 2, 0, 0, 123456789, time.UTC)
	h := trace.Header{Flavour: trace.FlavourZooKeeper, Started: started, Host: "host1", ZKPath: "/nerve/services",
		Sockets: map[string]string{"main": "/run/haproxy.sock"}, SynapseConfig: json.RawMessage(`{"services":{}}`),
		Extra: map[string]json.RawMessage{"zz_future": json.RawMessage(`[1, "<&>"]`)}}
	at := func(ms int) time.Time { return started.Add(time.Duration(ms) * time.Millisecond) }
	in := []trace.Line{
		{T: at(1), Kind: trace.KindZK, ZK: &trace.ZK{State: trace.StateConnected,
			Services: map[string]trace.ZKService{"svc_a": {Data: []byte{}}, "svc_b": {Data: []byte{0xff, 0}, Path: "/x/svc_b/services", Error: "gone"}},
			Nodes: []trace.ZKNode{{Path: "/nerve/services/svc_a/services/h_0000000001", Data: []byte(`{"host":"a<b>","port":1}`),
				EphemeralOwner: -0x7fff_0000_0000_0001, Ctime: 1796178040647, Mtime: 1796178040648, Version: 3},
				{Path: "/nerve/services/svc_a/services/bin_0000000002", Data: []byte{0, 1, 0xfe}},
				{Path: "/nerve/services/svc_a/services/locked_0000000003", Data: []byte{}, ReadError: "not allowed"}}}},
		{T: at(1), Kind: trace.KindZK, ZK: &trace.ZK{State: trace.StateUnreachable, Error: "connection refused", SourceState: "session_expired"}},
		{T: at(2), Kind: trace.KindSerf, Serf: &trace.Serf{State: trace.StateConnected, Members: []trace.SerfMember{
			{Name: "n1", Addr: "127.0.0.1:7946", Port: 7946, Tags: map[string]string{"smart:a": "1.2.3.4:5"}, Status: "alive",
				Protocol: json.RawMessage(`{"max":5,"min":2,"version":4}`)}}}},
		{T: at(3), Kind: trace.KindHAProxy, HAProxy: &trace.HAProxy{Socket: "main", ShowInfo: "Pid: 1\n", ShowStat: "# pxname,svname\n", ShowServersState: "1\n"}},
		{T: at(4), Kind: trace.KindHAProxy, HAProxy: &trace.HAProxy{Socket: "main", Error: "refused"}},
		{T: at(5), Kind: trace.KindNote, Note: &trace.Note{Text: "drain \"x\"\nnow"}},
	}
	for _, gz := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "t.jsonl")
		if gz {
			p += ".gz"
		}
		w, err := trace.Create(p, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range in {
			if err := w.Write(l); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(trace.Line{T: at(0), Kind: trace.KindNote, Note: &trace.Note{}}); err == nil {
			t.Fatal("the writer accepted a line going back in time")
		}
		if err := w.Write(trace.Line{T: at(9), Kind: trace.KindNote}); err == nil {
			t.Fatal("the writer accepted a note line without its note")
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(p)
		if isGz := len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b; isGz != gz {
			t.Fatalf("%s: gzip %v", p, isGz)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v", fi.Mode().Perm())
		}
		r, err := trace.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got := r.Header()
		if !got.Started.Equal(started) || got.Host != "host1" || string(got.SynapseConfig) != `{"services":{}}` ||
			string(got.Extra["zz_future"]) != `[1, "<&>"]` || got.Sockets["main"] != "/run/haproxy.sock" {
			t.Fatalf("header: %+v", got)
		}
		for i, want := range in {
			l, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			want.Num = i + 2
			if a, b := mustJSON(t, l), mustJSON(t, want); a != b {
				t.Errorf("line %d:\n got %s\nwant %s", i+2, a, b)
			}
		}
		if _, err := r.Next(); !errors.Is(err, io.EOF) {
			t.Fatalf("after the last line: %v", err)
		}
		r.Close()
	}
}

// mustJSON renders a line for comparison; nil and empty data compare equal.
func mustJSON(t *testing.T, l trace.Line) string {
	t.Helper()
	if l.ZK != nil {
		z := *l.ZK
		z.Nodes = append([]trace.ZKNode(nil), z.Nodes...)
		for i := range z.Nodes {
			if len(z.Nodes[i].Data) == 0 {
				z.Nodes[i].Data = nil
			}
		}
		svcs := map[string]trace.ZKService{}
		for k, s := range z.Services {
			if len(s.Data) == 0 {
				s.Data = nil
			}
			svcs[k] = s
		}
		z.Services = svcs
		l.ZK = &z
	}
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
