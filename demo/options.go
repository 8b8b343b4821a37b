package demo

import (
	"log/slog"
	"time"
)

// Options configures Start. The zero value runs the full Serf demo with
// HAProxy from PATH in a fresh temp dir.
type Options struct {
	// Dir is the directory the demo lives in; "" makes a temp dir. It must
	// be new or empty: Close removes it with everything in it.
	Dir string
	// ZK is a ZooKeeper "host:port": register the instances there the Nerve
	// way (under ZKPath) instead of running a Serf cluster.
	ZK string
	// HAProxyBin is the haproxy binary; "" looks "haproxy" up in PATH (and
	// /usr/sbin, /usr/local/sbin, where Debian puts it outside root's PATH).
	HAProxyBin string
	// Logger receives the demo's logs (Serf, ZooKeeper, HAProxy reloads);
	// nil discards them.
	Logger *slog.Logger
	// Seed makes the chaos and the load replay the same story.
	Seed int64

	// ChaosEvery is the shortest time between two troubles (the next one
	// comes between ChaosEvery and twice that); 0 means 15s, negative
	// turns chaos off.
	ChaosEvery time.Duration
	// ChaosFor is how long a trouble lasts, give or take a quarter; 0 means 20s.
	ChaosFor time.Duration
	// LoadRate is the load generator's requests per second through HAProxy;
	// 0 means 30, negative turns the load off.
	LoadRate int
	// NerveInterval is how often the demo's Nerve checks each instance; 0
	// means 500ms.
	NerveInterval time.Duration
}

// withDefaults fills the zero values.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ChaosEvery == 0 {
		o.ChaosEvery = 15 * time.Second
	}
	if o.ChaosFor <= 0 {
		o.ChaosFor = 20 * time.Second
	}
	if o.LoadRate == 0 {
		o.LoadRate = 30
	}
	if o.NerveInterval <= 0 {
		o.NerveInterval = 500 * time.Millisecond
	}
	return o
}

// ZKPath is where the demo registers in ZooKeeper, as Nerve's examples do.
const ZKPath = "/nerve/services"
