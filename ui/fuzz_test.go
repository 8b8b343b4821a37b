package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSafeLine: whatever outside data contains, a rendered line carries no
// control character and no escape sequence other than SGR.
func FuzzSafeLine(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[1;38;5;12mstyled\x1b[m", "\x1b]0;title\x07", "\x1b[2J\x1b[H",
		"tab\there", "c1 \u009b31m", "\x1b[38;2;1;2;3m", "\x1b[", "\x1b[999999999999999999999999999999999999999999999999999999999999999m",
		string(mustReadF(f, "zookeeper.txt"))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := safeLine(s)
		for i := 0; i < len(out); i++ {
			c := out[i]
			if c == 0x1b {
				n := sgrLen(out[i:])
				if n == 0 {
					t.Fatalf("non-SGR escape in %q", out)
				}
				i += n - 1
				continue
			}
			if c < 0x20 || c == 0x7f {
				t.Fatalf("control byte %#x in %q", c, out)
			}
		}
		for _, r := range out {
			if r >= 0x80 && r <= 0x9f && utf8.ValidString(out) {
				t.Fatalf("C1 control %U in %q", r, out)
			}
		}
		if safeLine(out) != out {
			t.Fatalf("not idempotent: %q", out)
		}
	})
}

// FuzzPrettyData: znode data of any shape renders as safe, bounded lines.
func FuzzPrettyData(f *testing.F) {
	f.Add([]byte(`{"host":"127.0.0.1","port":31001,"name":"ss-accept-host"}`))
	f.Add([]byte("\x00\x01binary"))
	f.Add([]byte("plain text\nwith lines"))
	f.Add([]byte(`{"a":"\u001b[2J"}`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, d []byte) {
		lines := prettyData(d)
		if len(lines) == 0 {
			t.Fatal("no lines")
		}
		for _, l := range lines {
			if strings.Contains(safeLine(l), "\x1b") {
				t.Fatalf("escape survived: %q", l)
			}
		}
	})
}

// FuzzFilter: any filter text compiles to a usable filter without panics.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{"svc_a", "!svc", "[", "(?i", "!", "", `\`, "a{99999}", "ß*"} {
		f.Add(s, "svc_a down")
	}
	f.Fuzz(func(t *testing.T, pat, row string) {
		fl := setFilter(pat)
		a := fl.matchAny(row)
		b := fl.match(row)
		if a != b {
			t.Fatalf("matchAny %v != match %v for %q on %q", a, b, pat, row)
		}
	})
}

func mustReadF(f *testing.F, name string) []byte { return mustRead(f, name) }
