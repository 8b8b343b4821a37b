package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// zkNerve registers instances in ZooKeeper the way Nerve does: one session
// per node (all services of one Nerve share it), ephemeral sequential
// <prefix>/<service>/services/<instance_id>_ holding compact JSON.
type zkNerve struct {
	prefix string
	conns  map[string]*zk.Conn // by node

	mu     sync.Mutex
	znodes map[string]string // instance key -> znode path while registered
}

// startZKNerve opens one session per node.
func startZKNerve(addr, prefix string, nodes []string, logger *slog.Logger) (z *zkNerve, err error) {
	z = &zkNerve{prefix: prefix, conns: map[string]*zk.Conn{}, znodes: map[string]string{}}
	defer func() {
		if err != nil {
			z.close()
			z = nil
		}
	}()
	for _, n := range nodes {
		c, err := dialZK(addr, logger, 5*time.Second)
		if err != nil {
			return z, err
		}
		z.conns[n] = c
	}
	return z, nil
}

// nervePayload is Nerve's JSON for an instance: host, port, name, in that order.
func nervePayload(in *instance) []byte {
	b, _ := json.Marshal(struct {
		Host string `json:"host"`
		Port int    `json:"port"`
		Name string `json:"name"`
	}{in.Host, in.Port, in.Node})
	return b
}

// servicesPath is <prefix>/<service>/services.
func servicesPath(prefix, service string) string {
	return path.Join(prefix, service, "services")
}

// verify registers in again when its znode vanished (session expiry, an
// operator's delete), as Nerve does on its next cycle.
func (z *zkNerve) verify(in *instance) error { return z.apply(in, true, true) }

// set registers or deregisters in.
func (z *zkNerve) set(in *instance, registered bool) error { return z.apply(in, registered, false) }

func (z *zkNerve) apply(in *instance, registered, check bool) error {
	conn := z.conns[in.Node]
	if conn == nil {
		return fmt.Errorf("demo: no ZooKeeper session for node %s", in.Node)
	}
	z.mu.Lock()
	have, ok := z.znodes[in.key()]
	z.mu.Unlock()
	if registered && ok && check {
		exists, _, err := conn.Exists(have)
		if err != nil {
			return fmt.Errorf("demo: checking znode %s: %w", have, err)
		}
		if !exists {
			ok = false
		}
	}
	switch {
	case registered && !ok:
		parent := servicesPath(z.prefix, in.Service)
		if err := ensurePath(conn, parent); err != nil {
			return err
		}
		p, err := conn.Create(parent+"/"+in.Node+"_", nervePayload(in), zk.FlagEphemeralSequential, zk.WorldACL(zk.PermAll))
		if err != nil {
			return fmt.Errorf("demo: registering %s in ZooKeeper under %s: %w", in.key(), parent, err)
		}
		z.mu.Lock()
		z.znodes[in.key()] = p
		z.mu.Unlock()
	case !registered && ok:
		err := conn.Delete(have, -1)
		if err != nil && !errors.Is(err, zk.ErrNoNode) {
			return fmt.Errorf("demo: deregistering %s (znode %s): %w", in.key(), have, err)
		}
		z.mu.Lock()
		delete(z.znodes, in.key())
		z.mu.Unlock()
	}
	return nil
}

// close ends every session; ZooKeeper removes their ephemeral nodes.
func (z *zkNerve) close() {
	if z == nil {
		return
	}
	for _, c := range z.conns {
		c.Close()
	}
}
