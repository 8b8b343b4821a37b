package app

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	serfclient "github.com/hashicorp/serf/client"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/haproxy/command"
)

// OpenWriters builds the write-capable handles for the executor. It is called
// only in read-write mode: in read-only mode none of this is constructed.
// Connections are dialled when used, so a socket or agent that is down at
// start-up does not stop the console, and an action on it says why it failed.
// With SSH they are the SSH host's: its sockets and agents through the
// connection, its files over SFTP, its commands and signals run there.
// The fleet's sockets never get a writer: the fleet is read-only.
func (s *Sources) OpenWriters() (actions.Writers, func()) {
	w := actions.Writers{
		HAProxy: map[string]actions.HAProxyWriter{},
		Files:   actions.OSFiles{},
		Procs:   actions.OSProcs{},
		Where:   s.Where,
	}
	if s.SSH != nil {
		w.Files, w.Procs = remoteFiles{s.SSH}, remoteProcs{c: s.SSH}
	}
	var closers []func()
	for _, o := range s.HAProxyOpts {
		o.ReadOnly = false
		w.HAProxy[o.Label] = &haproxyWriter{opts: o}
	}
	if s.settings.Serf != "" {
		sw := &lazySerf{cfg: serfclient.Config{Addr: s.serfAddr, AuthKey: s.settings.SerfAuth, Timeout: 5 * time.Second}}
		w.Serf = sw
		closers = append(closers, sw.close)
	}
	for member, addr := range s.memberAddrs {
		sw := &lazySerf{cfg: serfclient.Config{Addr: addr, AuthKey: s.settings.SerfAuth, Timeout: 5 * time.Second}}
		if w.SerfMembers == nil {
			w.SerfMembers = map[string]actions.SerfWriter{}
		}
		w.SerfMembers[member] = sw
		closers = append(closers, sw.close)
	}
	if len(s.ZKServers) > 0 {
		zw := &lazyZK{servers: s.ZKServers, auth: s.settings.ZKAuth, dial: s.dial}
		w.ZK = zw
		closers = append(closers, zw.close)
	}
	return w, func() {
		for _, c := range closers {
			c()
		}
	}
}

// haproxyWriter opens an admin-level session for each command. Writes are
// rare, and a session kept open across a reload would still talk to the old,
// stopping process (it serves its existing sessions until they end): a
// change sent there would be lost with it.
type haproxyWriter struct {
	opts client.Options
}

func (h *haproxyWriter) Exec(ctx context.Context, c command.Command) error {
	conn, err := client.Dial(ctx, h.opts)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Exec(ctx, c)
}

// lazySerf is an RPC client to one Serf agent, re-dialled after a failure.
type lazySerf struct {
	cfg serfclient.Config
	mu  sync.Mutex
	c   *serfclient.RPCClient
}

func (l *lazySerf) client() (*serfclient.RPCClient, error) {
	if l.c != nil && !l.c.IsClosed() {
		return l.c, nil
	}
	c, err := serfclient.ClientFromConfig(&l.cfg)
	if err != nil {
		return nil, errors.New("serf agent " + l.cfg.Addr + ": " + err.Error())
	}
	l.c = c
	return c, nil
}

func (l *lazySerf) UpdateTags(set map[string]string, del []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, err := l.client()
	if err != nil {
		return err
	}
	return c.UpdateTags(set, del)
}

// Stats is the agent's `serf info`: its name tells which member it is.
func (l *lazySerf) Stats() (map[string]map[string]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, err := l.client()
	if err != nil {
		return nil, err
	}
	return c.Stats()
}

func (l *lazySerf) UserEvent(name string, payload []byte, coalesce bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, err := l.client()
	if err != nil {
		return err
	}
	return c.UserEvent(name, payload, coalesce)
}

func (l *lazySerf) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.c != nil {
		_ = l.c.Close()
	}
}

// lazyZK is a ZooKeeper session for deletes, separate from the read source.
type lazyZK struct {
	servers []string
	auth    string
	dial    func(context.Context, string, string) (net.Conn, error) // nil: directly
	mu      sync.Mutex
	conn    *zk.Conn
}

func (l *lazyZK) Delete(path string, version int32) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		dialer := zk.Dialer(net.DialTimeout)
		if l.dial != nil {
			dialer = func(network, addr string, timeout time.Duration) (net.Conn, error) {
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				return l.dial(ctx, network, addr)
			}
		}
		conn, _, err := zk.Connect(l.servers, 10*time.Second, zk.WithLogger(discardLogger{}), zk.WithDialer(dialer))
		if err != nil {
			return err
		}
		if l.auth != "" {
			if err := conn.AddAuth("digest", []byte(l.auth)); err != nil {
				conn.Close()
				return err
			}
		}
		l.conn = conn
	}
	return l.conn.Delete(path, version)
}

func (l *lazyZK) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.conn.Close()
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
