package haproxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ErrNotStat is returned (wrapped) by ParseStat when the reply does not start
// with the "# pxname,..." header of `show stat`.
var ErrNotStat = errors.New("haproxy: not a `show stat` reply")

// statHeader is the parsed header line, shared by every row of one Stats.
type statHeader struct {
	names []string  // every field name, in column order
	ids   []fieldID // typed field of each column, fNone for an untyped one
	descs []colDesc // storage of each column's value
}

// ParseStat parses a `show stat` CSV reply by header name: fields are matched
// by name, so any HAProxy version's field set works; fields with no typed
// Row field are kept and readable with Row.Field (and Stats.FillExtra);
// fields missing from the header are zero. Empty or non-numeric numeric
// values are 0. A leading "* " (check in progress) is stripped from
// check_status. lastchg, downtime and lastsess are seconds; qtime, ctime,
// rtime, ttime and check_duration are milliseconds.
//
// The rows keep none of data: their strings are copied into blocks shared
// by many rows, values many rows repeat are stored once, and the values
// without a field of their own are packed (see Row).
func ParseStat(data []byte) (*Stats, error) {
	s := unsafe.String(unsafe.SliceData(data), len(data)) // read only, never kept
	if !strings.HasPrefix(s, "# ") {
		return nil, fmt.Errorf("%w: it starts with %q; check that the address is an HAProxy stats socket and the command was `show stat`",
			ErrNotStat, strings.Clone(truncate(firstLine(s), 80)))
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
		n := parseRows(newRowBuilder(), hdr, body, bodyBytes, st.Rows)
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
			c.n = parseRows(newRowBuilder(), hdr, body[c.lo:c.hi], bodyBytes[c.lo:c.hi], rows[c.off:end])
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
func parseRows(b *rowBuilder, hdr *statHeader, body string, bodyBytes []byte, rows []Row) int {
	n := 0
	for i := 0; i < len(body); {
		line, end := lineAt(body, i)
		if line == "" {
			i = end + 1
			continue
		}
		// Fill the row in place: a Row is large and copying it costs.
		r := &rows[n]
		n++
		r.hdr = hdr
		if len(hdr.ids) <= maxCols && strings.IndexByte(line, '"') < 0 {
			fillRowPlain(b, r, hdr, line, bodyBytes[i:i+len(line)])
			i = end + 1
		} else {
			// A quoted field may span lines: parse from the row start.
			i = fillRowQuoted(b, r, hdr, body, i)
		}
		b.finish(r)
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
	if c := lastHeader.Load(); c != nil && c.line == line {
		return c.hdr // a socket's header is the same on every poll
	}
	h := newStatHeader(line)
	lastHeader.Store(&cachedHeader{line: strings.Clone(line), hdr: h})
	return h
}

// lastHeader is the header parsed last. Headers are immutable once made,
// and rows share theirs.
var lastHeader atomic.Pointer[cachedHeader]

type cachedHeader struct {
	line string
	hdr  *statHeader
}

func newStatHeader(line string) *statHeader {
	h := &statHeader{}
	line = strings.Clone(line) // its names outlive the reply
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
	h.names = h.names[:len(h.names):len(h.names)] // shared: an append copies
	return h
}

// maxCols bounds the columns fillRowPlain indexes on the stack; a header
// with more columns than this (none exists) takes the quoted path.
const maxCols = 512

// fillRowPlain fills r from an unquoted record. It finds the commas eight
// bytes at a time (SWAR), then stores every column: typed ones into their
// field or packed value, the others with the untyped columns.
func fillRowPlain(rb *rowBuilder, r *Row, h *statHeader, line string, b []byte) {
	const (
		commas = 0x2c2c2c2c2c2c2c2c
		lo7    = 0x7f7f7f7f7f7f7f7f
	)
	ends := &rb.ends // only ends[:n] is read: no need to clear it per row
	n := 0
	i := 0
	for ; i+8 <= len(b) && n < maxCols; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ commas
		m := ^(((x & lo7) + lo7) | x | lo7) // high bit of each byte that was ','
		for m != 0 && n < maxCols {
			ends[n] = int32(i + bits.TrailingZeros64(m)>>3)
			n++
			m &= m - 1
		}
	}
	for ; i < len(b) && n < maxCols; i++ {
		if b[i] == ',' {
			ends[n] = int32(i)
			n++
		}
	}
	ends[n] = int32(len(b)) // the last field ends the line
	n++
	cols := min(n, len(h.descs)) // a short row: the rest stays zero
	start := 0
	for col := 0; col < cols; col++ {
		end := int(ends[col])
		v := line[start:end]
		start = end + 1
		d := &h.descs[col]
		// The common kinds written out: the call costs this hot loop.
		switch d.kind {
		case kInt:
			*(*int32)(unsafe.Add(unsafe.Pointer(r), d.off)) = atoi32(v)
		case kPInt:
			rb.p.vals[d.col] = atoi64(v)
		case kSkip:
			if v != "" {
				rb.store(r, *d, col, v)
			}
		default:
			rb.store(r, *d, col, v)
		}
	}
	r.hdr = h
}

// fillRowQuoted parses the record starting at body[i] with the general CSV
// scanner and returns the index of the next record.
func fillRowQuoted(rb *rowBuilder, r *Row, h *statHeader, body string, i int) int {
	col := 0
	for {
		f, next, eol := nextField(body, i)
		if col < len(h.descs) {
			rb.store(r, h.descs[col], col, f)
		}
		col++
		i = next
		if eol {
			break
		}
	}
	r.hdr = h
	return i
}

// Field returns the value of the named `show stat` field of this row and
// whether the header has that field: an untyped field as HAProxy wrote it,
// a typed one as its value reads (numbers in HAProxy's unit: a number
// HAProxy left empty reads "0").
func (r *Row) Field(name string) (string, bool) {
	if r.hdr == nil {
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
	if id := r.hdr.ids[want]; id != fNone {
		return r.typedField(fieldDescs[id]), true
	}
	v := ""
	r.eachExtra(func(col int, val string) {
		if col == want {
			v = val
		}
	})
	return v, true
}

// typedField is a typed value as text.
func (r *Row) typedField(d colDesc) string {
	switch d.kind {
	case kIntern:
		return *(*string)(unsafe.Add(unsafe.Pointer(r), d.off))
	case kInt:
		return strconv.Itoa(int(*(*int32)(unsafe.Add(unsafe.Pointer(r), d.off))))
	case kType:
		return strconv.Itoa(int(*(*RowType)(unsafe.Add(unsafe.Pointer(r), d.off))))
	}
	return r.formatCol(d.col)
}

// eachExtra calls f with each non-empty untyped column of the row.
func (r *Row) eachExtra(f func(col int, val string)) {
	if r.set&(1<<colExtra) == 0 {
		return
	}
	s := r.vals[r.extraStart():]
	col := -1
	for len(s) > 0 {
		key, w := uvarint(s)
		s = s[w:]
		col += int(key>>2) + 1
		switch key & 3 {
		case extraZero:
			f(col, "0")
		case extraName:
			f(col, r.Name())
		default:
			n, w := uvarint(s)
			f(col, s[w:w+int(n)])
			s = s[w+int(n):]
		}
	}
}

// ExtraFields returns the fields of this row that have no typed value, by
// header name ("" when empty). It builds a new map on each call.
func (r *Row) ExtraFields() map[string]string {
	m := make(map[string]string)
	if r.hdr == nil {
		return m
	}
	for col, id := range r.hdr.ids {
		if id == fNone && r.hdr.names[col] != "" {
			m[r.hdr.names[col]] = ""
		}
	}
	r.eachExtra(func(col int, v string) {
		if col < len(r.hdr.names) && r.hdr.names[col] != "" {
			m[r.hdr.names[col]] = v
		}
	})
	return m
}
