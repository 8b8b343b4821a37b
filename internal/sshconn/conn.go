package sshconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// Reconnect delays: the first retry after a drop, doubling up to the last.
const (
	firstRetry = 500 * time.Millisecond
	maxRetry   = 5 * time.Second
)

// Options configures Dial.
type Options struct {
	// Target is the --ssh value: [user@]host[:port].
	Target string
	Files  Files
	// KnownHosts, when set, replaces the known_hosts files ssh_config names.
	KnownHosts []string
	Logger     *slog.Logger
}

// State is the connection's standing, as data the console shows.
type State struct {
	Up bool
	// Since is when the connection came up, or went down.
	Since time.Time
	// Err is why it is down, in words; "" while up.
	Err string
	// Attempts counts failed reconnections since it went down.
	Attempts int
}

// DownError is returned by every dial while the connection is down.
type DownError struct {
	Host  string
	Since time.Time
	Age   time.Duration
	Err   string
}

// Error says since when the connection is down and why.
func (e *DownError) Error() string {
	return fmt.Sprintf("the SSH connection to %s is down since %s (%s ago): %s; reconnecting",
		e.Host, e.Since.Format(time.TimeOnly), e.Age.Round(time.Second), e.Err)
}

// Conn is one SSH connection to one host, redialled when it drops. It is
// safe for concurrent use.
type Conn struct {
	s    *Settings
	keys *hostKeys
	log  *slog.Logger

	mu      sync.Mutex
	client  *ssh.Client // nil while down
	gen     int         // counts connections made
	state   State
	sftp    *sftp.Client
	sftpGen int
	closers []func()

	kick    chan struct{} // a dial failed while down: retry now
	changes chan struct{} // the state changed (cap 1)
	closed  chan struct{}
	// life ends at Close, so a reconnection in progress stops at once.
	life     context.Context
	stopLife context.CancelFunc
	once     sync.Once
	wg       sync.WaitGroup
}

// Dial resolves the target, checks that its host key is known, connects
// and authenticates. Every failure to do so is returned (a refused host
// key as a *HostKeyError); once connected, a drop is repaired in the
// background and shows in State.
func Dial(ctx context.Context, o Options) (*Conn, error) {
	s, err := Resolve(o.Target, o.Files)
	if err != nil {
		return nil, err
	}
	if o.KnownHosts != nil {
		s.KnownHosts = o.KnownHosts
	}
	keys, err := newHostKeys(s)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Conn{s: s, keys: keys, log: o.Logger.With("ssh", s.String()),
		kick: make(chan struct{}, 1), changes: make(chan struct{}, 1), closed: make(chan struct{})}
	c.life, c.stopLife = context.WithCancel(context.Background())
	cl, err := c.connect(ctx)
	if err != nil {
		c.stopLife()
		return nil, err
	}
	c.setUp(cl)
	c.wg.Add(1)
	go c.supervise()
	return c, nil
}

// Settings is how the host was reached.
func (c *Conn) Settings() Settings { return *c.s }

// Host is "user@host" as the console names the host it works on.
func (c *Conn) Host() string { return c.s.String() }

// State returns the connection's standing.
func (c *Conn) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Changes receives a value after each change of State (coalesced).
func (c *Conn) Changes() <-chan struct{} { return c.changes }

// connect dials and authenticates once.
func (c *Conn) connect(ctx context.Context) (*ssh.Client, error) {
	s := c.s
	kr := loadKeys(s)
	defer kr.close() // the agent signs during the handshake only
	cfg := &ssh.ClientConfig{
		User:              s.User,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(kr.signers...)},
		HostKeyCallback:   c.keys.callback(),
		HostKeyAlgorithms: c.keys.algorithms(),
		Timeout:           s.ConnectTimeout,
		ClientVersion:     "SSH-2.0-stacktui",
	}
	d := net.Dialer{Timeout: s.ConnectTimeout}
	nc, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", s, err)
	}
	_ = nc.SetDeadline(time.Now().Add(s.ConnectTimeout))
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	sc, chans, reqs, err := ssh.NewClientConn(nc, s.Addr(), cfg)
	stop()
	if err != nil {
		nc.Close()
		var hk *HostKeyError
		switch {
		case errors.As(err, &hk):
			return nil, hk
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, fmt.Errorf("ssh %s: the host refused every key (%s): check that your public key is in %s's authorized_keys there, or ssh-add it", s, kr.describe(s), s.User)
		}
		return nil, fmt.Errorf("ssh %s: %w", s, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// setUp installs a new client.
func (c *Conn) setUp(cl *ssh.Client) {
	c.mu.Lock()
	c.client = cl
	c.gen++
	c.state = State{Up: true, Since: time.Now()}
	c.mu.Unlock()
	c.log.Info("ssh connected")
	c.notify()
}

// setDown records a drop.
func (c *Conn) setDown(why string) {
	c.mu.Lock()
	c.client = nil
	if c.sftp != nil {
		c.sftp.Close()
		c.sftp = nil
	}
	c.state = State{Since: time.Now(), Err: why}
	c.mu.Unlock()
	c.log.Warn("ssh connection lost", "err", why)
	c.notify()
}

func (c *Conn) notify() {
	select {
	case c.changes <- struct{}{}:
	default:
	}
}

// supervise watches the connection and redials it after a drop.
func (c *Conn) supervise() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		cl := c.client
		c.mu.Unlock()
		why := c.watch(cl)
		if c.isClosed() {
			return
		}
		c.setDown(why)
		delay := firstRetry
		for {
			t := time.NewTimer(delay)
			select {
			case <-c.closed:
				t.Stop()
				return
			case <-t.C:
			case <-c.kick:
				t.Stop()
			}
			ctx, cancel := context.WithTimeout(c.life, c.s.ConnectTimeout)
			cl, err := c.connect(ctx)
			cancel()
			if err == nil {
				if c.isClosed() {
					cl.Close()
					return
				}
				c.setUp(cl)
				break
			}
			c.mu.Lock()
			c.state.Attempts++
			c.state.Err = err.Error()
			c.mu.Unlock()
			c.notify()
			delay = min(2*delay, maxRetry)
		}
	}
}

