// Package fleet reads the HAProxy of many SmartStack client hosts at once,
// read-only always: every host runs its own Synapse and HAProxy, and during
// an incident the question is often which hosts still route to a dead
// instance or do not know a new one.
//
// Hosts come from a list (ParseHosts) or from the registry (Discover: every
// host that registers anything runs Synapse too, in the usual setup). Each
// is reached through an endpoint built from a Template: the stats page's CSV
// over HTTP ("http://{host}:3212/;csv", the `listen stats` section Synapse
// configs commonly carry) or a TCP stats socket ("tcp://{host}:9999"),
// opened through haproxy/client at `user` level. Nothing here can write: the
// HTTP stats page is fetched with GET (its admin forms are never posted) and
// a socket session is lowered to `user` before its first read.
//
// The Poller polls every host on its own schedule with bounded concurrency
// and a per-host timeout, so the cost of a poll round stays flat: a slow or
// dead host is a row with its error and age, never a stall of the others.
// A snapshot is published when a round is done, every quarter refresh
// while one is slow, and at the next tick whatever is still running.
// Hosts that time out are retried less often (up to MaxBackoff), so a few
// black-holed hosts cannot fill the worker pool; refused connections cost
// nothing and are retried at every refresh.
//
// For each host and backend, the Poller notes when the backend's server set
// (names, addresses, and which are in MAINT: what Synapse changes, by reload
// or over the socket) last changed, so that package state can tell a host
// whose Synapse is stuck from one that merely has not polled yet.
package fleet
