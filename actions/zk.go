package actions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// zkDelete deletes one registration znode.
type zkDelete struct {
	base
	path string
}

// NewZKDelete plans deleting the registration znode at path (any version) of
// instance instanceName, for stale registrations. The user must type a word
// that names this one znode to confirm (its child name; for a path-encoded
// child, the instance name and its sequence number): an instance name alone
// may be shared by several registrations (duplicates, other services). The
// plan warns that a live Nerve re-registers.
func NewZKDelete(path, instanceName string) (Action, error) {
	if err := validZKPath(path); err != nil {
		return nil, err
	}
	instanceName = strings.TrimSpace(instanceName)
	if instanceName == "" {
		return nil, errors.New("zk delete: no instance name to confirm with")
	}
	z := &zkDelete{path: path}
	word := confirmWord(path, instanceName)
	z.plan = Plan{
		Kind:        KindZKDelete,
		Title:       "ZooKeeper: delete the registration of " + instanceName + " (znode " + word + ")",
		Targets:     []string{"znode " + path},
		Commands:    []string{"delete " + path + " (any version)"},
		Transient:   "a live Nerve re-registers its instance within about ten check intervals plus 10 s",
		Alternative: "M: hacheck maintenance on the instance's host takes a live instance out durably",
		Undo:        "cannot be undone from here: a live Nerve re-registers by itself",
		Warning:     "Deleting is for stale registrations (a dead owner, a persistent node). If a live Nerve owns this one it re-registers it.",
		ConfirmText: word,
	}
	return z, nil
}

// confirmWord names one znode in a form a person can type: the child name,
// or for Nerve's path-encoded children (base64_<len>_<data>_<seq>) the
// instance name with the sequence number.
func confirmWord(path, instanceName string) string {
	node := path[strings.LastIndexByte(path, '/')+1:]
	if strings.HasPrefix(node, "base64_") {
		if i := strings.LastIndexByte(node, '_'); i > 0 {
			return instanceName + "_" + node[i+1:]
		}
	}
	return node
}

func validZKPath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return fmt.Errorf("zk delete: %q is not an absolute znode path below /", p)
	}
	if strings.HasSuffix(p, "/") {
		return fmt.Errorf("zk delete: znode path %q ends with /", p)
	}
	if p == "/zookeeper" || strings.HasPrefix(p, "/zookeeper/") {
		return fmt.Errorf("zk delete: %q is ZooKeeper's own system tree", p)
	}
	for _, part := range strings.Split(p[1:], "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("zk delete: znode path %q has an empty, \".\" or \"..\" component", p)
		}
		if strings.ContainsFunc(part, unicode.IsControl) {
			return fmt.Errorf("zk delete: znode path %q contains a control character", p)
		}
	}
	return nil
}

func (z *zkDelete) check(w *Writers) error {
	if w.ZK == nil {
		return errors.New("zk delete: no ZooKeeper connection")
	}
	return nil
}

func (z *zkDelete) apply(_ context.Context, w *Writers) ([]Step, error) {
	st := Step{Command: z.plan.Commands[0]}
	if err := w.ZK.Delete(z.path, -1); err != nil {
		st.Err = err.Error()
		return []Step{st}, fmt.Errorf("zk delete %s: %w", z.path, err)
	}
	return []Step{st}, nil
}
