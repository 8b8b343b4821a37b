package demo

import (
	"fmt"
	"io"
	"maps"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/serf/cmd/serf/command/agent"
	"github.com/hashicorp/serf/serf"
)

// serfCluster is the demo's in-process Serf cluster: one agent per node, the
// first one serving the RPC protocol stacktui (and the serf CLI) speak.
type serfCluster struct {
	agents map[string]*agent.Agent // by node name
	first  *agent.Agent
	ipc    *agent.AgentIPC
	rpc    string // 127.0.0.1:port

	mu sync.Mutex // serialises tag read-modify-write per cluster
}

// fastSerfConfig is a LAN config with short intervals, so a tag change shows
// on every member in about a second.
func fastSerfConfig(name string, port int, tags map[string]string, logw io.Writer) *serf.Config {
	ml := memberlist.DefaultLocalConfig()
	ml.Name = name
	ml.BindAddr, ml.BindPort = "127.0.0.1", port
	ml.AdvertiseAddr, ml.AdvertisePort = "127.0.0.1", port
	ml.GossipInterval = 50 * time.Millisecond
	ml.ProbeInterval = 500 * time.Millisecond
	ml.ProbeTimeout = 250 * time.Millisecond
	ml.SuspicionMult = 2
	ml.PushPullInterval = 5 * time.Second
	ml.LogOutput = logw

	c := serf.DefaultConfig()
	c.NodeName = name
	c.Tags = tags
	c.MemberlistConfig = ml
	c.LogOutput = logw
	c.BroadcastTimeout = time.Second
	c.LeavePropagateDelay = 0
	c.ReapInterval = 5 * time.Second
	c.ReconnectInterval = 2 * time.Second
	c.ReconnectTimeout = time.Minute
	c.TombstoneTimeout = time.Minute
	c.CoalescePeriod = 0
	c.DisableCoordinates = true
	return c
}

// startSerf starts one agent per node with its initial tags, joins them all
// to the first, and serves the first one's RPC on a free loopback port.
// On error everything already started is stopped.
func startSerf(nodes []string, tags map[string]map[string]string, logw io.Writer) (sc *serfCluster, err error) {
	sc = &serfCluster{agents: map[string]*agent.Agent{}}
	defer func() {
		if err != nil {
			sc.stop()
			sc = nil
		}
	}()
	var firstAddr string
	for _, name := range nodes {
		port, err := freeGossipPort()
		if err != nil {
			return sc, err
		}
		a, err := agent.Create(agent.DefaultConfig(), fastSerfConfig(name, port, maps.Clone(tags[name]), logw), logw)
		if err != nil {
			return sc, fmt.Errorf("demo: creating Serf agent %s: %w", name, err)
		}
		if err := a.Start(); err != nil {
			return sc, fmt.Errorf("demo: starting Serf agent %s on 127.0.0.1:%d: %w", name, port, err)
		}
		sc.agents[name] = a
		if sc.first == nil {
			sc.first = a
			firstAddr = "127.0.0.1:" + strconv.Itoa(port)
			continue
		}
		if _, err := a.Join([]string{firstAddr}, true); err != nil {
			return sc, fmt.Errorf("demo: Serf agent %s joining %s: %w", name, firstAddr, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return sc, fmt.Errorf("demo: listening for Serf RPC on 127.0.0.1: %w", err)
	}
	sc.rpc = ln.Addr().String()
	sc.ipc = agent.NewAgentIPC(sc.first, "", ln, logw, agent.NewLogWriter(64), false)
	return sc, nil
}

// setTag sets (value != "") or removes (value == "") one tag on node, keeping
// every other tag as it is now, so operator changes made over the RPC survive.
func (sc *serfCluster) setTag(node, key, value string) error {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	a := sc.agents[node]
	if a == nil || a.Serf() == nil {
		return fmt.Errorf("demo: no Serf agent %q", node)
	}
	tags := maps.Clone(a.Serf().LocalMember().Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	if value == "" {
		if _, ok := tags[key]; !ok {
			return nil
		}
		delete(tags, key)
	} else {
		if tags[key] == value {
			return nil
		}
		tags[key] = value
	}
	return a.SetTags(tags)
}

// members is the local agent's view of the cluster, as Synapse reads it.
func (sc *serfCluster) members() []memberView {
	if sc.first == nil || sc.first.Serf() == nil {
		return nil
	}
	ms := sc.first.Serf().Members()
	out := make([]memberView, 0, len(ms))
	for _, m := range ms {
		out = append(out, memberView{Name: m.Name, Status: m.Status.String(), Tags: m.Tags})
	}
	return out
}

// stop shuts the RPC and every agent down without a graceful leave: the
// whole cluster goes at once, so there is nobody to tell.
func (sc *serfCluster) stop() {
	if sc == nil {
		return
	}
	if sc.ipc != nil {
		sc.ipc.Shutdown()
	}
	var wg sync.WaitGroup
	for _, a := range sc.agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = a.Shutdown()
		}()
	}
	wg.Wait()
}
