// Package demo owns the embedded SmartStack sandbox behind `stacktui demo`: an
// in-process Serf cluster (or Nerve-style registrations in a given ZooKeeper),
// Go HTTP services with their own latencies and error rates, a real HAProxy
// from PATH configured the Synapse way, a small synapse loop that applies
// registry changes through HAProxy's admin socket, a load generator and a
// chaos loop that makes the views change by themselves.
//
// Start brings it all up on loopback; Demo.Close stops everything it started
// and removes its temporary directory.
package demo
