// Package bench holds the whole-program benchmark harness: stacktui and
// Debian's hatop side by side against a real HAProxy, and stacktui against
// ZooKeeper's own floors. The harness is test code behind the "bench" build
// tag (only tests may import internal/testenv); run it with bench/run.sh or
// `make bench`. Results go to BENCHMARKS.md at the repository root.
package bench
