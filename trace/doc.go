// Package trace reads and writes SmartStack traces (docs/trace-format.md):
// JSON Lines, optionally gzip-compressed, holding what a host's registry
// (ZooKeeper znodes or Serf members) and HAProxy stats sockets looked like
// over time, with notes of what was done to them.
//
// Reader turns a trace into typed lines and reports every problem with its
// line number; Writer writes one. Player turns lines into the values the
// live sources publish (sources.Snapshot, haproxy.Snapshot), decoded by the
// same code the live sources use, so a replay runs the console's logic on
// exactly what it would have seen. Recorder is the other direction: it is
// fed what the live sources publish and writes the lines the recording
// rules call for.
//
// The package imports the sources and haproxy packages, never the live
// pipeline or the UI.
package trace
