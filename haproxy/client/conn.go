// Package client is the connection to an HAProxy stats socket (runtime API):
// one persistent interactive session per socket (`prompt` mode, as hatop
// uses), one request at a time, deadlines from the context and Options,
// and one transparent reconnect when HAProxy reloads or the socket comes
// back. Reads return the typed values of package haproxy; writes take only
// haproxy/command values, and a ReadOnly connection lowers its session to
// `user` level right after connecting and refuses writes locally too.
package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/command"
)

// DefaultTimeout bounds one request when Options.Timeout is 0. A full
// `show stat` of 50,000 servers takes HAProxy about 0.3 s.
const DefaultTimeout = 10 * time.Second

// Options describes one stats socket.
type Options struct {
	Label    string        // shown to the user; defaults to Address
	Address  string        // unix socket path or host:port (see ParseAddress)
	ReadOnly bool          // lower the session to `user` and refuse Exec
	Timeout  time.Duration // per request (dial, command and reply); 0 means DefaultTimeout
	// Dial, when set, opens the connection instead of a net.Dialer (the
	// SSH transport tunnels it); it must honour ctx's deadline.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Conn is a persistent session on one stats socket, safe for concurrent
// use: requests are serialized.
type Conn struct {
	opts Options

	mu  sync.Mutex // one request at a time on the session
	nc  net.Conn   // nil when disconnected
	buf []byte     // reply buffer, reused between requests
	// statRows is the row count of the last reply to each `show stat`
	// command line, to size the next one's rows.
	statRows map[string]int
	// reuse parses the replies read whole (a light poll's proxy rows, a
	// watched backend's servers) taking the rows that did not change from
	// the previous reply to the same command line (haproxy.StatReuse).
	reuse map[string]*haproxy.StatReuse
	// rawHook, when set, receives every read's reply (SetRawHook).
	rawHook RawHook
}

// RawHook receives a read's command line and its reply, exactly as the
// socket sent it (without the prompt), after the reply parsed. It runs
// with the connection's lock held, so it must only keep what it is given.
type RawHook func(cmd, reply string)

// SetRawHook sets the hook that receives every read's raw reply, or
// removes it (nil). Only a recorder needs the replies: without a hook they
// are never copied, so a console that does not record pays nothing.
func (c *Conn) SetRawHook(h RawHook) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rawHook = h
}

// maxKeptBuf is the largest reply buffer a session keeps between requests.
const maxKeptBuf = 1 << 20

// sinkBatch is how much of a reply collects before its lines go to the
// sink: HAProxy writes 16 KB at a time, and handing over each piece woke the
// parsing goroutine 800 times per 50,000-server `show stat`.
const sinkBatch = 256 << 10

// lineSink receives a reply's complete lines while it is still being read
// (see showStat). Each attempt is begin, lines, end; a retry on a fresh
// session starts over.
type lineSink interface {
	begin()
	lines(b []byte) // whole lines, ending in '\n'; b is reused afterwards
	end()           // no more lines in this attempt
}

// prompt is what HAProxy writes after every reply in interactive mode.
var prompt = []byte("\n> ")

// Dial connects to the socket, enters prompt mode and, for a ReadOnly
// connection, lowers the session to `user` and checks that it took.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	if o.Address == "" {
		return nil, &Error{Kind: KindOther, Op: "dial", Err: errors.New("no address given")}
	}
	if o.Label == "" {
		o.Label = o.Address
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	c := &Conn{opts: o}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Label returns the connection's label.
func (c *Conn) Label() string { return c.opts.Label }

// Address returns the socket address.
func (c *Conn) Address() string { return c.opts.Address }

// ReadOnly reports whether the connection refuses writes.
func (c *Conn) ReadOnly() bool { return c.opts.ReadOnly }

// Close ends the session.
func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc == nil {
		return nil
	}
	err := c.nc.Close()
	c.nc = nil
	return err
}

// connect dials and sets the session up; c.mu is held.
func (c *Conn) connect(ctx context.Context) error {
	addr := c.opts.Address
	dial := c.opts.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	dctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	nc, err := dial(dctx, network(addr), addr)
	cancel()
	if err != nil {
		return c.dialError(ctx, err)
	}
	c.nc = nc
	reply, err := c.roundTrip(ctx, "prompt", nil)
	if err != nil {
		c.drop()
		var e *Error
		// No prompt in time, or an answer then a close: not HAProxy.
		if errors.As(err, &e) && ctx.Err() == nil && !errors.Is(e.Err, context.DeadlineExceeded) &&
			(e.Kind == KindTimeout || (e.Kind == KindClosed && e.Reply != "")) {
			e.Kind = KindNotStatsSocket
		}
		return err
	}
	if len(reply) != 0 {
		c.drop()
		return &Error{Kind: KindNotStatsSocket, Address: addr, Op: "prompt", Reply: string(reply)}
	}
	if !c.opts.ReadOnly {
		return nil
	}
	// Lower the session for good: HAProxy never raises it again, so even a
	// bug in stacktui cannot write through this connection.
	if reply, err := c.roundTrip(ctx, "user", nil); err != nil || len(bytes.TrimSpace(reply)) != 0 {
		c.drop()
		if err != nil {
			return err
		}
		return &Error{Kind: KindLevel, Address: addr, Op: "user", Reply: string(reply),
			Err: errors.New("could not lower the session to user level")}
	}
	reply, err = c.roundTrip(ctx, "show cli level", nil)
	if err != nil {
		c.drop()
		return err
	}
	if lvl := string(bytes.TrimSpace(reply)); lvl != string(haproxy.LevelUser) {
		c.drop()
		return &Error{Kind: KindLevel, Address: addr, Op: "show cli level", Reply: lvl,
			Err: fmt.Errorf("session level is %q after `user`, want user", lvl)}
	}
	return nil
}

