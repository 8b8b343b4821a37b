package hacheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFileName(t *testing.T) {
	good := []struct {
		service string
		port    int
		want    string
	}{
		{"svc_a", 0, "svc_a"},
		{"svc_a", 3000, "svc_a:3000"},
		{"all", 0, "all"},
		{"my-service.v2", 65535, "my-service.v2:65535"},
	}
	for _, c := range good {
		got, err := FileName(c.service, c.port)
		if err != nil || got != c.want {
			t.Errorf("FileName(%q, %d) = %q, %v; want %q", c.service, c.port, got, err, c.want)
		}
		s, p, ok := ParseFileName(got)
		if !ok || s != c.service || p != c.port {
			t.Errorf("ParseFileName(%q) = %q, %d, %v; want %q, %d", got, s, p, ok, c.service, c.port)
		}
	}
	bad := []struct {
		service string
		port    int
		why     string
	}{
		{"", 0, "empty"},
		{"../etc/passwd", 0, "contains"},
		{"a/b", 0, "contains"},
		{"svc:3000", 0, "contains"},
		{"svc\nx", 0, "contains"},
		{"svc a", 0, "contains"},
		{".", 0, "not a service"},
		{"..", 0, "not a service"},
		{"svc", -1, "out of range"},
		{"svc", 70000, "out of range"},
		{"all", 80, "no port"},
	}
	for _, c := range bad {
		_, err := FileName(c.service, c.port)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("FileName(%q, %d) error = %v; want one saying %q", c.service, c.port, err, c.why)
		}
	}
	for _, name := range []string{".svc.tmp123", "svc:0", "svc:x", "svc:+80", "svc:99999", ""} {
		if _, _, ok := ParseFileName(name); ok {
			t.Errorf("ParseFileName(%q) accepted a name hacheck would not write", name)
		}
	}
}

// TestEncodeMatchesPython compares with what hacheck's
// serialize_spool_file_contents (Python json.dumps) writes for the same values.
func TestEncodeMatchesPython(t *testing.T) {
	creation := time.Unix(1763791234, 123456000)
	cases := []struct {
		reason string
		exp    time.Time
		want   string
	}{
		{"deploy", time.Time{}, `{"reason": "deploy", "expiration": null, "creation": 1763791234.123456}`},
		{"deploy", time.Unix(1763800000, 0), `{"reason": "deploy", "expiration": 1763800000, "creation": 1763791234.123456}`},
		// json.dumps("é \"q\" \\ \t 😀") with ensure_ascii=True
		{"é \"q\" \\ \t 😀", time.Time{}, `{"reason": "\u00e9 \"q\" \\ \t \ud83d\ude00", "expiration": null, "creation": 1763791234.123456}`},
	}
	for _, c := range cases {
		if got := string(Encode(c.reason, c.exp, creation)); got != c.want {
			t.Errorf("Encode(%q)\n got %s\nwant %s", c.reason, got, c.want)
		}
	}
	if got := string(Encode("x", time.Time{}, time.Unix(1763791234, 0))); !strings.HasSuffix(got, `"creation": 1763791234.0}`) {
		t.Errorf("whole-second creation = %s; want a float like Python's time.time()", got)
	}
}

func TestParseRoundTrip(t *testing.T) {
	creation := time.Unix(1763791234, 500000000)
	exp := time.Unix(1763800000, 0)
	e := Parse(Encode("maintenance é", exp, creation))
	if e.Legacy || e.Problem != "" || e.Reason != "maintenance é" || !e.Expiration.Equal(exp) || !e.Creation.Equal(creation) {
		t.Fatalf("Parse(Encode(...)) = %+v", e)
	}
	if !e.Expired(exp.Add(time.Second)) || e.Expired(exp.Add(-time.Second)) {
		t.Errorf("Expired is wrong around %v", exp)
	}
}

func TestParseVariants(t *testing.T) {
	cases := []struct {
		in      string
		reason  string
		legacy  bool
		problem string
		noExp   bool
	}{
		{"plain text reason\n", "plain text reason\n", true, "", true},
		{"", "", true, "", true},
		{`{"reason": "r", "expiration": null, "creation": null}`, "r", false, "", true},
		{`{"reason": null, "expiration": 12.5, "creation": 1}`, "", false, "", false},
		{`{"reason": 5, "expiration": "soon", "creation": 1}`, "5", false, "reason is not a string; expiration is not a number", true},
		{`{"reason": "r", "expiration": 1e300}`, "r", false, "expiration 1e300 is out of range", true},
		{`"just a string"`, `"just a string"`, true, "", true},
		{`[1,2]`, `[1,2]`, true, "", true},
	}
	for _, c := range cases {
		e := Parse([]byte(c.in))
		if e.Reason != c.reason || e.Legacy != c.legacy || e.Expiration.IsZero() != c.noExp || !strings.HasPrefix(e.Problem, c.problem) || (c.problem == "" && e.Problem != "") {
			t.Errorf("Parse(%q) = %+v", c.in, e)
		}
	}
}

func TestListAndReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("svc_b:3000", string(Encode("deploy", time.Unix(1763800000, 0), time.Unix(1763791234, 0))))
	write("all", "old plain reason")
	write(".svc_b.tmp1", "temporary")
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("List = %+v; want 2 entries", got)
	}
	if got[0].File != "all" || got[0].Service != "all" || !got[0].Legacy || got[0].Reason != "old plain reason" {
		t.Errorf("entry 0 = %+v", got[0])
	}
	if got[1].Service != "svc_b" || got[1].Port != 3000 || got[1].Reason != "deploy" || got[1].Expiration.Unix() != 1763800000 {
		t.Errorf("entry 1 = %+v", got[1])
	}
	if none, err := List(filepath.Join(dir, "missing")); err != nil || none != nil {
		t.Errorf("List(missing) = %v, %v; want nothing and no error", none, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"reason": "deploy", "expiration": 1763800000, "creation": 1763791234.123456}`))
	f.Add([]byte(`{"reason": "x", "expiration": null, "creation": 1}`))
	f.Add([]byte("plain"))
	f.Add([]byte(`{"expiration": -1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := Parse(data)
		if e.Legacy && e.Reason != string(data) {
			t.Fatalf("legacy entry lost the content")
		}
		if !e.Legacy && e.Problem == "" {
			// A clean entry must survive a round trip through Encode.
			e2 := Parse(Encode(e.Reason, e.Expiration, e.Creation))
			if e2.Reason != e.Reason && strings.ToValidUTF8(e.Reason, "\uFFFD") == e.Reason {
				t.Fatalf("round trip changed reason %q to %q", e.Reason, e2.Reason)
			}
			if e2.Expiration.Unix() != e.Expiration.Unix() && !e.Expiration.IsZero() {
				t.Fatalf("round trip changed expiration %v to %v", e.Expiration, e2.Expiration)
			}
		}
	})
}

func FuzzParseFileName(f *testing.F) {
	for _, s := range []string{"all", "svc_a", "svc_a:3000", "a:b:80", ".tmp", "x:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		service, port, ok := ParseFileName(name)
		if !ok {
			return
		}
		back, err := FileName(service, port)
		if err != nil && !(service == All && port != 0) {
			t.Fatalf("ParseFileName(%q) = %q, %d but FileName refuses it: %v", name, service, port, err)
		}
		if err == nil && back != name {
			t.Fatalf("ParseFileName(%q) -> FileName = %q", name, back)
		}
	})
}
