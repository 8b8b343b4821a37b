package display

import (
	"os"
	"strconv"
	"unicode/utf8"
)

// The console's own glyphs (borders, sparklines, arrows, "…", "·") are
// measured here instead of by ansi.DecodeSequenceWc: its first non-ASCII
// rune at or above U+0300 makes go-runewidth fill its whole lookup table,
// 2.2 MB of resident memory for the life of the process (3 % of the
// console's RSS at 50,000 servers), for glyphs whose width is known. Text
// from outside (a server named in another script) still goes through
// ansi and may build the table; that is its cost, not the chrome's.

// oneCell lists, in order, the ranges of runes that the terminal's wcwidth
// (ansi.WcWidth, East Asian width off) puts in one cell and that never
// join the rune before them in a grapheme cluster. glyphs_test.go checks
// every rune of every range against ansi.WcWidth and the grapheme rules.
var oneCell = [...]struct{ lo, hi rune }{
	{0x2010, 0x2027}, // dashes, quotes, bullet, ellipsis
	{0x2030, 0x203A}, // per mille, primes, angle quotes
	{0x2190, 0x2199}, // arrows
	{0x2500, 0x25A1}, // box drawing, block elements, squares
	{0x25B2, 0x25BC}, // triangles
	{0x2713, 0x2713}, // check mark
	{0x2717, 0x2717}, // ballot x
	{0xFFFD, 0xFFFD}, // replacement character
}

// eastAsian mirrors ansi's own switch: with RUNEWIDTH_EASTASIAN true the
// ambiguous glyphs above take two cells, so none is taken as one.
var eastAsian = func() bool {
	ea, err := strconv.ParseBool(os.Getenv("RUNEWIDTH_EASTASIAN"))
	return err == nil && ea
}()

// isOneCell reports whether r is in oneCell.
func isOneCell(r rune) bool {
	if r < oneCell[0].lo || r > oneCell[len(oneCell)-1].hi {
		return false
	}
	for _, c := range oneCell {
		if r < c.lo {
			return false
		}
		if r <= c.hi {
			return true
		}
	}
	return false
}

// knownGlyph returns the length in bytes of the one-cell glyph at the start
// of str, or 0 when str does not start with one that is a whole grapheme
// cluster: followed by the end, an ASCII byte or another such glyph, none
// of which can join it.
func knownGlyph(str string) int {
	if eastAsian || len(str) == 0 || str[0] < utf8.RuneSelf {
		return 0
	}
	r, n := utf8.DecodeRuneInString(str)
	if !isOneCell(r) {
		return 0
	}
	if n == len(str) || str[n] < utf8.RuneSelf {
		return n
	}
	if next, _ := utf8.DecodeRuneInString(str[n:]); isOneCell(next) {
		return n
	}
	return 0
}
