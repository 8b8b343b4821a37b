package termtext

import (
	"encoding/binary"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON returns the JSON text b with every character that encoding/json
// leaves raw but Printable refuses — DEL, C1 controls such as U+009B (which
// some terminals read as CSI), bidi overrides, zero-width and other format
// characters — written as a \u escape, so JSON printed on a terminal (watch,
// snapshot --json, the audit log under tail -f) cannot act on it either.
//
// The value b encodes is unchanged: outside strings JSON text is ASCII, and
// inside a string \uXXXX denotes the very character it replaces. Control
// bytes below 0x20 are left alone (encoding/json escapes them in strings;
// outside strings they are the indentation's newlines). Bytes that are not
// valid UTF-8, which encoding/json never writes, become \ufffd, as any
// decoder would read them. Clean JSON is returned as it is.
func JSON(b []byte) []byte {
	i := firstUnsafeJSON(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				out = appendU(out, 0x7f)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = appendU(out, utf8.RuneError)
		case Printable(r):
			out = append(out, b[i:i+n]...)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = appendU(appendU(out, hi), lo)
		default:
			out = appendU(out, r)
		}
		i += n
	}
	return out
}

// firstUnsafeJSON is the index of the first character JSON rewrites, or -1.
func firstUnsafeJSON(b []byte) int {
	for i := 0; i < len(b); {
		// Eight bytes at a time while none is DEL or above (documents are
		// almost all ASCII): adding 1 to each byte sets the top bit of DEL's,
		// and a byte whose top bit is set already is not ASCII.
		if i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if (w|(w+0x0101010101010101))&0x8080808080808080 == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || !Printable(r) {
			return i
		}
		i += n
	}
	return -1
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// JSONWriter passes JSON text on to w through JSON. A character split
// across two writes is held back until it is whole.
func JSONWriter(w io.Writer) io.Writer { return &jsonWriter{w: w} }

type jsonWriter struct {
	w    io.Writer
	held []byte // the start of a character the last write ended in
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	data := p
	if len(j.held) > 0 {
		data = append(j.held, p...)
		j.held = nil
	}
	whole := len(data) - partialTail(data)
	if whole < len(data) {
		j.held = append([]byte(nil), data[whole:]...)
	}
	if whole > 0 {
		if _, err := j.w.Write(JSON(data[:whole])); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// partialTail is the length of an incomplete UTF-8 sequence at the end of
// b (0 to 3 bytes).
func partialTail(b []byte) int {
	for k := 1; k <= utf8.UTFMax-1 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRune(b[len(b)-k:]) {
				return 0
			}
			return k
		}
	}
	return 0
}
