package demo

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-zookeeper/zk"
)

// zkLogger sends go-zookeeper's chatter to the demo's logger at debug level,
// never to the terminal the TUI draws on.
type zkLogger struct{ l *slog.Logger }

func (z zkLogger) Printf(format string, args ...any) {
	z.l.Debug(fmt.Sprintf(format, args...), "component", "zookeeper")
}

// zkSessionTimeout is about what Nerve uses.
const zkSessionTimeout = 10 * time.Second

// dialZK opens a session to addr and waits until it is established, so a
// wrong address fails Start quickly with words instead of hanging.
func dialZK(addr string, logger *slog.Logger, wait time.Duration) (*zk.Conn, error) {
	conn, events, err := zk.Connect([]string{addr}, zkSessionTimeout,
		zk.WithLogInfo(false), zk.WithLogger(zkLogger{logger}))
	if err != nil {
		return nil, fmt.Errorf("demo: connecting to ZooKeeper %s: %w", addr, err)
	}
	timeout := time.After(wait)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return nil, fmt.Errorf("demo: ZooKeeper %s: connection closed before a session was established", addr)
			}
			if ev.State == zk.StateHasSession {
				go drainEvents(events)
				return conn, nil
			}
		case <-timeout:
			conn.Close()
			return nil, fmt.Errorf("demo: no ZooKeeper session with %s within %s: check that ZooKeeper runs there (--zk host:port)", addr, wait)
		}
	}
}

// drainEvents keeps the session event channel empty until it closes.
func drainEvents(ch <-chan zk.Event) {
	for range ch {
	}
}

// ensurePath creates path and its parents as persistent empty nodes, as
// Nerve does, accepting ones that already exist.
func ensurePath(conn *zk.Conn, path string) error {
	cur := ""
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		cur += "/" + part
		_, err := conn.Create(cur, nil, 0, zk.WorldACL(zk.PermAll))
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("demo: creating znode %s: %w", cur, err)
		}
	}
	return nil
}
