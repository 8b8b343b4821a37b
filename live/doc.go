// Package live is the one pipeline between the sources and every consumer.
//
// It takes what the sources produce — registry snapshots with their
// connection state, and each HAProxy socket's snapshots whatever the
// poller read (a preview, proxy rows only, the watched backends, a full
// `show stat`) — or what a replayed trace feeds it, and owns, once:
//
//   - merging each socket's reads into one consistent set of rows, and
//     saying what changed as a value (Change), never by pointer identity;
//   - when to join (at once for registry changes and after a key, paced for
//     large polls, so joins take at most a tenth of a core) and the
//     per-instance history (state.History);
//   - deriving every event once, in state's one vocabulary (registry,
//     HAProxy state, weight and check, connections lost, regained and
//     reloaded, Serf members, notes), with state's pure functions;
//   - publishing frames — the joined view, the new events, every source's
//     health and age — to any number of subscribers without ever blocking
//     on a slow one and without losing an event.
//
// The TUI, watch, snapshot, check and record all read frames; none keeps a
// copy of these rules (record taps the inputs, Options.Tap). The pure logic
// stays in state (join, diff, diagnose, events); this package only
// orchestrates it. Package live/replay feeds a recorded trace through the
// same Engine.
package live
