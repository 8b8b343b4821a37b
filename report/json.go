package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"runtime"
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
// they are done: at 50,000 servers (a 57 MB document) the whole document is
// never held, which was half the time of `snapshot --json`. The instances
// and servers, its bulk, are written indented as they are encoded (see
// append.go).
func WriteJSON(w io.Writer, v *state.View, sources []SourceStatus) error {
	if v == nil {
		return errors.New("report: no view to print (nothing was joined)")
	}
	d := frame(v, sources)
	bw := bufio.NewWriterSize(w, 256<<10)
	var pieces sync.Pool // pieces' buffers, reused once written
	err := encodeOrdered(documentPieces(v, d), func(p piece) ([]byte, error) {
		out, _ := pieces.Get().([]byte)
		in := indenter{depth: p.depth}
		out, err := p.encode(out[:0], &in)
		return termtext.JSON(out), err
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

// piece is a part of the document: encode appends it, indented, starting
// at in's depth. An empty array or object is never split between two
// pieces (see indenter).
type piece struct {
	depth  int
	encode func(b []byte, in *indenter) ([]byte, error)
}

// serversPerPiece is how many servers of a socket one piece encodes.
const serversPerPiece = 500

// documentPieces cuts the Document of v, whose frame is d (without its
// sockets' servers, which the pieces make from the rows), into pieces: their
// concatenation is json.MarshalIndent of the Document.
func documentPieces(v *state.View, d *Document) []piece {
	lit := func(depth int, s string) piece {
		return piece{depth, func(b []byte, in *indenter) ([]byte, error) { return in.feed(b, []byte(s)), nil }}
	}
	var ps []piece
	// {"schema":...,"diagnoses":[...],"services":[ service, ... ],
	ps = append(ps, piece{0, func(b []byte, in *indenter) ([]byte, error) {
		head, err := json.Marshal(docHead{d.Schema, d.GeneratedAt, d.Sources, d.Diagnoses})
		head = append(head[:len(head)-1], `,"services":[`...)
		if len(v.Services) == 0 {
			head = append(head, ']')
		}
		return in.feed(b, head), err
	}})
	for i := range v.Services {
		ps = append(ps, piece{2, func(b []byte, in *indenter) ([]byte, error) {
			if i > 0 {
				b = in.next(b)
			}
			sd := serviceDoc(v, &v.Services[i])
			return sd.appendIndented(b, in)
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
	for k, h := range sockets(v) {
		sock, servers := &d.HAProxy[k], serverRows(h)
		ps = append(ps, piece{2, func(b []byte, in *indenter) ([]byte, error) {
			head, err := json.Marshal(socketHead(*sock))
			head = append(head[:len(head)-1], `,"servers":[`...)
			if len(servers) == 0 {
				head = append(head, "]}"...)
			}
			if k > 0 {
				head = append([]byte{','}, head...)
			}
			return in.feed(b, head), err
		}})
		for i := 0; i < len(servers); i += serversPerPiece {
			run := servers[i:min(i+serversPerPiece, len(servers))]
			ps = append(ps, piece{4, func(b []byte, in *indenter) ([]byte, error) {
				for j, r := range run {
					if i+j > 0 {
						b = in.next(b)
					}
					sd := serverDoc(r)
					b = sd.appendIndented(b, in)
				}
				return b, nil
			}})
		}
		if len(servers) > 0 {
			ps = append(ps, lit(4, "]}"))
		}
	}
	// "maintenance":{...}}
	if len(d.HAProxy) == 0 {
		depth = 1
	} else {
		depth = 2
	}
	ps = append(ps, piece{depth, func(b []byte, in *indenter) ([]byte, error) {
		var tail []byte
		if len(d.HAProxy) > 0 {
			tail = append(tail, ']')
		}
		if d.Maintenance != nil {
			m, err := json.Marshal(d.Maintenance)
			if err != nil {
				return b, err
			}
			tail = append(append(tail, `,"maintenance":`...), m...)
		}
		return in.feed(b, append(tail, '}')), nil
	}})
	return ps
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

// encodeOrdered encodes every piece on every core and hands the results to
// write in order, holding a bounded window of them.
func encodeOrdered(ps []piece, encode func(piece) ([]byte, error), write func([]byte) error) error {
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
			for j := range jobs {
				b, err := encode(j.p)
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
// tokens (never half a string), and values written token by token in
// between (append.go). An opening bracket that ends a piece is taken to
// open a non-empty value: an empty one must come in one piece.
type indenter struct {
	depth int
}

// lineStart is a line break and the indentation of the deepest levels the
// documents have, with room to spare; deeper ones are indented in steps.
var lineStart = []byte("\n" + strings.Repeat(" ", 64))

func (in *indenter) newline(out []byte) []byte {
	n := 2 * in.depth
	if n < len(lineStart) {
		return append(out, lineStart[:1+n]...)
	}
	out = append(out, lineStart...)
	for n -= len(lineStart) - 1; n > 0; {
		k := min(n, len(lineStart)-1)
		out = append(out, lineStart[1:1+k]...)
		n -= k
	}
	return out
}

// stringEnd is the index of the quote closing the string that opens at
// start, or len(compact) if it does not close.
func stringEnd(compact []byte, start int) int {
	for j := start + 1; ; j++ {
		k := bytes.IndexByte(compact[j:], '"')
		if k < 0 {
			return len(compact)
		}
		j += k
		escapes := 0
		for m := j - 1; m > start && compact[m] == '\\'; m-- {
			escapes++
		}
		if escapes%2 == 0 { // not itself escaped
			return j
		}
	}
}

// feed appends compact, indented, to out.
func (in *indenter) feed(out, compact []byte) []byte {
	for i := 0; i < len(compact); i++ {
		switch c := compact[i]; c {
		case '"': // a string, escapes included, copied as it is
			j := stringEnd(compact, i)
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
