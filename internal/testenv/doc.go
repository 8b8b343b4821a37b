// Package testenv starts REAL ZooKeeper, HAProxy and Serf processes and small
// Go HTTP backends on free loopback ports, for tests only.
//
// Every starter has two forms: one taking a testing.TB that registers its own
// cleanup (t.Cleanup, so processes die even when a test panics), and a
// Start* form returning an error plus a Stop method, for sharing one
// component across a package from TestMain. Component logs go to files in
// the component's temp dir, never to test output; a failed start includes
// the log tail in its error.
//
// A missing binary skips the test, or fails it when CI=true (see Need).
package testenv
