package testenv

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// Nerve registers services in ZooKeeper exactly as airbnb/nerve's ZooKeeper
// reporter does: one ZK session for all its services, EPHEMERAL_SEQUENTIAL
// children named "<instance_id>_<seq>" under persistent parents, compact
// JSON payloads.
type Nerve struct {
	// ID is the instance_id: the child name prefix and the payload's "name".
	ID string

	z    *ZK
	t    testing.TB // nil for StartNerve: errors panic then
	conn *zk.Conn
	sn   *sessionSniffer

	mu     sync.Mutex
	closed bool
}

// NerveOpt changes how a Nerve connects.
type NerveOpt func(*nerveConfig)

// nerveConfig is what NerveOpts set.
type nerveConfig struct{ timeout time.Duration }

// SessionTimeout sets the session timeout Nerve asks for (default 10 s;
// real Nerve uses about 32 s). The server allows 400 ms to 120 s.
func SessionTimeout(d time.Duration) NerveOpt { return func(c *nerveConfig) { c.timeout = d } }

// Nerve starts a Nerve-style registrar with its own ZK session, closed when
// t ends.
func (z *ZK) Nerve(t testing.TB, instanceID string, opts ...NerveOpt) *Nerve {
	t.Helper()
	n, err := z.StartNerve(instanceID, opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	n.t = t
	t.Cleanup(n.Close)
	return n
}

// StartNerve is Nerve for TestMain: the caller must Close it, and a
// failed Register panics (use RegisterErr to get errors).
func (z *ZK) StartNerve(instanceID string, opts ...NerveOpt) (*Nerve, error) {
	cfg := nerveConfig{timeout: 10 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	sn := &sessionSniffer{}
	c, err := z.connect(cfg.timeout, zk.WithDialer(sn.dial))
	if err != nil {
		return nil, err
	}
	return &Nerve{ID: instanceID, z: z, conn: c, sn: sn}, nil
}

// RegOpt sets an optional registration field.
type RegOpt func(*Registration)

// WithWeight adds "weight" to the payload.
func WithWeight(w int) RegOpt { return func(r *Registration) { r.Weight = &w } }

// WithServerOptions adds "haproxy_server_options" (e.g. "backup").
func WithServerOptions(s string) RegOpt {
	return func(r *Registration) { r.ServerOptions = &s }
}

// WithLabels adds "labels".
func WithLabels(l map[string]string) RegOpt { return func(r *Registration) { r.Labels = l } }

// WithPathEncoding names the child base64_<len>_<urlsafe base64 of the
// JSON>_<seq> (Nerve's use_path_encoding).
func WithPathEncoding() RegOpt { return func(r *Registration) { r.PathEncoding = true } }

// Register creates an ephemeral-sequential registration for host:port under
// zkPath (parents created persistent) and returns the znode's full path.
// It fails the test (or panics without one) on error.
func (n *Nerve) Register(zkPath, host string, port int, opts ...RegOpt) string {
	p, err := n.RegisterErr(zkPath, host, port, opts...)
	if err != nil {
		n.fail(err)
	}
	return p
}

// RegisterErr is Register returning its error.
func (n *Nerve) RegisterErr(zkPath, host string, port int, opts ...RegOpt) (string, error) {
	r := Registration{Host: host, Port: port, Name: n.ID}
	for _, o := range opts {
		o(&r)
	}
	data, err := r.JSON()
	if err != nil {
		return "", err
	}
	if err := ensurePath(n.conn, zkPath); err != nil {
		return "", err
	}
	p, err := n.conn.Create(zkPath+"/"+r.ChildPrefix(), data, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
	if err != nil {
		return "", fmt.Errorf("testenv: nerve %s register %s:%d under %s: %w", n.ID, host, port, zkPath, err)
	}
	return p, nil
}

// Deregister deletes a registration, as Nerve does when checks fail; a
// missing node is not an error.
func (n *Nerve) Deregister(znode string) {
	if err := n.conn.Delete(znode, -1); err != nil && err != zk.ErrNoNode {
		n.fail(fmt.Errorf("testenv: nerve %s deregister %s: %w", n.ID, znode, err))
	}
}

// SessionID is the current ZK session id (the registrations'
// ephemeralOwner). It changes after Expire.
func (n *Nerve) SessionID() int64 { return n.conn.SessionID() }

// Conn is the Nerve's own ZK connection.
func (n *Nerve) Conn() *zk.Conn { return n.conn }

// Close closes the session: the server deletes its registrations at once,
// as when Nerve stops. Safe to call twice.
func (n *Nerve) Close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.closed {
		n.closed = true
		n.conn.Close()
	}
}

// Expire makes the server expire this session now, as if Nerve had
// crashed and its session timed out: its registrations vanish and the
// connection sees "session expired". It returns once the client has a new
// session (with no registrations), or fails the test.
func (n *Nerve) Expire() {
	if err := n.ExpireErr(); err != nil {
		n.fail(err)
	}
}

// ExpireErr is Expire returning its error.
func (n *Nerve) ExpireErr() error {
	id, pw := n.sn.session()
	if id == 0 || id != n.conn.SessionID() {
		return fmt.Errorf("testenv: nerve %s has no known session to expire", n.ID)
	}
	if err := killSession(n.z.Addr, id, pw); err != nil {
		return err
	}
	return waitFor(15*time.Second, func() error {
		if s := n.conn.SessionID(); s == id || s == 0 || n.conn.State() != zk.StateHasSession {
			return fmt.Errorf("testenv: nerve %s still without a new session after expiring 0x%x (state %v)", n.ID, id, n.conn.State())
		}
		return nil
	})
}

// fail reports err on the Nerve's test, or panics without one.
func (n *Nerve) fail(err error) {
	if n.t != nil {
		n.t.Helper()
		n.t.Fatalf("%v", err)
	}
	panic(err)
}
