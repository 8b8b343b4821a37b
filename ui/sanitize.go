package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/internal/termtext"
)

// Outside text (znode paths and data, server names, check descriptions, Serf
// tags, HAProxy replies, error messages) reaches the screen only through
// termtext.Clean, and it is cleaned before it is styled or measured:
//
//   - every table cell goes through fit, which cleans;
//   - text built from outside values is made with plainf (or cleaned with
//     termtext.Clean) before a style is applied to it or it is joined to
//     styled text.
//
// Cleaning cannot wait for the finished line: by then our own styling (SGR
// sequences) and an outside "\x1b[0m" look the same. The model keeps the raw
// values, because they are identities: joins, keys, marks and the actions
// built from a selection need the real name, and names that reach the
// HAProxy socket are validated there (haproxy.ValidName). Only what is drawn
// is cleaned, so a 50,000-row view cleans the rows on screen, not its model.

// plainf formats a piece of plain text from outside values and cleans it.
// The format must not carry styling or line breaks of its own.
func plainf(format string, a ...any) string {
	return termtext.Clean(fmt.Sprintf(format, a...))
}

// displayPlan is a plan with its display texts cleaned and its key
// references ({ready}) spelled with the keymap's keys, for the confirm
// dialog (the plan itself stays raw: it is what is executed and audited).
func displayPlan(p actions.Plan, k *KeyMap) actions.Plan {
	p.Title = termtext.Clean(p.Title)
	p.Transient = termtext.Clean(p.Transient)
	p.Alternative = k.expand(termtext.Clean(p.Alternative))
	p.Warning = termtext.Clean(p.Warning)
	p.Undo = k.expand(termtext.Clean(p.Undo))
	p.ConfirmText = termtext.Clean(p.ConfirmText)
	p.Targets = cleanAll(p.Targets)
	p.Commands = cleanAll(p.Commands)
	return p
}

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = termtext.Clean(s)
	}
	return out
}

// guardLine is the last line of defence, not the mechanism: a finished
// screen line must hold printable text and SGR sequences only. Anything else
// means a path drew outside text without cleaning it; it is escaped here
// (so it cannot act on the terminal) and counted in common.unclean, which tests
// assert is zero, and logged once. An outside SGR cannot be told from ours
// at this point, which is why the cleaning happens earlier.
func (c *common) guardLine(l string) string {
	i := firstUnsafeInLine(l)
	if i < 0 {
		return l
	}
	if c.unclean == 0 {
		c.log.Error("unclean text reached the screen; escaped", "line", l)
	}
	c.unclean++
	var b strings.Builder
	b.Grow(len(l) + 8)
	for i >= 0 {
		b.WriteString(l[:i])
		l = l[i:]
		_, n := utf8.DecodeRuneInString(l)
		b.WriteString(termtext.Clean(l[:n]))
		l = l[n:]
		i = firstUnsafeInLine(l)
	}
	b.WriteString(l)
	return b.String()
}

// firstUnsafeInLine is the offset of the first character of l, outside SGR
// sequences, that is not printable; -1 if there is none.
func firstUnsafeInLine(l string) int {
	for i := 0; i < len(l); {
		c := l[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c == 0x1b {
			if n := sgrLen(l[i:]); n > 0 {
				i += n
				continue
			}
			return i
		}
		if c < utf8.RuneSelf {
			return i
		}
		r, n := utf8.DecodeRuneInString(l[i:])
		if r == utf8.RuneError && n == 1 || !termtext.Printable(r) {
			return i
		}
		i += n
	}
	return -1
}

// sgrLen is the length of the SGR sequence (ESC [ params m) at the start of
// s, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		c := s[i]
		switch {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9', c == ';', c == ':':
		default:
			return 0
		}
	}
	return 0
}
