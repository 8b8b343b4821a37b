package trace_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// FuzzReader: whatever the input, the reader and the player never panic,
// every error is a *trace.Error with a line number, and every line the
// reader accepts is written back by a Writer and read again unchanged.
func FuzzReader(f *testing.F) {
	for _, name := range tracetest.Names(f) {
		f.Add(firstLines(f, tracetest.Path(f, name), 4))
	}
	f.Add([]byte(lines(hdr, zkLine, noteLine, hapLine)))
	f.Add([]byte(lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"unreachable","error":"x","source_state":"session_expired"}`,
		`{"t":"2026-12-02T02:00:01Z","kind":"serf","state":"connected","members":[{"name":"n","addr":"1.2.3.4:5","tags":{"smart:a":"1.2.3.4:1"},"status":"failed"}]}`,
		`{"t":"2026-12-02T02:00:01Z","kind":"zk","state":"connected","services":{"a":{"data_b64":"AAE=","path":"/p","error":"e"}},"nodes":[{"path":"/p/x","data_b64":"/w==","read_error":"no"}]}`)))
	f.Add([]byte(lines(hdr, `{"t":"2026-12-02T02:00:01Z","kind":"haproxy","socket":"main","poll":"light","show_info":"Pid: 1\n","show_stat":"# pxname,svname,iid,type\na,BACKEND,2,1\na,s,2,2\n","merge":{"proxies":"# pxname,svname,iid,type\na,BACKEND,2,1\n","servers":[{"iid":2,"reply":"# pxname,svname,iid,type\na,s,2,2\n"}]},"light":{"proxies":"# pxname,svname\n","watched":[{"iid":2,"reply":"# pxname,svname\na,s\n"}]}}`,
		`{"t":"2026-12-02T02:00:02Z","kind":"haproxy","socket":"main","poll":"preview","show_info":"Pid: 1\n","show_servers_state":"1\n# be_id be_name srv_id srv_name\n2 a 1 s\n","preview":{"proxies":"# pxname,svname\n"}}`)))
	f.Add([]byte(lines(`{"trace":"smartstack","version":1,"x":{"y":null}}`, `{"t":"2026-12-02T02:00:01Z","kind":"weird","t2":[]}`, "", `[]`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The player takes whatever the reader accepts without panicking.
		if pr, err := trace.NewReader(bytes.NewReader(data)); err == nil {
			p := trace.NewPlayer(pr)
			for range 1000 {
				if _, err := p.Next(); errors.Is(err, io.EOF) {
					break
				}
			}
			p.StateConfig()
			p.Warnings()
		}
		r, err := trace.NewReader(bytes.NewReader(data))
		if err != nil {
			var te *trace.Error
			if !errors.As(err, &te) || te.Line != 1 {
				t.Fatalf("header error without line 1: %v", err)
			}
			return
		}
		var got []trace.Line
		for range 1000 {
			l, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var te *trace.Error
			if err != nil {
				if !errors.As(err, &te) || te.Line < 2 {
					t.Fatalf("error without a line number: %v", err)
				}
				continue
			}
			got = append(got, l)
		}
		r.Warnings()

		var buf bytes.Buffer
		w, err := trace.NewWriter(&buf, r.Header())
		if err != nil {
			t.Fatalf("the writer refuses a header the reader accepted: %v", err)
		}
		for _, l := range got {
			if err := w.Write(l); err != nil {
				t.Fatalf("the writer refuses line %d the reader accepted: %v", l.Num, err)
			}
		}
		w.Close()
		back, err := trace.NewReader(&buf)
		if err != nil {
			t.Fatalf("reading back the header: %v", err)
		}
		h1, _ := r.Header().MarshalJSON()
		h2, _ := back.Header().MarshalJSON()
		if !bytes.Equal(h1, h2) {
			t.Fatalf("header changed:\n%s\n%s", h1, h2)
		}
		for i, want := range got {
			l, err := back.Next()
			if err != nil {
				t.Fatalf("reading back line %d: %v", i+2, err)
			}
			want.Num, want.T = i+2, want.T.UTC()
			l.T = l.T.UTC()
			if a, b := mustJSON(t, l), mustJSON(t, want); a != b {
				t.Fatalf("line changed:\n got %s\nwant %s", a, b)
			}
		}
	})
}

// firstLines returns the first n lines of a (gzipped) trace.
func firstLines(tb testing.TB, path string, n int) []byte {
	tb.Helper()
	r, err := trace.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	w, _ := trace.NewWriter(&buf, r.Header())
	for range n - 1 {
		l, err := r.Next()
		if err != nil {
			break
		}
		w.Write(l)
	}
	w.Close()
	return buf.Bytes()
}
