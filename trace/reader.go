package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// MaxLine is the longest line a Reader accepts: a 50,000-server `show stat`
// is about 13 MB, so this leaves room for ten times that fleet while a
// corrupt file cannot make the reader hold gigabytes.
const MaxLine = 256 << 20

// maxLine is MaxLine, lowered by tests.
var maxLine = MaxLine

// maxWarnings bounds the warnings kept; later ones are only counted.
const maxWarnings = 100

// Error is a problem with one line of a trace.
type Error struct {
	File string // the trace's path when it was opened by Open, else ""
	Line int    // 1-based; the header is line 1
	Msg  string
}

func (e *Error) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("trace line %d: %s", e.Line, e.Msg)
}

// Reader reads a trace line by line. It never panics on bad input: every
// problem is an *Error with the line number.
type Reader struct {
	name   string
	br     *bufio.Reader
	closer []io.Closer
	header Header

	num      int       // the last line read
	last     time.Time // the time of the last line returned (or the header's started)
	hasLast  bool
	lastNum  int
	ioErr    error // sticky: the stream cannot be read further
	warnings []*Error
	dropped  int // warnings beyond maxWarnings
}

// Open opens a trace file, plain or gzip-compressed (sniffed, whatever the
// name), and reads its header. Close it when done.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := newReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = append(r.closer, f)
	return r, nil
}

// NewReader reads a trace from rd, plain or gzip-compressed (sniffed), and
// reads its header. Closing the Reader does not close rd.
func NewReader(rd io.Reader) (*Reader, error) { return newReader(rd, "") }

func newReader(rd io.Reader, name string) (*Reader, error) {
	r := &Reader{name: name}
	br := bufio.NewReaderSize(rd, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, r.errorf(1, "gzip-compressed, but the gzip header is bad: %v", err)
		}
		r.closer = append(r.closer, gz)
		br = bufio.NewReaderSize(gz, 64<<10)
	}
	r.br = br
	b, err := r.readLine()
	if errors.Is(err, io.EOF) {
		return nil, r.errorf(1, "the file is empty: a trace starts with a header line {\"trace\": %q, \"version\": %d, ...}", Magic, Version)
	}
	if err != nil {
		return nil, err
	}
	h, err := decodeHeader(b)
	if err != nil {
		return nil, r.errorf(1, "%v", err)
	}
	r.header = h
	r.last, r.hasLast = h.Started, !h.Started.IsZero()
	return r, nil
}

// Header returns the trace's header.
func (r *Reader) Header() Header { return r.header }

// Line returns the number of the last line read (1 after the header).
func (r *Reader) Line() int { return r.num }

// Next returns the next line, io.EOF after the last. A bad line gives an
// *Error with its number and is skipped: calling Next again goes on with
// the line after it. A line of an unknown kind is skipped with a warning
// (see Warnings). An error reading the stream itself (a cut-off gzip
// file) is returned by every later call.
func (r *Reader) Next() (Line, error) {
	for {
		b, err := r.readLine()
		if err != nil {
			return Line{}, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue // a blank line, e.g. a trailing one: nothing to read
		}
		l, unknown, err := decodeLine(b)
		if err != nil {
			return Line{}, r.errorf(r.num, "%v", err)
		}
		if unknown != "" {
			r.warn(r.num, "unknown kind %q skipped (written by a newer stacktui?)", clip(string(unknown), 40))
			continue
		}
		if r.hasLast && l.T.Before(r.last) {
			prev := fmt.Sprintf("line %d", r.lastNum)
			if r.lastNum == 0 {
				prev = "the header's started"
			}
			return Line{}, r.errorf(r.num, "time goes backwards: t %s is %v before %s (%s); lines must be in time order",
				formatTime(l.T), r.last.Sub(l.T), formatTime(r.last), prev)
		}
		r.last, r.hasLast, r.lastNum = l.T, true, r.num
		l.Num = r.num
		return l, nil
	}
}

// Warnings returns what was skipped so far (unknown kinds), each with its
// line number; past 100 the last one counts the rest.
func (r *Reader) Warnings() []*Error {
	w := append([]*Error(nil), r.warnings...)
	if r.dropped > 0 {
		w = append(w, r.errorf(r.num, "and %d more warnings", r.dropped))
	}
	return w
}

// Close releases the file (when opened by Open) and the decompressor.
func (r *Reader) Close() error {
	var first error
	for i := len(r.closer) - 1; i >= 0; i-- {
		if err := r.closer[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closer = nil
	return first
}

func (r *Reader) warn(line int, format string, args ...any) {
	if len(r.warnings) >= maxWarnings {
		r.dropped++
		return
	}
	r.warnings = append(r.warnings, r.errorf(line, format, args...))
}

func (r *Reader) errorf(line int, format string, args ...any) *Error {
	return &Error{File: r.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// readLine returns the next line without its end of line, io.EOF at the
// end. The slice is valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	if r.ioErr != nil {
		return nil, r.ioErr
	}
	var long []byte
	tooLong := false
	for {
		frag, err := r.br.ReadSlice('\n')
		if !tooLong {
			if len(long)+len(frag) > maxLine+2 {
				tooLong, long = true, nil
			} else if errors.Is(err, bufio.ErrBufferFull) || long != nil {
				long = append(long, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			r.num++
			r.ioErr = r.errorf(r.num, "cannot read further: %v (is the file cut short?)", err)
			return nil, r.ioErr
		}
		line := frag
		if long != nil {
			line = long
		}
		if errors.Is(err, io.EOF) && len(line) == 0 && !tooLong {
			return nil, io.EOF
		}
		r.num++
		if tooLong {
			return nil, r.errorf(r.num, "line longer than %d bytes: not a trace line", maxLine)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}
