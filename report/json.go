package report

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// JSON renders v as the stable Document schema (see Document and SCHEMA.md),
// indented, without a trailing newline. Characters a terminal would act on
// that encoding/json leaves raw (C1 controls, bidi overrides) are \u
// escapes: the same document, safe to print.
func JSON(v *state.View, sources []SourceStatus) ([]byte, error) {
	if v == nil {
		return nil, errors.New("report: no view to print (nothing was joined)")
	}
	b, err := json.Marshal(Build(v, sources))
	if err != nil {
		return nil, err
	}
	// Escaping first: the compact text is half the size, and indenting
	// only adds spaces and newlines between values.
	return indent(termtext.JSON(b)), nil
}

// indent is json.Indent(dst, compact, "", "  ") for what json.Marshal
// writes (valid, no insignificant space), in one pass: json.MarshalIndent's
// general indenter was more than half of `snapshot --json` at 50,000
// servers.
func indent(compact []byte) []byte {
	out := make([]byte, 0, 2*len(compact))
	spaces := []byte(strings.Repeat(" ", 64))
	depth := 0
	newline := func() {
		out = append(out, '\n')
		for n := 2 * depth; n > 0; {
			k := min(n, len(spaces))
			out = append(out, spaces[:k]...)
			n -= k
		}
	}
	for i := 0; i < len(compact); i++ {
		switch c := compact[i]; c {
		case '"': // a string, escapes included, copied as it is
			j := i + 1
			for j < len(compact) && compact[j] != '"' {
				if compact[j] == '\\' {
					j++ // the character it escapes
				}
				j++
			}
			out = append(out, compact[i:min(j+1, len(compact))]...)
			i = j
		case '{', '[':
			out = append(out, c)
			if i+1 < len(compact) && (compact[i+1] == '}' || compact[i+1] == ']') {
				out = append(out, compact[i+1]) // empty: kept on one line
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}
