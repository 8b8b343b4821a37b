package ui

import (
	"log/slog"
	"testing"

	"github.com/stacktui/stacktui/internal/termtext"
)

// FuzzGuardLine: whatever a finished line holds, the last-resort guard lets
// through printable text and SGR sequences only, and leaves a clean line as
// it is.
func FuzzGuardLine(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[1;38;5;12mstyled\x1b[m", "\x1b]0;title\x07", "\x1b[2J\x1b[H",
		"tab\there", "c1 \u009b31m", "\x1b[38;2;1;2;3m", "\x1b[", "\x1b[999999999999999999999999999999999999999999999999999999999999999m",
		"rlo\u202eevil", "bad \xff utf8", string(mustReadF(f, "zookeeper.txt"))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := &common{log: slog.New(slog.DiscardHandler)}
		out := m.guardLine(s)
		if i := firstUnsafeInLine(out); i >= 0 {
			t.Fatalf("unsafe character at %d in %q", i, out)
		}
		if (m.unclean == 0) != (out == s) {
			t.Fatalf("counted %d for %q -> %q", m.unclean, s, out)
		}
		if m.guardLine(out) != out || m.unclean > 1 {
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
			if !termtext.IsClean(l) {
				t.Fatalf("unclean line: %q", l)
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
