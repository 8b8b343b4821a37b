package replay

import (
	"errors"
	"path"
	"sort"
	"strings"

	"github.com/stacktui/stacktui/sources"
)

// Browser lets the console's registry view browse a replayed ZooKeeper
// trace as it browses a live ensemble: the tree under the trace's zk_path
// as of the replay's clock (services, their "services" child and the
// registration znodes, with their data and stat). Nil for a Serf trace.
func (r *Console) Browser() sources.Browser {
	if r.kind != sources.KindZooKeeper {
		return nil
	}
	return &snapshotBrowser{root: path.Clean(r.zkRoot), cur: r.reg.Load}
}

// snapshotBrowser answers Children and Get from a registry snapshot.
type snapshotBrowser struct {
	root string
	cur  func() *sources.Snapshot
}

var errNoNode = errors.New("node does not exist (in the trace at this instant)")

// nodes lists every path of the tree with its registration (nil for the
// directories).
func (b *snapshotBrowser) nodes() map[string]*sources.Registration {
	out := map[string]*sources.Registration{}
	for p := b.root; ; p = path.Dir(p) {
		out[p] = nil
		if p == "/" {
			break
		}
	}
	s := b.cur()
	if s == nil {
		return out
	}
	for i := range s.Services {
		svc := &s.Services[i]
		parent := svc.Path
		if parent == "" {
			parent = path.Join(b.root, svc.Name, "services")
		}
		for p := parent; p != "/" && out[p] == nil; p = path.Dir(p) {
			out[p] = nil
		}
		for j := range svc.Registrations {
			r := &svc.Registrations[j]
			if r.Path != "" {
				out[r.Path] = r
			}
		}
	}
	return out
}

// Children lists a path's children, sorted.
func (b *snapshotBrowser) Children(p string) ([]string, error) {
	p = path.Clean("/" + p)
	all := b.nodes()
	if _, ok := all[p]; !ok {
		return nil, errNoNode
	}
	prefix := strings.TrimSuffix(p, "/") + "/"
	var out []string
	for k := range all {
		if strings.HasPrefix(k, prefix) && !strings.Contains(k[len(prefix):], "/") && k != p {
			out = append(out, k[len(prefix):])
		}
	}
	sort.Strings(out)
	return out, nil
}

// Get returns a znode's data and stat: a registration's as recorded, an
// empty directory's otherwise.
func (b *snapshotBrowser) Get(p string) ([]byte, sources.NodeStat, error) {
	p = path.Clean("/" + p)
	all := b.nodes()
	r, ok := all[p]
	if !ok {
		return nil, sources.NodeStat{}, errNoNode
	}
	kids, _ := b.Children(p)
	st := sources.NodeStat{NumChildren: int32(len(kids))}
	if r == nil {
		return nil, st, nil
	}
	st.Ctime, st.Mtime, st.EphemeralOwner, st.DataLength = r.Ctime, r.Mtime, r.Owner, int32(r.DataLen)
	return r.Raw, st, nil
}
