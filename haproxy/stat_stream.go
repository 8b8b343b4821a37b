package haproxy

import (
	"slices"
	"strings"
	"unsafe"
)

// StatStream parses a `show stat` reply while it is still arriving, so that
// parsing overlaps HAProxy writing the rest: at 50,000 servers HAProxy needs
// about 0.3 s to write the 12 MB, and parsing it afterwards would add
// another 40-60 ms before anything can be shown. The result is the same as
// ParseStat's on the whole reply.
//
// Feed it with Lines, then call Finish once. A StatStream is not safe for
// concurrent use; the client runs it on a goroutine of its own so that the
// socket is drained at full speed (HAProxy pauses its dump whenever the
// socket buffer is full).
type StatStream struct {
	hdr  *statHeader
	rows []Row
	b    *rowBuilder
	// tail collects what cannot be parsed line by line: everything once a
	// quote was seen (a quoted field may span lines), or the whole reply when
	// it is not a `show stat` reply at all (for ParseStat's error).
	tail    []byte
	inTail  bool
	started bool
}

// NewStatStream returns a parser; rowsHint (the row count of the previous
// reply, or 0) sizes its rows so that they are not copied while growing.
func NewStatStream(rowsHint int) *StatStream {
	if rowsHint > 0 {
		// Room for the reply's empty last line and a few new rows: running
		// out at the end would copy every row (46 MB at 50,000 servers).
		rowsHint += 64
	}
	return &StatStream{rows: make([]Row, 0, rowsHint), b: newRowBuilder()}
}

// Lines parses complete lines: chunk must end with '\n'. The rows keep
// none of chunk's memory: the caller may reuse it once Lines returns.
func (p *StatStream) Lines(chunk string) {
	if chunk == "" {
		return
	}
	if !p.started {
		p.started = true
		if !strings.HasPrefix(chunk, "# ") {
			p.inTail = true // not a stat reply: Finish reports it
		} else {
			nl := strings.IndexByte(chunk, '\n')
			p.hdr = parseStatHeader(trimCR(chunk[2:nl]))
			chunk = chunk[nl+1:]
		}
	}
	if !p.inTail && strings.IndexByte(chunk, '"') >= 0 {
		p.inTail = true
	}
	if p.inTail {
		p.tail = append(p.tail, chunk...)
		return
	}
	p.parse(chunk)
}

// parse appends the rows of body's records to p.rows.
func (p *StatStream) parse(body string) {
	if body == "" {
		return
	}
	lines := strings.Count(body, "\n")
	if body[len(body)-1] != '\n' {
		lines++
	}
	p.rows = slices.Grow(p.rows, lines)
	n0 := len(p.rows)
	// The word-at-a-time comma scan reads bytes; these are body's, read only.
	b := unsafe.Slice(unsafe.StringData(body), len(body))
	n := parseRows(p.b, p.hdr, body, b, p.rows[n0:n0+lines])
	p.rows = p.rows[:n0+n]
}

// Finish parses rest (the reply's end, which need not end with '\n') and
// returns the Stats, or ParseStat's error for a reply that is not `show
// stat`. The StatStream must not be used afterwards.
func (p *StatStream) Finish(rest []byte) (*Stats, error) {
	if !p.started || p.hdr == nil {
		all := append(p.tail, rest...)
		return ParseStat(all) // the header is split or missing: parse it whole
	}
	p.parse(string(append(p.tail, rest...))) // tail is empty unless a quote was seen
	st := &Stats{Fields: p.hdr.names, Rows: slices.Clip(p.rows)}
	p.rows, p.tail, p.b = nil, nil, nil
	return st, nil
}