func (c *Conn) dialError(ctx context.Context, err error) error {
	e := &Error{Kind: KindOther, Address: c.opts.Address, Op: "dial", Err: err}
	switch {
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOENT):
		e.Kind = KindMissingSocket
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		e.Kind = KindPermissionDenied
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = KindRefused
	case errors.Is(err, syscall.ENOTSOCK):
		e.Kind = KindNotStatsSocket
	case isTimeout(err) || ctx.Err() != nil:
		e.Kind = KindTimeout
	}
	return e
}

// drop closes a session whose state is unknown after an error; c.mu is held.
func (c *Conn) drop() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// roundTrip sends one line and returns the reply without the prompt. The
// returned slice aliases c.buf until the next request; c.mu is held. With a
// sink, complete lines go to it as they arrive and only the rest is
// returned.
func (c *Conn) roundTrip(ctx context.Context, line string, sink lineSink) ([]byte, error) {
	deadline := time.Now().Add(c.opts.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.nc.SetDeadline(deadline); err != nil {
		return nil, c.ioError(ctx, line, err)
	}
	// Cancelling ctx unblocks the read at once. The callback runs on its own
	// goroutine, possibly after Close has cleared c.nc: it keeps its own copy.
	nc := c.nc
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(c.nc, line+"\n"); err != nil {
		return nil, c.ioError(ctx, line, err)
	}
	if sink != nil {
		sink.begin()
		defer sink.end()
	}
	buf := c.buf[:0]
	for {
		if cap(buf)-len(buf) < 32<<10 {
			nb := make([]byte, len(buf), 2*cap(buf)+64<<10)
			copy(nb, buf)
			buf = nb
		}
		n, err := c.nc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if sink != nil && len(buf) >= sinkBatch && !bytes.HasSuffix(buf, prompt) {
			// Hand over the lines that cannot be part of the prompt: a
			// newline at most len(prompt) bytes from the end may be its
			// start. Then keep only the rest, so the buffer stays small.
			if nl := bytes.LastIndexByte(buf[:len(buf)-len(prompt)+1], '\n'); nl >= 0 {
				sink.lines(buf[:nl+1])
				buf = buf[:copy(buf, buf[nl+1:])]
			}
		}
		if bytes.HasSuffix(buf, prompt) {
			c.buf = buf
			if cap(buf) > maxKeptBuf {
				// A large reply read whole (`show servers state` of 50,000
				// servers is 4.6 MB): the caller has it, the session need
				// not keep its 8 MB buffer for the small ones that follow.
				c.buf = nil
			}
			out := buf[:max(len(buf)-len(prompt), 0)]
			return out, nil
		}
		if err != nil {
			c.buf = buf[:0]
			ioErr := c.ioError(ctx, line, err)
			if e := (*Error)(nil); errors.As(ioErr, &e) && len(buf) > 0 && e.Kind == KindClosed {
				// Closed with an answer but no prompt: not interactive HAProxy.
				e.Reply = string(buf[:min(len(buf), 512)])
			}
			return nil, ioErr
		}
	}
}

func (c *Conn) ioError(ctx context.Context, op string, err error) error {
	e := &Error{Kind: KindOther, Address: c.opts.Address, Op: op, Err: err}
	switch {
	case ctx.Err() != nil:
		e.Kind = KindTimeout
		e.Err = ctx.Err()
	case ctxExpired(ctx) && isTimeout(err):
		// The socket deadline is ctx's and fired a moment before ctx.Done.
		e.Kind = KindTimeout
		e.Err = context.DeadlineExceeded
	case isTimeout(err):
		e.Kind = KindTimeout
	case isBroken(err):
		e.Kind = KindClosed
	}
	return e
}

func ctxExpired(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isBroken reports whether err means the peer went away, so that a fresh
// connection may work (HAProxy reloaded, stats timeout, socket recreated).
func isBroken(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, io.ErrClosedPipe) // a tunnelled session whose tunnel ended
}

// request runs one command, connecting first when needed and retrying once
// on a fresh connection when the session turns out to be broken. Every
// command this package sends is idempotent, so a retry is safe.
func (c *Conn) request(ctx context.Context, line string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requestLocked(ctx, line, nil)
}

func (c *Conn) requestLocked(ctx context.Context, line string, sink lineSink) ([]byte, error) {
	fresh := false
	if c.nc == nil {
		if err := c.connect(ctx); err != nil {
			return nil, err
		}
		fresh = true
	}
	out, err := c.roundTrip(ctx, line, sink)
	if err == nil {
		return out, nil
	}
	c.drop()
	if fresh || !IsKind(err, KindClosed) || ctx.Err() != nil {
		return nil, err
	}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	out, err = c.roundTrip(ctx, line, sink)
	if err != nil {
		c.drop()
	}
	return out, err
}

// Exec runs a write command. An empty reply is success; any text is an
// *Error of kind KindRejected carrying it. A ReadOnly connection returns
// ErrReadOnly without sending anything.
func (c *Conn) Exec(ctx context.Context, cmd command.Command) error {
	if c.opts.ReadOnly {
		return ErrReadOnly
	}
	if cmd.IsZero() {
		return ErrZeroCommand
	}
	out, err := c.request(ctx, cmd.String())
	if err != nil {
		return err
	}
	if reply := bytes.TrimSpace(out); len(reply) != 0 {
		return &Error{Kind: KindRejected, Address: c.opts.Address, Op: cmd.String(), Reply: string(reply)}
	}
	return nil
}
