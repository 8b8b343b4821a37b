package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
)

// synapseLoop is a small Synapse: it watches the registry and applies every
// change to HAProxy through the admin socket (registered -> state ready,
// deregistered -> state maint, serverweight -> weight). Servers HAProxy does
// not know yet are added by a reload, as are requests through ReloadCommand.
type synapseLoop struct {
	hap        *hapProc
	cfgPath    string
	socket     string
	reloadFile string
	interval   time.Duration
	current    func() (regSet, bool) // the registry as last seen; false until synced
	nudge      <-chan struct{}
	logger     *slog.Logger

	mu       sync.Mutex
	backends []hapBackend // what the config holds, in order
	applied  regSet       // what HAProxy was last told
	reloads  atomic.Int64
	lastErr  atomic.Value // string
	conn     *client.Conn // persistent admin session; nil until needed and after a reload
}

// configured is the set of servers HAProxy knows, by key.
func (s *synapseLoop) configured() map[string]bool {
	out := map[string]bool{}
	for _, b := range s.backends {
		for _, sv := range b.Servers {
			out[b.Name+"/"+sv.Name] = true
		}
	}
	return out
}

// render is the config for registry state cur: every known server, the
// deregistered ones disabled (as Synapse's state file keeps them).
func (s *synapseLoop) render(cur regSet) string {
	c := hapConfig{Socket: s.socket}
	for _, b := range s.backends {
		nb := hapBackend{Name: b.Name, Bind: b.Bind}
		for _, sv := range b.Servers {
			r, ok := cur[b.Name+"/"+sv.Name]
			w := defaultWeight
			if ok {
				w = r.Weight
			}
			nb.Servers = append(nb.Servers, hapServer{Name: sv.Name, Addr: sv.Addr, Weight: w, Disabled: !ok})
		}
		c.Backends = append(c.Backends, nb)
	}
	return renderConfig(c)
}

// startHAProxy writes the first config for cur and starts HAProxy on it.
func (s *synapseLoop) startHAProxy(cur regSet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeFileAtomic(s.cfgPath, []byte(s.render(cur))); err != nil {
		return fmt.Errorf("demo: writing haproxy config %s: %w", s.cfgPath, err)
	}
	if _, err := s.hap.start(); err != nil {
		return err
	}
	s.applied = cur
	return nil
}

// run applies registry changes until ctx ends.
func (s *synapseLoop) run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	defer func() {
		s.mu.Lock()
		s.closeConn()
		s.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.nudge:
		}
		s.step()
	}
}

// step is one reconcile: a requested reload, or the socket changes.
func (s *synapseLoop) step() {
	cur, ok := s.current()
	if !ok {
		return
	}
	cur, bad := sanitize(cur)
	for _, k := range bad {
		s.logger.Warn("ignoring a registration whose names HAProxy cannot take", "server", k)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hap.pid() == 0 {
		// HAProxy died under us (killed by hand?): a supervisor would restart it.
		s.reloadLocked(cur, "haproxy was not running")
		return
	}
	if _, err := os.Stat(s.reloadFile); err == nil {
		_ = os.Remove(s.reloadFile)
		s.reloadLocked(cur, "reload requested")
		return
	}
	ops, unknown := plan(s.configured(), s.applied, cur)
	if len(unknown) > 0 {
		s.addServers(unknown)
		s.reloadLocked(cur, fmt.Sprintf("%d new server(s)", len(unknown)))
		return
	}
	if len(ops) == 0 {
		return
	}
	if err := s.send(ops); err != nil {
		s.fail(err)
		return // applied unchanged: the next step tries again
	}
	s.applied = cur
}

// addServers adds servers of known backends to the config.
func (s *synapseLoop) addServers(add []regServer) {
	for _, r := range add {
		for i := range s.backends {
			if s.backends[i].Name == r.Backend {
				s.backends[i].Servers = append(s.backends[i].Servers, hapServer{Name: r.Name, Addr: r.Addr, Weight: r.Weight})
			}
		}
	}
}

// reloadLocked writes the config for cur and hands over to a new HAProxy
// with -sf, as Synapse's reload_command does.
func (s *synapseLoop) reloadLocked(cur regSet, why string) {
	if err := writeFileAtomic(s.cfgPath, []byte(s.render(cur))); err != nil {
		s.fail(fmt.Errorf("demo: writing haproxy config %s: %w", s.cfgPath, err))
		return
	}
	pid, err := s.hap.start()
	if err != nil {
		s.fail(err)
		return
	}
	s.reloads.Add(1)
	s.applied = cur
	// The old process keeps serving sessions it has: talk to the new one.
	s.closeConn()
	s.logger.Info("haproxy reloaded", "why", why, "pid", pid)
}

// send applies ops over one persistent admin session, one command per
// request, so each refusal is reported with its own command.
func (s *synapseLoop) send(ops []op) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s.conn == nil {
		c, err := client.Dial(ctx, client.Options{Label: "demo synapse", Address: s.socket, Timeout: 2 * time.Second})
		if err != nil {
			return err
		}
		s.conn = c
	}
	var errs []error
	for _, o := range ops {
		cmd, err := o.command()
		if err != nil {
			s.logger.Warn("synapse skipped an invalid change", "err", err)
			continue
		}
		if err := s.conn.Exec(ctx, cmd); err != nil {
			if client.IsKind(err, client.KindRejected) {
				// HAProxy said why not (e.g. no such server): retrying will not help.
				s.logger.Warn("haproxy refused a synapse change", "cmd", cmd.String(), "err", err)
				continue
			}
			errs = append(errs, err)
			s.closeConn()
			break
		}
		s.logger.Debug("synapse applied", "cmd", cmd.String())
	}
	return errors.Join(errs...)
}

// closeConn drops the admin session; the next send dials again.
func (s *synapseLoop) closeConn() {
	if s.conn != nil {
		_ = s.conn.Close()
		s.conn = nil
	}
}

func (s *synapseLoop) fail(err error) {
	s.lastErr.Store(err.Error())
	s.logger.Warn("synapse loop", "err", err)
}
