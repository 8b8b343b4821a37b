package demo

import (
	"net"
	"strconv"
	"time"
)

// serviceSpec describes one demo service before anything is started.
type serviceSpec struct {
	Name      string
	Instances int
	Latency   time.Duration // typical latency of `/`
	ErrorRate float64       // share of `/` requests answered 500
	Share     int           // relative share of the load generator's traffic
}

// demoServices is the fixed topology: five services of two to four
// instances, each with its own character, so the views show contrast.
var demoServices = []serviceSpec{
	{Name: "svc_checkout", Instances: 3, Latency: 40 * time.Millisecond, ErrorRate: 0.02, Share: 3},
	{Name: "svc_cart", Instances: 2, Latency: 15 * time.Millisecond, ErrorRate: 0.005, Share: 3},
	{Name: "svc_search", Instances: 4, Latency: 120 * time.Millisecond, ErrorRate: 0.01, Share: 2},
	{Name: "svc_users", Instances: 3, Latency: 8 * time.Millisecond, ErrorRate: 0, Share: 4},
	{Name: "svc_payments", Instances: 2, Latency: 60 * time.Millisecond, ErrorRate: 0.08, Share: 1},
}

// nodeNames are the Serf nodes (and Nerve instance_ids) of the demo; the
// first one is the "local agent" whose RPC stacktui reads.
var nodeNames = []string{"web-1", "web-2", "web-3", "web-4"}

// defaultWeight is the getyourguide fork's default smart:serverweight.
const defaultWeight = 50

// instance is one running copy of a service on one node.
type instance struct {
	Service string
	Node    string // Serf node name, also the Nerve instance_id
	Host    string
	Port    int
	Latency time.Duration
	ErrRate float64
}

// addr is "host:port".
func (in *instance) addr() string { return net.JoinHostPort(in.Host, strconv.Itoa(in.Port)) }

// key identifies the instance within the demo: "service@node".
func (in *instance) key() string { return in.Service + "@" + in.Node }

// serverName is the HAProxy server name Synapse gives the instance: the Serf
// node name or the Nerve instance_id, then "_host:port".
func (in *instance) serverName() string { return in.Node + "_" + in.addr() }

// serfTag is the Nerve-Serf tag key for the instance: smart:<service>. The
// layout puts at most one instance of a service on a node, so the bare form
// is unique per member and groups all instances under one service key
// (Synapse's watcher also takes smart:<service>_<port>, the other form).
func (in *instance) serfTag() string { return "smart:" + in.Service }

// layout assigns every instance of every service to a node and a port, taken
// in order from ports. Instances of one service land on distinct nodes, so
// node name + service is unique. It is pure so the topology can be tested.
func layout(specs []serviceSpec, nodes []string, ports []int) []*instance {
	var out []*instance
	p := 0
	for si, s := range specs {
		for j := 0; j < s.Instances; j++ {
			lat := s.Latency
			if s.Name == "svc_search" && j == s.Instances-1 {
				lat = 3 * s.Latency // one slow replica, as in real fleets
			}
			out = append(out, &instance{
				Service: s.Name,
				Node:    nodes[(si+j)%len(nodes)],
				Host:    "127.0.0.1",
				Port:    ports[p],
				Latency: lat,
				ErrRate: s.ErrorRate,
			})
			p++
		}
	}
	return out
}

// instanceCount is how many instances demoServices describes.
func instanceCount(specs []serviceSpec) int {
	n := 0
	for _, s := range specs {
		n += s.Instances
	}
	return n
}
