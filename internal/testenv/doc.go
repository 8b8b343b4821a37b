// Package testenv starts REAL ZooKeeper, HAProxy and Serf processes and small
// Go HTTP backends on free loopback ports, for tests only.
//
//   - ZooKeeper / StartZooKeeper: Debian's ZooKeeper 3.8 standalone, tiny
//     ticks; (*ZK).Nerve registers exactly like airbnb/nerve and can Expire
//     its session on demand.
//   - HAProxy / StartHAProxy: a config in Synapse's layout, admin stats
//     sockets (unix, optional TCP), Reload like Synapse's reload command.
//   - Serf / SerfWith / StartSerf: serf agents with tags, joins, a config dir
//     for Nerve's tag files, optional RPC key.
//   - Backend / StartBackend: an HTTP service with a switchable /health.
//
// Every starter has two forms: one taking a testing.TB that registers its own
// cleanup (t.Cleanup, so processes die even when a test panics), and a
// Start* form returning an error plus a Stop method, for sharing one
// component across a package from TestMain. Children are started with
// Pdeathsig, so they die with a killed test binary; the temp dirs such a
// binary leaves are swept by the next run. Component logs go to files in
// the component's temp dir, never to test output; a failed start includes
// the log tail in its error, and TESTENV_KEEP=1 keeps the dirs.
//
// A missing binary skips the test, or fails it when CI=true (see Need).
package testenv
