package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"github.com/stacktui/stacktui/haproxy"
)

// rejected wraps a reply that did not parse: usually HAProxy's error text.
func (c *Conn) rejected(op string, out []byte, err error) error {
	return &Error{Kind: KindRejected, Address: c.opts.Address, Op: op, Err: err,
		Reply: string(out[:min(len(out), 512)])}
}

// ShowStat runs `show stat` (every frontend, backend and server).
func (c *Conn) ShowStat(ctx context.Context) (*haproxy.Stats, error) {
	return c.showStat(ctx, "show stat")
}

// ShowStatServers runs `show stat -1 4 -1`: server rows only.
func (c *Conn) ShowStatServers(ctx context.Context) (*haproxy.Stats, error) {
	return c.showStat(ctx, "show stat -1 4 -1")
}

// Stat object types for ShowStatFilter's mask, as HAProxy numbers them.
const (
	StatFrontends = 1
	StatBackends  = 2
	StatServers   = 4
)

// ShowStatFilter runs `show stat <iid> <types> -1`: the rows of proxy iid
// (-1 for all) whose type is in the mask (StatFrontends|StatBackends|...).
// HAProxy's cost is proportional to the rows it writes, so the poller uses
// it to fetch only aggregates, or one backend's servers.
func (c *Conn) ShowStatFilter(ctx context.Context, iid, types int) (*haproxy.Stats, error) {
	return c.showStat(ctx, fmt.Sprintf("show stat %d %d -1", iid, types))
}

// showStat parses the reply while reading it (haproxy.StatStream): at
// 50,000 servers HAProxy takes about 0.3 s to write it, and parsing meanwhile
// instead of afterwards shows it sooner.
func (c *Conn) showStat(ctx context.Context, line string) (*haproxy.Stats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sink := &statSink{rowsHint: c.statRows[line], keep: c.rawHook != nil}
	out, err := c.requestLocked(ctx, line, sink)
	if err != nil {
		return nil, err
	}
	sink.head.add(out)
	var st *haproxy.Stats
	if sink.p != nil {
		delete(c.reuse, line) // read in batches: the last whole reply is old
		st, err = sink.p.Finish(out)
	} else { // a reply shorter than one batch: parse it whole
		st, err = c.reuseFor(line).Parse(out)
	}
	if err != nil {
		return nil, c.rejected(line, sink.head, err)
	}
	if c.statRows == nil {
		c.statRows = map[string]int{}
	}
	c.statRows[line] = len(st.Rows)
	if c.rawHook != nil {
		c.rawHook(line, strings.Join(append(sink.kept, string(out)), ""))
	}
	return st, nil
}

// HintStatRows tells the session how many rows the next full `show stat`
// will have, when it knows better than the last one (a preview counted the
// servers): the first full read of a session then makes its rows at their
// size instead of growing them, which at 50,000 servers left about 35 MB of
// outgrown copies at start-up, where the memory peaks.
func (c *Conn) HintStatRows(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.statRows == nil {
		c.statRows = map[string]int{}
	}
	c.statRows["show stat"] = n
}

// maxReused bounds the command lines whose last reply a session keeps for
// haproxy.StatReuse: the proxy rows and a few watched backends' servers;
// scrolling through backends watches one after the other.
const maxReused = 8

// reuseFor returns the StatReuse of a command line, making room for it.
func (c *Conn) reuseFor(line string) *haproxy.StatReuse {
	r := c.reuse[line]
	if r == nil {
		if c.reuse == nil || len(c.reuse) >= maxReused {
			c.reuse = map[string]*haproxy.StatReuse{} // the others are re-read soon enough
		}
		r = &haproxy.StatReuse{}
		c.reuse[line] = r
	}
	return r
}

// statSink feeds a reply's lines to a StatStream on a goroutine of its
// own, so the reader keeps the socket drained and HAProxy never waits for
// the parser; it keeps the reply's start for error messages. Both start
// with the first batch of lines: most replies (a light poll's proxy rows)
// are shorter than one and are parsed whole at the end. The parser keeps
// nothing of a batch, so batches are copied into a few buffers that go
// round: a 50,000-server `show stat` no longer leaves 13 MB of copies.
type statSink struct {
	rowsHint int
	p        *haproxy.StatStream
	head     replyHead
	chunks   chan []byte
	free     chan []byte // parsed batches' buffers, to reuse
	done     chan struct{}
	// keep: the reply's lines are also kept, in order, for a raw hook.
	keep bool
	kept []string
}

func (s *statSink) begin() {
	s.p, s.chunks, s.head, s.kept = nil, nil, s.head[:0], nil
}

func (s *statSink) lines(b []byte) {
	if s.chunks == nil {
		s.p = haproxy.NewStatStream(s.rowsHint)
		s.chunks = make(chan []byte, 256) // never blocks the reader
		s.free = make(chan []byte, 4)
		s.done = make(chan struct{})
		p, chunks, free, done, kept := s.p, s.chunks, s.free, s.done, s.keep
		go func() {
			defer close(done)
			for c := range chunks {
				p.Lines(unsafe.String(unsafe.SliceData(c), len(c)))
				if kept {
					continue // the raw hook's copy: never reused
				}
				select {
				case free <- c:
				default:
				}
			}
		}()
	}
	s.head.add(b)
	if s.keep {
		c := string(b)
		s.kept = append(s.kept, c) // kept for the raw hook: the parser reads the same copy
		s.chunks <- unsafe.Slice(unsafe.StringData(c), len(c))
		return
	}
	var c []byte
	select {
	case c = <-s.free:
	default:
	}
	if cap(c) < len(b) {
		c = make([]byte, 0, max(len(b), sinkBatch+64<<10))
	}
	s.chunks <- append(c[:0], b...)
}

