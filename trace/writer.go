package trace

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Writer writes a trace: the header, then lines in time order. It refuses
// what a Reader would refuse (time going backwards, a line without its
// value), so what it writes always reads back.
type Writer struct {
	bw      *bufio.Writer
	gz      *gzip.Writer
	file    *os.File
	last    time.Time
	hasLast bool
	n       int64 // bytes written before compression
	err     error // sticky
	closed  bool
}

// Create creates (or truncates) path and writes the header; the trace is
// gzip-compressed when path ends in ".gz". The file is created with mode
// 0600: a trace shows a host's topology.
func Create(path string, h Header) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	w, err := newWriter(f, h, strings.HasSuffix(path, ".gz"))
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	w.file = f
	return w, nil
}

// NewWriter writes an uncompressed trace to out, starting with the header.
// Closing the Writer flushes it but does not close out.
func NewWriter(out io.Writer, h Header) (*Writer, error) { return newWriter(out, h, false) }

// NewGzipWriter is NewWriter with gzip compression.
func NewGzipWriter(out io.Writer, h Header) (*Writer, error) { return newWriter(out, h, true) }

func newWriter(out io.Writer, h Header, compress bool) (*Writer, error) {
	w := &Writer{}
	if compress {
		w.gz = gzip.NewWriter(out)
		out = w.gz
	}
	w.bw = bufio.NewWriterSize(out, 256<<10)
	if h.Trace == "" {
		h.Trace = Magic
	}
	if h.Version == 0 {
		h.Version = Version
	}
	if h.Trace != Magic || h.Version != Version {
		return nil, fmt.Errorf("trace: this package writes %q version %d, not %q version %d", Magic, Version, h.Trace, h.Version)
	}
	switch h.Flavour {
	case FlavourZooKeeper, FlavourSerf, "":
	default:
		return nil, fmt.Errorf("trace: flavour %q is neither %q nor %q", h.Flavour, FlavourZooKeeper, FlavourSerf)
	}
	b, err := h.MarshalJSON()
	if err != nil {
		return nil, err
	}
	w.last, w.hasLast = h.Started, !h.Started.IsZero()
	return w, w.writeLine(b)
}

// Write appends one line. Line.Num is ignored.
func (w *Writer) Write(l Line) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("trace: write after Close")
	}
	lw, err := l.wire()
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	b, err := marshal(lw)
	if err != nil {
		return fmt.Errorf("trace: encoding a %s line: %w", l.Kind, err)
	}
	return w.writeAt(l.T, b)
}

// writeAt writes an encoded line, in parts, whose time is t.
func (w *Writer) writeAt(t time.Time, b ...[]byte) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("trace: write after Close")
	}
	if w.hasLast && t.Before(w.last) {
		return fmt.Errorf("trace: a line at %s is before the previous line's %s: lines must be in time order",
			formatTime(t), formatTime(w.last))
	}
	w.last, w.hasLast = t, true
	return w.writeLine(b...)
}

// emptyT starts every line encoded from a lineWire with no time.
var emptyT = []byte(`{"t":""`)

// writeContent writes a line encoded with an empty "t", at t: the
// recorder encodes a line once, to compare it with the last, and writes
// it as it is.
func (w *Writer) writeContent(t time.Time, content []byte) error {
	if !bytes.HasPrefix(content, emptyT) {
		return errors.New("trace: internal error: a line without its empty time")
	}
	head := append(append([]byte(`{"t":"`), formatTime(t)...), '"')
	return w.writeAt(t, head, content[len(emptyT):])
}

// writeLine writes the parts of one line and its newline.
func (w *Writer) writeLine(parts ...[]byte) error {
	for _, b := range append(parts, []byte{'\n'}) {
		if _, err := w.bw.Write(b); err != nil {
			w.err = err
			return err
		}
		w.n += int64(len(b))
	}
	return nil
}

// Flush writes out what is buffered, so a reader of the file sees every
// line written so far (a gzip stream is flushed to a block boundary).
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
		return err
	}
	if w.gz != nil {
		if err := w.gz.Flush(); err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

// Close flushes, ends the gzip stream and closes the file Create opened.
// It is safe to call more than once.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	err := w.bw.Flush()
	if w.gz != nil {
		if e := w.gz.Close(); err == nil {
			err = e
		}
	}
	if w.file != nil {
		if e := w.file.Sync(); err == nil {
			err = e
		}
		if e := w.file.Close(); err == nil {
			err = e
		}
	}
	if err != nil && w.err == nil {
		w.err = err
	}
	return err
}
