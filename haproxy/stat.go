package haproxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// ErrNotStat is returned (wrapped) by ParseStat when the reply does not start
// with the "# pxname,..." header of `show stat`.
var ErrNotStat = errors.New("haproxy: not a `show stat` reply")

// statHeader is the parsed header line, shared by every row of one Stats.
type statHeader struct {
	names []string  // every field name, in column order
	ids   []fieldID // typed field of each column, fNone for Extra
	descs []colDesc // storage of each column's typed field

	lastTyped int   // index of the last typed column, -1 when none
	typed     []int // indices of the typed columns, ascending
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
	bodyBytes := data[len(s)-len(body):] // same bytes as body, for word loads
	if len(body) >= parallelMin && runtime.GOMAXPROCS(0) > 1 && strings.IndexByte(body, '"') < 0 {
		st.Rows = parseParallel(hdr, body, bodyBytes)
	} else {
		st.Rows = make([]Row, strings.Count(body, "\n")+1)
		n := parseRows(hdr, body, bodyBytes, st.Rows)
		st.Rows = st.Rows[:n:n]
	}
	return st, nil
}

// parallelMin is the body size from which ParseStat splits the work over
// the CPUs: a 50,000-server `show stat` is about 12 MB.
const parallelMin = 1 << 20

// parseParallel parses an unquoted body in chunks of whole lines, one
// goroutine each, straight into their places in one Rows slice.
func parseParallel(hdr *statHeader, body string, bodyBytes []byte) []Row {
	parts := min(runtime.GOMAXPROCS(0), 8)
	type chunk struct{ lo, hi, off, n int }
	chunks := make([]chunk, 0, parts)
	total := 0
	for lo := 0; lo < len(body); {
		hi := len(body)
		if len(chunks) < parts-1 {
			if j := strings.IndexByte(body[min(lo+len(body)/parts, len(body)):], '\n'); j >= 0 {
				hi = min(lo+len(body)/parts, len(body)) + j + 1
			}
		}
		lines := strings.Count(body[lo:hi], "\n")
		if hi == len(body) && !strings.HasSuffix(body, "\n") {
			lines++
		}
		chunks = append(chunks, chunk{lo: lo, hi: hi, off: total})
		total += lines
		lo = hi
	}
	rows := make([]Row, total)
	var wg sync.WaitGroup
	for k := range chunks {
		c := &chunks[k]
		end := total
		if k+1 < len(chunks) {
			end = chunks[k+1].off
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.n = parseRows(hdr, body[c.lo:c.hi], bodyBytes[c.lo:c.hi], rows[c.off:end])
		}()
	}
	wg.Wait()
	// Empty lines left holes at the end of their chunk's region: close them.
	n := 0
	for _, c := range chunks {
		if n != c.off {
			copy(rows[n:], rows[c.off:c.off+c.n])
		}
		n += c.n
	}
	clear(rows[n:]) // drop references held by moved-from rows
	return rows[:n:n]
}

// parseRows parses the records of body into rows and returns how many.
// rows must have room for one row per line.
func parseRows(hdr *statHeader, body string, bodyBytes []byte, rows []Row) int {
	n := 0
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
		r := &rows[n]
		n++
		r.hdr = hdr
		if hdr.lastTyped < maxCols && strings.IndexByte(line, '"') < 0 {
			r.rec = line
			fillRowPlain(r, hdr, line, bodyBytes[i:i+len(line)])
			i = end + 1
		} else {
			// A quoted field may span lines: parse from the row start.
			i = fillRowQuoted(r, hdr, body, i)
		}
	}
	return n
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
			h.typed = append(h.typed, i)
		}
	}
	return h
}

// maxCols bounds the columns fillRowPlain indexes on the stack; a header
// with more typed columns than this (none exists) takes the quoted path.
const maxCols = 512

// fillRowPlain fills r from an unquoted record. It finds the commas up to
// the last typed column eight bytes at a time (SWAR), then stores only the
// typed columns; the rest of the line is read lazily by Field.
func fillRowPlain(r *Row, h *statHeader, line string, b []byte) {
	const (
		commas = 0x2c2c2c2c2c2c2c2c
		lo7    = 0x7f7f7f7f7f7f7f7f
	)
	need := h.lastTyped + 1 // field ends wanted
	if need == 0 {
		return
	}
	var ends [maxCols]int32
	n := 0
	i := 0
scan:
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ commas
		m := ^(((x & lo7) + lo7) | x | lo7) // high bit of each byte that was ','
		for m != 0 {
			ends[n] = int32(i + bits.TrailingZeros64(m)>>3)
			n++
			if n == need {
				break scan
			}
			m &= m - 1
		}
	}
	if n < need {
		for ; i < len(b) && n < need; i++ {
			if b[i] == ',' {
				ends[n] = int32(i)
				n++
			}
		}
		if n < need { // the last field ends the line
			ends[n] = int32(len(b))
			n++
		}
	}
	for _, col := range h.typed {
		if col >= n {
			break // a short row: the rest stays zero
		}
		start := 0
		if col > 0 {
			start = int(ends[col-1]) + 1
		}
		// store(), written out: the compiler does not inline it, and the
		// call costs this hot loop about 25% (BenchmarkParseStat50k).
		v := line[start:ends[col]]
		d := h.descs[col]
		p := unsafe.Add(unsafe.Pointer(r), d.off)
		switch d.kind {
		case kStr:
			*(*string)(p) = v
		case kStrStar:
			*(*string)(p) = strings.TrimPrefix(v, "* ")
		case kInt:
			*(*int)(p) = atoi(v)
		case kInt64:
			*(*int64)(p) = atoi64(v)
		case kMs:
			*(*int64)(p) = atoi64(v) * 1e6
		case kSec:
			*(*int64)(p) = atoi64(v) * 1e9
		}
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
