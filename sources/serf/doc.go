// Package serf is the Serf flavour of the SmartStack registry: it reads the
// members of a Serf cluster and their tags over the agent's RPC
// (github.com/hashicorp/serf/client), follows the agent's event stream live,
// and derives service registrations from the `smart:<svc>` tags that Nerve's
// Serf reporter writes (smartstack.md section 4).
//
// Connection trouble is data, not an error: the source never blocks its
// caller, reconnects with backoff by itself, resynchronises the member list
// on every reconnect, and meanwhile keeps publishing the last snapshot marked
// stale. It only reads: nothing here changes tags or sends events.
//
// The serf client library logs decode failures with the standard "log"
// package when an agent goes away; a TUI must point log's output at its log
// file, not at the terminal.
package serf
