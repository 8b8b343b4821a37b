package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/state"
)

// fuzzDocs are an instance and a server whose every field comes from the
// fuzzer's strings and numbers, set and unset in turn (n's bits choose).
func fuzzDocs(s1, s2, s3 string, n int) (InstanceDoc, ServerDoc, ServiceDoc) {
	w := n / 7
	in := InstanceDoc{Name: s1, Server: s2, Host: s3, Port: n, Registered: n&1 != 0, Znode: s2 + s3,
		Worst: state.Code(s1), HAProxy: []SeenDoc{}, Diagnoses: []state.Diagnosis{}}
	if n&2 != 0 {
		in.Weight = &w
		in.Labels = map[string]string{s1: s2, s3: s1, "az": s3}
		in.Session, in.Member, in.Malformed = "0x"+s1, s2, s3
		in.Duplicates = []string{s1, s3}
		in.Diagnoses = []state.Diagnosis{{Code: state.Code(s2), Text: s3}, {Code: "ok", Text: s1}}
		at := time.Unix(int64(n), 0).UTC()
		in.Maintenance = []MaintenanceDoc{{Kind: "hacheck", File: s1, Service: s2, Reason: s3, Since: &at}}
	}
	if n&4 != 0 {
		in.Labels = map[string]string{}
		in.HAProxy = append(in.HAProxy, SeenDoc{Socket: s3}, SeenDoc{Socket: s1, Present: true, ByAddr: n&8 != 0, Backend: s2,
			Server: s3, Status: s1, CheckStatus: s2, CheckCode: n % 600, Weight: -n, SCur: int64(n) << 20})
	}
	if n&16 != 0 {
		in.HAProxy, in.Diagnoses = nil, nil
	}
	sv := ServerDoc{Backend: s1, Server: s2, Addr: s3, Status: s1 + s2, CheckStatus: s3, CheckCode: n % 3, Weight: n,
		SCur: -int64(n), Rate: 1 << 40, ReqRate: int64(n) * 3, Hrsp5xx: 7}
	svc := ServiceDoc{Name: s1, Backend: s2, Summary: state.Summary{Up: n, UpBySocket: map[string]int{s3: n}}, Diagnoses: in.Diagnoses}
	if n&32 == 0 {
		svc.Instances = []InstanceDoc{in, in}
	} else if n&64 == 0 {
		svc.Instances = []InstanceDoc{}
	}
	return in, sv, svc
}

// checkIndented fails unless write, at every depth, appends what
// json.MarshalIndent does for x with that depth's prefix.
func checkIndented(t *testing.T, x any, write func([]byte, *indenter) ([]byte, error)) {
	t.Helper()
	for depth := range 3 {
		want, err := json.MarshalIndent(x, strings.Repeat("  ", depth), "  ")
		if err != nil {
			t.Fatal(err)
		}
		in := indenter{depth: depth}
		got, err := write([]byte("prefix"), &in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) || in.depth != depth {
			t.Fatalf("depth %d: got (ending at depth %d)\n%s\nwant\n%s", depth, in.depth, got[6:], want)
		}
	}
}

// The hand-written encoders write what encoding/json does, for any text
// (quotes, escapes, HTML, U+2028, bytes that are not UTF-8) and for every
// optional field set or not.
func FuzzAppendIsMarshalIndent(f *testing.F) {
	for _, s := range append(hostileStrings, `a"b\c`, "<&>", "\u2028\u2029", "\b\f\x00\x1f\x7f", "é世界😀") {
		for _, n := range []int{0, 2, 6, 14, 22, 54, 118} {
			f.Add(s, "web-1", "10.0.0.1", n)
		}
	}
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n int) {
		in, sv, svc := fuzzDocs(s1, s2, s3, n)
		checkIndented(t, in, in.appendIndented)
		checkIndented(t, sv, func(b []byte, i *indenter) ([]byte, error) { return sv.appendIndented(b, i), nil })
		checkIndented(t, svc, svc.appendIndented)
		if len(in.HAProxy) > 0 {
			seen := in.HAProxy[len(in.HAProxy)-1]
			checkIndented(t, seen, func(b []byte, i *indenter) ([]byte, error) { return seen.appendIndented(b, i), nil })
		}
		q, err := json.Marshal(s1)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s1); !bytes.Equal(got, q) {
			t.Fatalf("appendString(%q) = %s, want %s", s1, got, q)
		}
	})
}
