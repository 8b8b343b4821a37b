// Package termtext makes text that comes from outside — ZooKeeper paths and
// data, Serf member names and tags, HAProxy names, check descriptions and
// replies, error messages — safe to print on a terminal.
//
// Anyone who can register a service can write such text, so it must never be
// able to act on the terminal: move the cursor, clear the screen, set the
// window title, change colours, break a line, or reorder and hide what is
// shown. Clean replaces every character that could do any of that with a
// visible escape, the way Go's strconv.Quote writes it:
//
//	\a \b \t \n \v \f \r        the C0 controls that have a short form
//	\x00 ... \x1f, \x7f          the other C0 controls and DEL (ESC is \x1b)
//	\xff                         each byte that is not valid UTF-8
//	\u0085, \u202e, \ufeff       C1 controls, format characters (bidi
//	                             overrides and isolates, zero-width spaces
//	                             and joiners, the byte-order mark, soft
//	                             hyphen), line and paragraph separators,
//	                             private-use and unassigned code points
//	\U000e0001                   the same above U+FFFF
//
// Everything else — every letter, mark, number, punctuation, symbol and
// space character (unicode.IsGraphic) — is printed as itself. So a name
// "web\x1b[31m" is shown as `web\x1b[31m`, in the row's own colours.
//
// Clean is idempotent (its output contains only characters it keeps), so
// text may safely pass through it twice; it is not reversible (a name may
// contain a literal backslash), so it is for display only: identities —
// join keys, HAProxy command arguments, znode paths — stay raw where they are
// used, and only what is put on the screen is cleaned.
package termtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable reports whether r may be written to a terminal as itself.
//
// The answer is unicode.IsGraphic(r) (L, M, N, P, S and Zs; so not Cc, Cf —
// bidi controls, zero-width characters, U+FEFF —, Zl, Zp, Co, Cs or
// unassigned code points, whose width a terminal cannot agree on) without
// the C1 controls. IsGraphic searches several large tables (hundreds of
// nanoseconds for a box-drawing character), so the blocks a screen is made
// of take a shortcut; TestPrintableShortcuts checks every code point.
func Printable(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return r >= 0x20 && r != 0x7f
	case r <= 0x9f: // C1 controls: CSI (U+009B) and OSC (U+009D) act like ESC [ and ESC ]
		return false
	case r <= 0xff:
		return r != 0xad // Latin-1 is graphic but for the soft hyphen (Cf)
	case r >= 0x2000 && r <= 0x206f: // general punctuation: …, ›, •, the bidi controls
		return !(r >= 0x200b && r <= 0x200f || r >= 0x2028 && r <= 0x202e || r >= 0x2060)
	case r >= 0x2190 && r <= 0x21ff, // arrows
		r >= 0x2500 && r <= 0x25ff, // box drawing, block elements (sparklines), geometric shapes
		r >= 0x4e00 && r <= 0x9fff, // CJK unified ideographs
		r >= 0xac00 && r <= 0xd7a3: // Hangul syllables
		return true
	}
	return unicode.IsGraphic(r)
}

// IsClean reports whether s is printed as itself, that is Clean(s) == s.
func IsClean(s string) bool { return firstUnsafe(s) < 0 }

// firstUnsafe is the byte offset of the first character of s that Clean
// escapes, or -1.
func firstUnsafe(s string) int {
	i := 0
	for {
		// The fast path: names, addresses and statuses are printable ASCII
		// (0x20-0x7e: one unsigned comparison a byte).
		for i < len(s) && s[i]-0x20 < 0x7f-0x20 {
			i++
		}
		if i == len(s) {
			return -1
		}
		if s[i] < utf8.RuneSelf {
			return i // a C0 control or DEL
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || !Printable(r) {
			return i
		}
		i += n
	}
}

// Clean returns s with every character that is not printable replaced by
// its escape (see the package comment). Clean text is returned as it is,
// without allocating.
func Clean(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				writeEscape(&b, rune(c))
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		case Printable(r):
			b.WriteString(s[i : i+n])
		default:
			writeEscape(&b, r)
		}
		i += n
	}
	return b.String()
}

// writeEscape writes r, which is not printable, as Go writes it in a
// quoted string (strconv.QuoteRune without the quotes).
func writeEscape(b *strings.Builder, r rune) {
	var buf [16]byte
	q := strconv.AppendQuoteRune(buf[:0], r)
	b.Write(q[1 : len(q)-1])
}

const hexDigits = "0123456789abcdef"
