// Package hapoll polls one or more HAProxy stats sockets and publishes a
// haproxy.Snapshot per socket. Each socket has its own goroutine and its
// own client.Conn, so a dead or slow socket never delays the others, and
// publishing never blocks a poller: a slow reader gets the latest snapshot
// of each socket (older ones are coalesced away).
//
// # Polling strategy
//
// A full `show stat` costs HAProxy about 6 us of CPU per server (0.3 s at
// 50,000 servers); hatop pays that every 3 s. To refresh every second at
// that scale for no more HAProxy CPU than hatop, each poll of one socket is:
//
//  1. `show info` (constant cost): uptime, rates, and the pid, whose change
//     means a reload and so a full `show stat`.
//  2. When the last `show stat` had at most Strategy.SmallRows rows, a full
//     `show stat`: at that size it is cheap and always exact.
//  3. Otherwise, every Strategy.FullEvery polls, a full `show stat` (all
//     server counters and check details); above Strategy.FullRows rows the
//     interval grows in proportion (51 polls at 51,000 rows), so that full
//     reads cost no more per second than at FullRows.
//  4. Between full reads, `show stat -1 3 -1`: only the frontend and backend
//     rows, whose cost is per proxy, not per server. A backend row changes
//     whenever one of its servers changes state: its status, active/backup
//     counts (act, bck; a drained or down server is not active), effective
//     and user weights and check-down count. For each backend whose row
//     changed, `show stat <iid> 4 -1` fetches just that backend's servers
//     and they replace the old rows; when more than Strategy.MaxPartial
//     backends changed at once, or the set of proxies changed, a full
//     `show stat` is read instead.
//     When no backend changed, the server rows are kept and the new frontend
//     and backend rows go out as Snapshot.Aggregates, so service traffic
//     (sessions, request and 5xx rates) moves at every refresh.
//  5. The backends named by Poller.Watch (the UI passes those with servers
//     on screen; at most 4) have their servers re-read at every such poll
//     and sent as Snapshot.Watched, so what someone is looking at is never
//     older than one refresh, however far apart full reads are.
//
// # First screen
//
// The first full `show stat` of a session (a new connection, or a reload)
// takes HAProxy about 0.3 s at 50,000 servers. From Strategy.PreviewServers
// servers on, the poller first reads `show servers state` and the proxy
// rows (about 0.1 s together) and publishes a preview
// (haproxy.PreviewStats, Snapshot.Preview): every server with its state,
// weight and check result, and every service's traffic, but no per-server
// counters; the full read follows and replaces it. It follows once the
// consumer says the preview is joined, with the registry's first reading
// when there is one (Poller.Joined; at most Strategy.PreviewHold later), so
// that on a small host neither shares the CPU with HAProxy writing `show
// stat` and with our parsing of it: the registry's view comes first, the
// per-server counters after it. A preview does
// not know the "x/y" of settling checks, an inherited MAINT's "via", or an
// agent's DOWN (it says DOWN), so consumers compare previews by kind of
// state only (state.Diff) and record no history from them.
//
// So a drain, maint, weight change or a server going down or up is visible
// at the next poll (one refresh, or at once after Refresh), and so is every
// frontend's and backend's traffic and every watched server, while
// per-server counters and transitional check states ("UP 1/2") of other
// servers in unchanged backends are at most FullEvery polls old (51 at
// 51,000 rows). Measured against a real HAProxy 2.6 with 50,000 servers
// (500 frontends and backends) and no checks (BENCHMARKS.md at the
// repository root): at a 1 s refresh this costs HAProxy about 2% of a core
// (1.2-1.4 s a minute, most of it the proxy rows: `show stat -1 3 -1` takes
// it 15 ms), against 7-10% for hatop's full `show stat` every 3 s and
// about 25% at hatop -i 1.
package hapoll