// watch returns why cl ended: the host closed it, or keepalives went
// unanswered for ServerAliveInterval x ServerAliveCountMax (a dead network
// sends no reset). Close ends it too.
func (c *Conn) watch(cl *ssh.Client) string {
	done := make(chan error, 1)
	go func() { done <- cl.Wait() }()
	interval := c.s.ServerAliveInterval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				return "the host closed the connection"
			}
			return "the connection ended: " + err.Error()
		case <-c.closed:
			cl.Close()
			return "closed"
		case <-tick.C:
			reply := make(chan error, 1)
			go func() {
				_, _, err := cl.SendRequest("keepalive@openssh.com", true, nil)
				reply <- err
			}()
			limit := time.NewTimer(interval * time.Duration(c.s.ServerAliveCountMax))
			select {
			case err := <-reply:
				limit.Stop()
				if err != nil {
					cl.Close()
					return "keepalive failed: " + err.Error()
				}
			case <-limit.C:
				cl.Close()
				return fmt.Sprintf("no answer to keepalives for %v: the host or the network is gone", interval*time.Duration(c.s.ServerAliveCountMax))
			case err := <-done:
				limit.Stop()
				if err == nil {
					return "the host closed the connection"
				}
				return "the connection ended: " + err.Error()
			case <-c.closed:
				limit.Stop()
				cl.Close()
				return "closed"
			}
		}
	}
}

func (c *Conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// current returns the live client, or a *DownError (and asks the
// supervisor to retry at once, so a host back is found without waiting).
func (c *Conn) current() (*ssh.Client, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client != nil {
		return c.client, c.gen, nil
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
	if c.isClosed() {
		return nil, 0, errors.New("ssh " + c.s.String() + ": connection closed")
	}
	return nil, 0, &DownError{Host: c.s.String(), Since: c.state.Since, Age: time.Since(c.state.Since), Err: c.state.Err}
}

// DialContext opens a connection from the host: "tcp" (direct-tcpip) to
// host:port, or "unix" (direct-streamlocal@openssh.com) to a socket path
// on that host. It has the signature of net.Dialer.DialContext, so it can
// be handed to any client that takes a dialer.
func (c *Conn) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	cl, _, err := c.current()
	if err != nil {
		return nil, err
	}
	var nc net.Conn
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
		nc, err = cl.DialContext(ctx, network, addr)
	default:
		return nil, fmt.Errorf("ssh %s: cannot forward network %q", c.s, network)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh %s: forwarding to %s: %w", c.s, addr, ctx.Err())
		}
		return nil, fmt.Errorf("ssh %s: forwarding to %s %s: %w", c.s, network, addr, err)
	}
	return withDeadlines(nc, network, addr), nil
}

// Close ends the connection and every forward. Safe to call twice.
func (c *Conn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.stopLife()
		c.wg.Wait()
		c.mu.Lock()
		if c.sftp != nil {
			c.sftp.Close()
			c.sftp = nil
		}
		if c.client != nil {
			c.client.Close()
			c.client = nil
		}
		closers := c.closers
		c.closers = nil
		c.state = State{Since: time.Now(), Err: "closed"}
		c.mu.Unlock()
		for _, f := range closers {
			f()
		}
	})
	return nil
}

// onClose registers f to run at Close.
func (c *Conn) onClose(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closers = append(c.closers, f)
}
