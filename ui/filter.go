package ui

import (
	"regexp"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/termtext"
)

// filter is a pane's row filter: a case-insensitive regular expression, or
// its negation when it starts with '!'. An invalid expression falls back to
// a literal substring match and says so.
type filter struct {
	text   string
	re     *regexp.Regexp
	lit    string
	invert bool
	err    string
}

// setFilter compiles text into a filter.
func setFilter(text string) filter {
	f := filter{text: text}
	pat := text
	if strings.HasPrefix(pat, "!") {
		f.invert = true
		pat = pat[1:]
	}
	if pat == "" {
		return f
	}
	re, err := regexp.Compile("(?i)" + pat)
	if err != nil {
		f.err = "not a valid regex; matching literally"
		f.lit = strings.ToLower(pat)
		return f
	}
	f.re = re
	return f
}

// active reports whether the filter hides anything.
func (f *filter) active() bool { return f.re != nil || f.lit != "" }

// match reports whether a row with this search text is shown.
func (f *filter) match(s string) bool {
	var ok bool
	switch {
	case f.re != nil:
		ok = f.re.MatchString(s)
	case f.lit != "":
		ok = strings.Contains(strings.ToLower(s), f.lit)
	default:
		return true
	}
	return ok != f.invert
}

// lineEditor is the one-line text input used by the filter, the command
// line and prompts. It is deliberately small: every key it receives is text
// or editing, never a command.
type lineEditor struct {
	r   []rune
	pos int
}

func (e *lineEditor) String() string { return string(e.r) }

func (e *lineEditor) set(s string) { e.r = []rune(s); e.pos = len(e.r) }

// key applies one key press, an editing key of ks or text; it reports
// whether the text changed.
func (e *lineEditor) key(ks *EditKeys, msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, ks.DeleteBack):
		if e.pos > 0 {
			e.r = append(e.r[:e.pos-1], e.r[e.pos:]...)
			e.pos--
			return true
		}
	case key.Matches(msg, ks.DeleteFwd):
		if e.pos < len(e.r) {
			e.r = append(e.r[:e.pos], e.r[e.pos+1:]...)
			return true
		}
	case key.Matches(msg, ks.Left):
		if e.pos > 0 {
			e.pos--
		}
	case key.Matches(msg, ks.Right):
		if e.pos < len(e.r) {
			e.pos++
		}
	case key.Matches(msg, ks.Home):
		e.pos = 0
	case key.Matches(msg, ks.End):
		e.pos = len(e.r)
	case key.Matches(msg, ks.KillToStart):
		e.r = e.r[e.pos:]
		e.pos = 0
		return true
	case key.Matches(msg, ks.KillWord):
		i := e.pos
		for i > 0 && e.r[i-1] == ' ' {
			i--
		}
		for i > 0 && e.r[i-1] != ' ' {
			i--
		}
		e.r = append(e.r[:i], e.r[e.pos:]...)
		e.pos = i
		return true
	default:
		if text := keyText(msg); text != "" {
			ins := []rune(text)
			n := make([]rune, 0, len(e.r)+len(ins))
			n = append(n, e.r[:e.pos]...)
			n = append(n, ins...)
			n = append(n, e.r[e.pos:]...)
			e.r = n
			e.pos += len(ins)
			return true
		}
	}
	return false
}

// view renders the text with a block cursor ('_' at the end) so the cursor
// is visible without colour.
func (e *lineEditor) view() string {
	if e.pos >= len(e.r) {
		return termtext.Clean(string(e.r)) + "_"
	}
	return termtext.Clean(string(e.r[:e.pos])) + "[" + termtext.Clean(string(e.r[e.pos])) + "]" + termtext.Clean(string(e.r[e.pos+1:]))
}

// matchAny reports whether a row with these fields is shown: any field
// matching counts, and '!' inverts the whole result.
func (f *filter) matchAny(fields ...string) bool {
	if !f.active() {
		return true
	}
	var ok bool
	for _, s := range fields {
		if f.re != nil {
			ok = f.re.MatchString(s)
		} else {
			ok = strings.Contains(strings.ToLower(s), f.lit)
		}
		if ok {
			break
		}
	}
	return ok != f.invert
}

// keyText is the text a key press inserts into an editor: none for alt or
// ctrl combinations (an unbound alt+j, a fast "esc j", never reaches an
// editor: the root reads it as Esc, then j).
func keyText(msg tea.KeyPressMsg) string {
	if msg.Mod&(tea.ModAlt|tea.ModCtrl) != 0 {
		return ""
	}
	return msg.Text
}
