package haproxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// ErrNotStat is returned (wrapped) by ParseStat when the reply does not start
// with the "# pxname,..." header of `show stat`.
var ErrNotStat = errors.New("haproxy: not a `show stat` reply")

// statHeader is the parsed header line, shared by every row of one Stats.
type statHeader struct {
	names []string  // every field name, in column order
	ids   []fieldID // typed field of each column, fNone for Extra
	descs []colDesc // storage of each column's typed field

	lastTyped int // index of the last typed column, -1 when none
}

// ParseStat parses a `show stat` CSV reply by header name: fields are matched
// by name, so any HAProxy version's field set works; fields with no typed
// Row field are kept and readable with Row.Field (and Stats.FillExtra);
// fields missing from the header are zero. Empty or non-numeric numeric
// values are 0. A leading "* " (check in progress) is stripped from
// check_status. lastchg, downtime and lastsess are seconds; qtime, ctime,
// rtime, ttime and check_duration are milliseconds.
//
// ParseStat makes one string copy of data and every string in the result
// shares it, so the whole reply stays in memory while any row is referenced.
func ParseStat(data []byte) (*Stats, error) {
	s := string(data)
	if !strings.HasPrefix(s, "# ") {
		return nil, fmt.Errorf("%w: it starts with %q; check that the address is an HAProxy stats socket and the command was `show stat`",
			ErrNotStat, truncate(firstLine(s), 80))
	}
	hdrEnd := strings.IndexByte(s, '\n')
	if hdrEnd < 0 {
		hdrEnd = len(s)
	}
	hdr := parseStatHeader(trimCR(s[2:hdrEnd]))
	st := &Stats{Fields: hdr.names}
	body := s[min(hdrEnd+1, len(s)):]
	st.Rows = make([]Row, strings.Count(body, "\n")+1)
	n := 0
	bodyBytes := data[len(s)-len(body):] // same bytes as body, for word loads
	for i := 0; i < len(body); {
		end := strings.IndexByte(body[i:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += i
		}
		line := trimCR(body[i:end])
		if line == "" {
			i = end + 1
			continue
		}
		// Fill the row in place: a Row is large and copying it costs.
		r := &st.Rows[n]
		n++
		r.hdr = hdr
		if strings.IndexByte(line, '"') < 0 {
			r.rec = line
			fillRowPlain(r, hdr, line, bodyBytes[i:i+len(line)])
			i = end + 1
		} else {
			// A quoted field may span lines: parse from the row start.
			i = fillRowQuoted(r, hdr, body, i)
		}
	}
	st.Rows = st.Rows[:n:n]
	return st, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func parseStatHeader(line string) *statHeader {
	h := &statHeader{}
	for line != "" {
		var name string
		if i := strings.IndexByte(line, ','); i >= 0 {
			name, line = line[:i], line[i+1:]
		} else {
			name, line = line, ""
		}
		h.names = append(h.names, name)
		id := statFieldID(name)
		h.ids = append(h.ids, id)
		h.descs = append(h.descs, fieldDescs[id])
	}
	// The header ends with a ',' so the last name is empty: drop it.
	for len(h.names) > 0 && h.names[len(h.names)-1] == "" {
		h.names = h.names[:len(h.names)-1]
		h.ids = h.ids[:len(h.ids)-1]
		h.descs = h.descs[:len(h.descs)-1]
	}
	h.lastTyped = -1
	for i, id := range h.ids {
		if id != fNone {
			h.lastTyped = i
		}
	}
	return h
}

// fillRowPlain fills r from an unquoted record. It finds commas eight bytes
// at a time (SWAR) and stops after the last typed column, since the rest
// of the line is only read lazily by Field.
func fillRowPlain(r *Row, h *statHeader, line string, b []byte) {
	const (
		commas = 0x2c2c2c2c2c2c2c2c
		lo7    = 0x7f7f7f7f7f7f7f7f
	)
	last := h.lastTyped
	if last < 0 {
		return
	}
	descs := h.descs[:last+1]
	col, start := 0, 0
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ commas
		m := ^(((x & lo7) + lo7) | x | lo7) // high bit of each byte that was ','
		for m != 0 {
			p := i + bits.TrailingZeros64(m)>>3
			if d := descs[col]; d.kind != kSkip {
				store(r, d, line[start:p])
			}
			col++
			if col >= len(descs) {
				return
			}
			start = p + 1
			m &= m - 1
		}
	}
	for ; i < len(b); i++ {
		if b[i] != ',' {
			continue
		}
		if d := descs[col]; d.kind != kSkip {
			store(r, d, line[start:i])
		}
		col++
		if col >= len(descs) {
			return
		}
		start = i + 1
	}
	if d := descs[col]; d.kind != kSkip {
		store(r, d, line[start:])
	}
}

// fillRowQuoted parses the record starting at body[i] with the general CSV
// scanner and returns the index of the next record.
func fillRowQuoted(r *Row, h *statHeader, body string, i int) int {
	start := i
	col := 0
	for {
		f, next, eol := nextField(body, i)
		if col < len(h.descs) && h.descs[col].kind != kSkip {
			store(r, h.descs[col], f)
		}
		col++
		i = next
		if eol {
			break
		}
	}
	r.rec = trimRecord(body[start:i])
	return i
}

func trimRecord(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return trimCR(s)
}

// Field returns the raw value of the named `show stat` field of this row,
// typed or not, and whether the header has that field. It splits the row
// again, so use the typed fields where they exist.
func (r *Row) Field(name string) (string, bool) {
	if r.hdr == nil {
		if v, ok := r.Extra[name]; ok {
			return v, true
		}
		return "", false
	}
	want := -1
	for i, n := range r.hdr.names {
		if n == name {
			want = i
			break
		}
	}
	if want < 0 {
		return "", false
	}
	for col, i := 0, 0; ; col++ {
		f, next, eol := nextField(r.rec, i)
		if col == want {
			return f, true
		}
		if eol {
			return "", true
		}
		i = next
	}
}

// ExtraFields returns the fields of this row that have no typed Row field,
// by header name. It builds a new map on each call.
func (r *Row) ExtraFields() map[string]string {
	if r.hdr == nil {
		return r.Extra
	}
	m := make(map[string]string)
	for col, i := 0, 0; col < len(r.hdr.ids); col++ {
		f, next, eol := nextField(r.rec, i)
		if r.hdr.ids[col] == fNone && r.hdr.names[col] != "" {
			m[r.hdr.names[col]] = f
		}
		if eol {
			break
		}
		i = next
	}
	for col := range r.hdr.ids { // columns missing from a short row are empty
		if r.hdr.ids[col] == fNone && r.hdr.names[col] != "" {
			if _, ok := m[r.hdr.names[col]]; !ok {
				m[r.hdr.names[col]] = ""
			}
		}
	}
	return m
}

// FillExtra sets Row.Extra on every row from the untyped fields. ParseStat
// leaves Extra nil because a map per row costs more than the parse itself
// at 50,000 servers; call this only when a consumer needs the map.
func (s *Stats) FillExtra() {
	for i := range s.Rows {
		if s.Rows[i].Extra == nil {
			s.Rows[i].Extra = s.Rows[i].ExtraFields()
		}
	}
}
