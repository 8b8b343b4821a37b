package zookeeper

import (
	"errors"
	"fmt"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/sources"
)

// errNotConnected is returned by the browser before the client exists.
var errNotConnected = errors.New("zookeeper: not connected yet (see the connection state)")

// Children lists the children of any znode, for the registry browser. It
// sets no watch.
func (s *Source) Children(p string) ([]string, error) {
	c := s.currentConn()
	if c == nil {
		return nil, errNotConnected
	}
	kids, _, err := c.Children(p)
	if err != nil {
		return nil, browseErr(p, err)
	}
	return kids, nil
}

// Get reads any znode's data and metadata, for the registry browser. It
// sets no watch.
func (s *Source) Get(p string) ([]byte, sources.NodeStat, error) {
	c := s.currentConn()
	if c == nil {
		return nil, sources.NodeStat{}, errNotConnected
	}
	data, st, err := c.Get(p)
	if err != nil {
		return nil, sources.NodeStat{}, browseErr(p, err)
	}
	return data, toNodeStat(st), nil
}

func browseErr(p string, err error) error {
	if errors.Is(err, zk.ErrNoNode) {
		return fmt.Errorf("zookeeper: %s does not exist: %w", p, err)
	}
	return fmt.Errorf("zookeeper: %s: %w", describeErr(p, err), err)
}
