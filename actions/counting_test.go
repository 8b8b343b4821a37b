package actions

import (
	"context"
	"errors"
	"io/fs"
	"sync/atomic"
	"syscall"

	"github.com/stacktui/stacktui/haproxy/command"
)

// calls counts every call that reached a writer, of any kind.
type calls struct{ n atomic.Int64 }

func (c *calls) hit()         { c.n.Add(1) }
func (c *calls) count() int64 { return c.n.Load() }

type countHAProxy struct {
	c *calls
	w HAProxyWriter
}

func (h countHAProxy) Exec(ctx context.Context, cmd command.Command) error {
	h.c.hit()
	return h.w.Exec(ctx, cmd)
}

type countSerf struct {
	c *calls
	w SerfWriter
}

func (s countSerf) UpdateTags(set map[string]string, del []string) error {
	s.c.hit()
	return s.w.UpdateTags(set, del)
}

// Stats only reads (which member the agent is): it is not counted.
func (s countSerf) Stats() (map[string]map[string]string, error) {
	if st, ok := s.w.(serfStats); ok {
		return st.Stats()
	}
	return nil, errors.New("the wrapped Serf writer cannot name its agent")
}

func (s countSerf) UserEvent(name string, payload []byte, coalesce bool) error {
	s.c.hit()
	return s.w.UserEvent(name, payload, coalesce)
}

type countZK struct {
	c *calls
	w ZKWriter
}

func (z countZK) Delete(path string, version int32) error {
	z.c.hit()
	return z.w.Delete(path, version)
}

type countFiles struct {
	c *calls
	w FileWriter
}

func (f countFiles) ReadFile(p string) ([]byte, error) { f.c.hit(); return f.w.ReadFile(p) }
func (f countFiles) WriteFile(p string, d []byte, m fs.FileMode) error {
	f.c.hit()
	return f.w.WriteFile(p, d, m)
}
func (f countFiles) Remove(p string) error    { f.c.hit(); return f.w.Remove(p) }
func (f countFiles) Rename(o, n string) error { f.c.hit(); return f.w.Rename(o, n) }

type countProcs struct {
	c *calls
	w ProcRunner
}

func (p countProcs) Run(ctx context.Context, cmd string) ([]byte, int, error) {
	p.c.hit()
	return p.w.Run(ctx, cmd)
}

func (p countProcs) Signal(pid int, sig syscall.Signal) error {
	p.c.hit()
	return p.w.Signal(pid, sig)
}

// counted wraps every writer of w so that c sees each call.
func counted(w Writers, c *calls) Writers {
	out := Writers{HAProxy: map[string]HAProxyWriter{}}
	for k, h := range w.HAProxy {
		out.HAProxy[k] = countHAProxy{c, h}
	}
	if w.Serf != nil {
		out.Serf = countSerf{c, w.Serf}
	}
	for name, sw := range w.SerfMembers {
		if out.SerfMembers == nil {
			out.SerfMembers = map[string]SerfWriter{}
		}
		out.SerfMembers[name] = countSerf{c, sw}
	}
	if w.ZK != nil {
		out.ZK = countZK{c, w.ZK}
	}
	if w.Files != nil {
		out.Files = countFiles{c, w.Files}
	}
	if w.Procs != nil {
		out.Procs = countProcs{c, w.Procs}
	}
	return out
}
