package display

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// oneCellRunes is every rune of oneCell.
func oneCellRunes() []rune {
	var rs []rune
	for _, c := range oneCell {
		for r := c.lo; r <= c.hi; r++ {
			rs = append(rs, r)
		}
	}
	return rs
}

// TestOneCellIsWhatAnsiMeasures checks every rune of oneCell against ansi,
// which token used for them before: one cell under WcWidth, and a cluster
// of its own before ASCII and before any other such rune.
func TestOneCellIsWhatAnsiMeasures(t *testing.T) {
	if eastAsian {
		t.Skip("RUNEWIDTH_EASTASIAN is set: the fast path is off")
	}
	rs := oneCellRunes()
	for i, c := range oneCell {
		if c.lo > c.hi || i > 0 && c.lo <= oneCell[i-1].hi {
			t.Fatalf("oneCell[%d] = %U-%U: the ranges must be ordered and apart", i, c.lo, c.hi)
		}
	}
	for _, r := range rs {
		if w := ansi.WcWidth.StringWidth(string(r)); w != 1 {
			t.Errorf("%U %q: ansi.WcWidth.StringWidth = %d, oneCell says 1", r, r, w)
		}
		for _, next := range []string{"", "x", " ", "\x1b[0m"} {
			str := string(r) + next
			if _, w, n, _ := ansi.DecodeSequenceWc(str, ansi.NormalState, nil); n != utf8.RuneLen(r) || w != 1 {
				t.Errorf("%q: ansi reads a cluster of %d bytes, width %d; want %d bytes, width 1", str, n, w, utf8.RuneLen(r))
			}
		}
	}
	for _, r := range rs {
		for _, next := range rs {
			str := string(r) + string(next)
			if _, _, n, _ := ansi.DecodeSequenceWc(str, ansi.NormalState, nil); n != utf8.RuneLen(r) {
				t.Fatalf("%q: ansi reads one cluster of %d bytes; oneCell takes %q alone", str, n, string(r))
			}
		}
	}
}

// TestTokenTakesKnownGlyphsAsAnsiDoes compares token with ansi's reading on
// strings where a known glyph is followed by what may or may not join it.
func TestTokenTakesKnownGlyphsAsAnsiDoes(t *testing.T) {
	s := New(&strings.Builder{}, nil, 80, 24)
	for _, str := range []string{
		"─", "──x", "…", "·a", "▁▂▃", "✗\x1b[31m", "↑↓",
		"→\u0301",          // a combining mark joins it: ansi's reading
		"↔\ufe0f",          // an emoji presentation selector joins it
		"─\u200d─",         // a joiner
		"✓世",               // a wide character after it
		"\ufffd\U0001F600", // an emoji after it
	} {
		wantTok, wantW, wantN, _ := ansi.DecodeSequenceWc(str, ansi.NormalState, nil)
		tok, w, n := s.token(str)
		if tok != wantTok || w != wantW || n != wantN {
			t.Errorf("token(%q) = %q, %d, %d; ansi reads %q, %d, %d", str, tok, w, n, wantTok, wantW, wantN)
		}
	}
}

// TestConsoleGlyphsAreKnown: every non-ASCII rune the UI's golden screens
// show is measured without go-runewidth's table (below U+0300 it reads a
// table filled at start-up; oneCell above). A new glyph fails here until it
// is added to oneCell (if ansi agrees) or chosen otherwise.
func TestConsoleGlyphsAreKnown(t *testing.T) {
	seen := map[rune]string{}
	err := filepath.WalkDir("../../ui/testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "fuzz") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, r := range string(b) {
			if r >= 0x300 && r != utf8.RuneError {
				seen[r] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("no glyph found in ui/testdata: the golden files moved?")
	}
	for r, path := range seen {
		if !isOneCell(r) {
			t.Errorf("%U %q (in %s) is not in oneCell: drawing it fills go-runewidth's 2.2 MB table", r, r, path)
		}
	}
}
