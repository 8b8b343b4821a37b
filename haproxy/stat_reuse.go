package haproxy

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// StatReuse parses the replies of one repeated `show stat` command (a light
// poll's proxy rows, a watched backend's servers) taking from the previous
// reply the rows whose lines did not change: an idle console re-reads the
// same thousand rows every second, and most of them are the same bytes, or
// differ only in lastchg, the seconds since the last state change, which
// HAProxy counts up on every backend and server. Such a row is the previous
// row with that one packed value replaced; any other difference parses the
// line. The result is always what ParseStat makes of the reply.
//
// It keeps a copy of the last reply (its body) and its rows. The zero value
// is ready; a StatReuse is not safe for concurrent use.
type StatReuse struct {
	hdr   *statHeader
	body  []byte   // the previous reply's body (after the header), a copy
	lines []uint32 // where each previous row's line starts and ends in body, in pairs
	rows  []Row    // the previous reply's rows, as returned
}

// Parse parses a `show stat` reply as ParseStat does, reusing what it can
// of the previous reply's rows.
func (c *StatReuse) Parse(data []byte) (*Stats, error) {
	s := unsafe.String(unsafe.SliceData(data), len(data)) // read only, never kept
	hdrEnd := strings.IndexByte(s, '\n')
	if !strings.HasPrefix(s, "# ") || hdrEnd < 0 || strings.IndexByte(s, '"') >= 0 {
		// Not a reply, a header only, or quoted fields that may span lines:
		// the general parser, and nothing to reuse next time.
		*c = StatReuse{}
		return ParseStat(data)
	}
	hdr := parseStatHeader(trimCR(s[2:hdrEnd]))
	if len(hdr.ids) > maxCols {
		*c = StatReuse{}
		return ParseStat(data)
	}
	if hdr != c.hdr {
		*c = StatReuse{hdr: hdr}
	}
	body := s[hdrEnd+1:]
	bodyBytes := data[hdrEnd+1:]
	lastchg := -1
	for col, id := range hdr.ids {
		if id == fLastChg {
			lastchg = col
		}
	}
	b := newRowBuilder()
	rows := make([]Row, 0, strings.Count(body, "\n")+1)
	lines := make([]uint32, 0, 2*cap(rows))
	for i := 0; i < len(body); {
		line, end := lineAt(body, i)
		if line == "" {
			i = end + 1
			continue
		}
		n := len(rows)
		rows = rows[:n+1]
		r := &rows[n]
		if !c.reuse(b, r, n, line, lastchg) {
			r.hdr = hdr
			fillRowPlain(b, r, hdr, line, bodyBytes[i:i+len(line)])
			b.finish(r)
		}
		lines = append(lines, uint32(i), uint32(i+len(line)))
		i = end + 1
	}
	rows = rows[:len(rows):len(rows)]
	c.body = append(c.body[:0], body...)
	c.lines, c.rows = lines, rows
	return &Stats{Fields: hdr.names, Rows: rows}, nil
}

// reuse fills r from the previous reply's row n when its line was line, or
// differed from it only in column lastchg (a number other than 0 in both);
// it reports whether it did.
func (c *StatReuse) reuse(b *rowBuilder, r *Row, n int, line string, lastchg int) bool {
	if n >= len(c.rows) || 2*n+1 >= len(c.lines) {
		return false
	}
	old := unsafe.String(unsafe.SliceData(c.body[c.lines[2*n]:]), int(c.lines[2*n+1]-c.lines[2*n]))
	if old == line {
		*r = c.rows[n]
		return true
	}
	if lastchg < 0 {
		return false
	}
	// The lines must agree but for column lastchg.
	from, to, ok := fieldSpan(line, lastchg)
	if !ok {
		return false
	}
	oldFrom, oldTo, ok := fieldSpan(old, lastchg)
	if !ok || line[:from] != old[:oldFrom] || line[to:] != old[oldTo:] {
		return false
	}
	v := atoi64(line[from:to])
	prev := &c.rows[n]
	i, set := prev.pos(ColLastChange)
	if v == 0 || !set {
		return false // the value appears or goes: the set of packed values changes
	}
	_, w := uvarint(prev.vals[i:])
	nb := b.a.grab(len(prev.vals) - w + binary.MaxVarintLen64)
	nb = append(nb, prev.vals[:i]...)
	nb = binary.AppendUvarint(nb, uint64(v<<1)^uint64(v>>63))
	nb = append(nb, prev.vals[i+w:]...)
	*r = *prev
	r.vals = b.a.keep(nb)
	return true
}

// fieldSpan returns where column col of an unquoted record starts and
// ends. A byte loop: the columns are short, and lastchg comes early.
func fieldSpan(line string, col int) (from, to int, ok bool) {
	for i := 0; i < len(line) && col > 0; i++ {
		if line[i] == ',' {
			col--
			from = i + 1
		}
	}
	if col > 0 {
		return 0, 0, false
	}
	to = from
	for to < len(line) && line[to] != ',' {
		to++
	}
	return from, to, true
}