func (s *statSink) end() {
	if s.chunks != nil {
		close(s.chunks)
		<-s.done
	}
}

// replyHead is a reply's first bytes, kept for error messages.
type replyHead []byte

func (h *replyHead) add(b []byte) {
	if n := 512 - len(*h); n > 0 {
		*h = append(*h, b[:min(n, len(b))]...)
	}
}

// ShowInfo runs `show info`.
func (c *Conn) ShowInfo(ctx context.Context) (*haproxy.Info, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.requestLocked(ctx, "show info", nil)
	if err != nil {
		return nil, err
	}
	info, err := haproxy.ParseInfo(out)
	if err != nil {
		return nil, c.rejected("show info", out, err)
	}
	if c.rawHook != nil {
		c.rawHook("show info", string(out))
	}
	return info, nil
}

// ShowServersState runs `show servers state [<backend>]`; backend "" means all.
func (c *Conn) ShowServersState(ctx context.Context, backend string) ([]haproxy.ServerState, error) {
	ss, _, err := c.showServersState(ctx, backend, nil)
	return ss, err
}

// ShowServersStateEach runs `show servers state [<backend>]` and hands the
// servers to each, a piece at a time, as they are read
// (haproxy.ServersStateStream.Each: each must not keep the slice), on a
// goroutine of the session's, one piece after the other. It returns how
// many servers there were. On an error each may have had some of them.
func (c *Conn) ShowServersStateEach(ctx context.Context, backend string, each func([]haproxy.ServerState)) (int, error) {
	_, n, err := c.showServersState(ctx, backend, each)
	return n, err
}

// showServersState runs the command, handing the servers to each when it
// is set (then it returns none): the servers and how many there were.
func (c *Conn) showServersState(ctx context.Context, backend string, each func([]haproxy.ServerState)) ([]haproxy.ServerState, int, error) {
	line := "show servers state"
	if backend != "" {
		if err := haproxy.ValidName(backend); err != nil {
			return nil, 0, fmt.Errorf("show servers state: backend name: %w", err)
		}
		line += " " + backend
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sink := &serversStateSink{keep: c.rawHook != nil, each: each}
	out, err := c.requestLocked(ctx, line, sink)
	if err != nil {
		return nil, 0, err
	}
	if sink.handedTwice {
		return nil, 0, &Error{Kind: KindClosed, Address: c.opts.Address, Op: line,
			Err: errors.New("the reply was cut off after some servers were handed over, and read again")}
	}
	sink.head.add(out)
	ss, err := sink.p.Finish(string(out))
	if err != nil {
		return nil, 0, c.rejected(line, sink.head, err)
	}
	if c.rawHook != nil {
		c.rawHook(line, strings.Join(append(sink.kept, string(out)), ""))
	}
	return ss, sink.p.Servers(), nil
}

// serversStateSink parses a `show servers state` reply as it is read, on a
// goroutine of its own (see statSink): at 50,000 servers the parse then
// overlaps HAProxy's writing instead of following it. Its servers keep the
// reply's text, so each batch is a string of its own.
type serversStateSink struct {
	p    haproxy.ServersStateStream
	each func([]haproxy.ServerState) // p.Each
	// handedTwice: a reply cut off after each had servers was read again
	// (a reconnect): each would have them twice.
	handedTwice bool
	head        replyHead
	chunks      chan string
	done        chan struct{}
	keep        bool // keep the batches, in order, for a raw hook
	kept        []string
}

func (s *serversStateSink) begin() {
	twice := s.handedTwice || (s.each != nil && s.p.Servers() > 0)
	*s = serversStateSink{head: s.head[:0], keep: s.keep, each: s.each, handedTwice: twice}
	s.p.Each = s.each
	if twice {
		s.p.Each = func([]haproxy.ServerState) {} // read to the end, to stay in step, but hand nothing
	}
}

func (s *serversStateSink) lines(b []byte) {
	if s.chunks == nil {
		s.chunks = make(chan string, 256) // never blocks the reader
		s.done = make(chan struct{})
		go func() {
			defer close(s.done)
			for c := range s.chunks {
				s.p.Lines(c)
			}
		}()
	}
	s.head.add(b)
	c := string(b)
	if s.keep {
		s.kept = append(s.kept, c)
	}
	s.chunks <- c
}

// end waits for the batches handed over to be parsed.
func (s *serversStateSink) end() {
	if s.chunks != nil {
		close(s.chunks)
		<-s.done
	}
}

// Level runs `show cli level`: the session's privilege level.
func (c *Conn) Level(ctx context.Context) (haproxy.Level, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, err := c.requestLocked(ctx, "show cli level", nil)
	if err != nil {
		return "", err
	}
	switch lvl := haproxy.Level(strings.TrimSpace(string(bytes.TrimSpace(out)))); lvl {
	case haproxy.LevelUser, haproxy.LevelOperator, haproxy.LevelAdmin:
		return lvl, nil
	}
	return "", c.rejected("show cli level", out, fmt.Errorf("not a level"))
}
