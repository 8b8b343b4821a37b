package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/state"
)

// WriteJSON writes v as the stable Document schema (see Document and
// SCHEMA.md), indented, and a newline. Characters a terminal would act on
// that encoding/json leaves raw (C1 controls, bidi overrides) are \u
// escapes: the same document, safe to print.
//
// The document is cut into pieces (its frame, each service, each socket's
// frame, runs of its servers) encoded on every core and written in order as
// they are done: at 50,000 servers (a 57 MB document) neither the whole
// document nor its indented copy is ever held, which was half the time of
// `snapshot --json`.
func WriteJSON(w io.Writer, v *state.View, sources []SourceStatus) error {
	if v == nil {
		return errors.New("report: no view to print (nothing was joined)")
	}
	d := frame(v, sources)
	bw := bufio.NewWriterSize(w, 256<<10)
	var pieces sync.Pool // indented pieces, reused once written
	err := encodeOrdered(documentPieces(v, d), func(p piece, compact *bytes.Buffer) ([]byte, error) {
		compact.Reset()
		if err := p.encode(compact); err != nil {
			return nil, err
		}
		c := termtext.JSON(compact.Bytes())
		out, _ := pieces.Get().([]byte)
		in := indenter{depth: p.depth}
		// Indenting about doubles the size of compact JSON: grow once.
		return in.feed(slices.Grow(out[:0], 2*len(c)), c), nil
	}, func(b []byte) error {
		_, err := bw.Write(b)
		pieces.Put(b[:0])
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// piece is a part of the document: encode appends its compact JSON, whose
// indentation starts at depth. An empty array or object is never split
// between two pieces (see indenter).
type piece struct {
	depth  int
	encode func(*bytes.Buffer) error
}

// serversPerPiece is how many servers of a socket one piece encodes.
const serversPerPiece = 500

// documentPieces cuts the Document of v, whose frame is d, into pieces: the
// concatenation of their compact JSON is json.Marshal of the Document.
func documentPieces(v *state.View, d *Document) []piece {
	lit := func(depth int, s string) piece {
		return piece{depth, func(b *bytes.Buffer) error { b.WriteString(s); return nil }}
	}
	var ps []piece
	// {"schema":...,"diagnoses":[...],"services":[ service, ... ],
	ps = append(ps, piece{0, func(b *bytes.Buffer) error {
		head, err := json.Marshal(docHead{d.Schema, d.GeneratedAt, d.Sources, d.Diagnoses})
		b.Write(head[:len(head)-1])
		b.WriteString(`,"services":[`)
		if len(v.Services) == 0 {
			b.WriteByte(']')
		}
		return err
	}})
	for i := range v.Services {
		ps = append(ps, piece{2, func(b *bytes.Buffer) error {
			if i > 0 {
				b.WriteByte(',')
			}
			return marshalTo(b, serviceDoc(v, &v.Services[i]))
		}})
	}
	// "haproxy":[ {"socket":...,"servers":[ server, ... ]}, ... ],
	open := `,"haproxy":[`
	depth := 1
	if len(v.Services) > 0 {
		open, depth = "]"+open, 2
	}
	if len(d.HAProxy) == 0 {
		open += "]"
	}
	ps = append(ps, lit(depth, open))
	for k := range d.HAProxy {
		sock := &d.HAProxy[k]
		ps = append(ps, piece{2, func(b *bytes.Buffer) error {
			if k > 0 {
				b.WriteByte(',')
			}
			head, err := json.Marshal(socketHead(*sock))
			b.Write(head[:len(head)-1])
			b.WriteString(`,"servers":[`)
			if len(sock.Servers) == 0 {
				b.WriteString("]}")
			}
			return err
		}})
		for i := 0; i < len(sock.Servers); i += serversPerPiece {
			run := sock.Servers[i:min(i+serversPerPiece, len(sock.Servers))]
			ps = append(ps, piece{4, func(b *bytes.Buffer) error {
				if i > 0 {
					b.WriteByte(',')
				}
				// The run's elements without its brackets: they are the socket's.
				n := b.Len()
				err := marshalTo(b, run)
				elems := b.Bytes()[n+1 : b.Len()-1]
				copy(b.Bytes()[n:], elems)
				b.Truncate(n + len(elems))
				return err
			}})
		}
		if len(sock.Servers) > 0 {
			ps = append(ps, lit(4, "]}"))
		}
	}
	// "maintenance":{...}}
	if len(d.HAProxy) == 0 {
		depth = 1
	} else {
		depth = 2
	}
	ps = append(ps, piece{depth, func(b *bytes.Buffer) error {
		if len(d.HAProxy) > 0 {
			b.WriteByte(']')
		}
		if d.Maintenance != nil {
			b.WriteString(`,"maintenance":`)
			if err := marshalTo(b, d.Maintenance); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	}})
	return ps
}

// marshalTo appends json.Marshal's encoding of x to b.
func marshalTo(b *bytes.Buffer, x any) error {
	enc := json.NewEncoder(b)
	if err := enc.Encode(x); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// docHead is Document's fields before Services, in its order.
type docHead struct {
	Schema      int               `json:"schema"`
	GeneratedAt time.Time         `json:"generated_at"`
	Sources     []SourceStatus    `json:"sources"`
	Diagnoses   []state.Diagnosis `json:"diagnoses"`
}

// socketHead is SocketDoc without its servers.
type socketHead struct {
	Socket   string      `json:"socket"`
	Address  string      `json:"address"`
	State    string      `json:"state"`
	Error    string      `json:"error"`
	LastGood *time.Time  `json:"last_good"`
	Servers  []ServerDoc `json:"-"`
}

// encodeOrdered encodes every piece on every core, each worker with its own
// scratch buffer, and hands the results to write in order, holding a
// bounded window of them.
func encodeOrdered(ps []piece, encode func(piece, *bytes.Buffer) ([]byte, error), write func([]byte) error) error {
	workers := runtime.GOMAXPROCS(0)
	type result struct {
		b   []byte
		err error
	}
	type job struct {
		p   piece
		out chan result
	}
	jobs := make(chan job)
	order := make(chan chan result, 4*workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var scratch bytes.Buffer
			for j := range jobs {
				b, err := encode(j.p, &scratch)
				j.out <- result{b, err}
			}
		})
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for _, p := range ps {
			out := make(chan result, 1)
			select {
			case order <- out:
			case <-stop:
				return
			}
			select {
			case jobs <- job{p, out}:
			case <-stop:
				return
			}
		}
	}()
	var err error
	for out := range order {
		r := <-out
		if err = r.err; err == nil {
			err = write(r.b)
		}
		if err != nil {
			break
		}
	}
	close(stop) // on an error: the producer stops, the workers finish their job
	wg.Wait()
	return err
}

// indenter indents compact JSON fed to it in pieces that each hold whole
// tokens (never half a string). An opening bracket that ends a piece is
// taken to open a non-empty value: an empty one must come in one piece.
type indenter struct {
	depth int
}

var indentSpaces = []byte(strings.Repeat(" ", 64))

func (in *indenter) newline(out []byte) []byte {
	out = append(out, '\n')
	for n := 2 * in.depth; n > 0; {
		k := min(n, len(indentSpaces))
		out = append(out, indentSpaces[:k]...)
		n -= k
	}
	return out
}

// feed appends compact, indented, to out.
func (in *indenter) feed(out, compact []byte) []byte {
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
			in.depth++
			out = in.newline(out)
		case '}', ']':
			in.depth--
			out = in.newline(out)
			out = append(out, c)
		case ',':
			out = append(out, c)
			out = in.newline(out)
		case ':':
			out = append(out, ':', ' ')
		default:
			out = append(out, c)
		}
	}
	return out
}
