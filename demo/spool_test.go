package demo

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseSpoolReadsJSONAndPlainText(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	cases := []struct {
		in     string
		reason string
		active bool
	}{
		{`{"reason":"deploy","expiration":null,"creation":1}`, "deploy", true},
		{`{"reason":"deploy","expiration":1800000000,"creation":1}`, "deploy", true},
		{`{"reason":"old","expiration":1600000000}`, "old", false},
		{`{"reason":"str","expiration":"1800000000.5"}`, "str", true},
		{"plain text reason\n", "plain text reason", true},
		{``, "", true},
	}
	for _, c := range cases {
		e := parseSpool([]byte(c.in))
		if e.Reason != c.reason || e.active(now) != c.active {
			t.Errorf("parseSpool(%q) = %+v active=%v, want %q active=%v", c.in, e, e.active(now), c.reason, c.active)
		}
	}
}

func TestSpooledDownLooksAtAllServiceAndPort(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	if down, _ := spooledDown(dir, "svc", 80, now); down {
		t.Fatal("down with an empty spool dir")
	}
	for _, name := range []string{"all", "svc", "svc:80"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(`{"reason":"`+name+`"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		down, why := spooledDown(dir, "svc", 80, now)
		if !down || why != name {
			t.Errorf("spool file %s: down=%v why=%q", name, down, why)
		}
		if down, _ := spooledDown(dir, "other", 81, now); down && name != "all" {
			t.Errorf("spool file %s took down another service", name)
		}
		os.Remove(p)
	}
}

func FuzzParseSpool(f *testing.F) {
	for _, s := range []string{`{"reason":"deploy","expiration":null,"creation":1700000000}`,
		`{"reason":"x","expiration":1.5e9}`, "plain", `{"expiration":"12"}`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e := parseSpool(data)
		_ = e.active(time.Now())
		if !e.Expiration.IsZero() && e.Expiration.Unix() <= 0 {
			t.Errorf("expiration %v from %q", e.Expiration, data)
		}
	})
}
