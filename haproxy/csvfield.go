package haproxy

import (
	"math"
	"strings"
)

// nextField returns the CSV field of s starting at i, the index just past it
// (past its ',' or line end) and whether it ended its record. HAProxy quotes a
// field only when it holds a comma, a quote or a line break (csv_enc), so the
// quoted path is rare and may allocate; the plain path never does.
func nextField(s string, i int) (field string, next int, eol bool) {
	if i < len(s) && s[i] == '"' {
		return quotedField(s, i)
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '\n' {
		j++
	}
	field = s[i:j]
	if j >= len(s) {
		return trimCR(field), j, true
	}
	if s[j] == '\n' {
		return trimCR(field), j + 1, true
	}
	return field, j + 1, false
}

// quotedField parses a quoted field starting at the quote at s[i].
func quotedField(s string, i int) (string, int, bool) {
	var b strings.Builder
	j := i + 1
	start := j
	escaped := false
	for j < len(s) {
		if s[j] != '"' {
			j++
			continue
		}
		if j+1 < len(s) && s[j+1] == '"' { // "" is an escaped quote
			b.WriteString(s[start : j+1])
			j += 2
			start = j
			escaped = true
			continue
		}
		break
	}
	var field string
	if escaped {
		b.WriteString(s[start:min(j, len(s))])
		field = b.String()
	} else {
		field = s[start:min(j, len(s))]
	}
	j++ // closing quote
	// Anything between the closing quote and the separator is kept loosely
	// ignored: HAProxy never writes it.
	for j < len(s) && s[j] != ',' && s[j] != '\n' {
		j++
	}
	if j >= len(s) {
		return field, len(s), true
	}
	if s[j] == '\n' {
		return field, j + 1, true
	}
	return field, j + 1, false
}

// lineAt is the line of body that starts at i, without its CR, and the
// index of the newline that ends it (len(body) for the last line).
func lineAt(body string, i int) (line string, end int) {
	n := strings.IndexByte(body[i:], '\n')
	if n < 0 {
		n = len(body) - i
	}
	return trimCR(body[i : i+n]), i + n
}

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

// atoi64 parses a decimal integer without allocating. Anything that is not a
// plain decimal (HAProxy leaves a field empty when it does not apply) is 0.
func atoi64(s string) int64 {
	if s == "" {
		return 0
	}
	neg := false
	i := 0
	if s[0] == '-' {
		neg = true
		i = 1
		if len(s) == 1 {
			return 0
		}
	}
	var n int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		if n > (1<<63-1)/10 {
			return 0 // overflow: not a value HAProxy writes
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

func atoi(s string) int { return int(atoi64(s)) }

// atoi32 is atoi for the int32 fields of a Row, held to int32's range.
func atoi32(s string) int32 {
	return int32(min(max(atoi64(s), math.MinInt32), math.MaxInt32))
}

// rowType is atoi for Row.Type, held to RowType's range.
func rowType(s string) RowType { return RowType(min(max(atoi64(s), 0), math.MaxUint8)) }
