package hapoll

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
)

// socket is the polling state of one stats socket, owned by its goroutine.
type socket struct {
	opts     client.Options
	strategy Strategy
	cnt      *counters

	conn      *client.Conn
	level     haproxy.Level
	pid       int
	polls     int // since the last full read
	info      *haproxy.Info
	stats     *haproxy.Stats
	aggs      []haproxy.Row // the last light poll's proxy rows, newer than stats'
	watched   []haproxy.Row // the last light poll's servers of the watched backends
	lastGood  time.Time
	proxySigs map[proxyKey]proxySig // from the last read of the servers

	publishPreview func(*haproxy.Snapshot) // hands a preview to the Poller
	watch          func() []string         // the backends to re-read at every poll (Poller.Watch)

	keepRaw func() bool // Poller.KeepRaw's setting
	raw     rawState    // the replies behind stats, while keeping them
}

// rawState is what a socket keeps of the raw replies while a recorder asks
// for them (Poller.KeepRaw): the replies Stats was built from since the
// last full read, and this poll's replies by command line.
type rawState struct {
	on           bool
	stat         string
	seq          uint64
	mergeProxies string
	merge        map[int]string
	poll         string // what the current poll read: haproxy.PollFull, ...
	iids         []int  // the backends whose servers it re-read, in order
	replies      map[string]string
}

// read notes what this poll read, while keeping replies.
func (r *rawState) read(poll string, iids []int) {
	if r.on {
		r.poll, r.iids = poll, append(r.iids, iids...)
	}
}

// setRaw turns keeping raw replies on or off at the start of a poll.
func (s *socket) setRaw(on bool) {
	if on == s.raw.on {
		if on {
			clear(s.raw.replies)
			s.raw.poll, s.raw.iids = "", s.raw.iids[:0]
		}
		return
	}
	s.raw = rawState{on: on}
	if on {
		s.raw.replies = map[string]string{}
	}
	if s.conn != nil {
		s.conn.SetRawHook(s.rawHook())
	}
}

// rawHook is the client hook that collects this poll's replies, or nil.
func (s *socket) rawHook() client.RawHook {
	if !s.raw.on {
		return nil
	}
	return func(cmd, reply string) { s.raw.replies[cmd] = reply }
}

// dial opens the session, with the raw hook when replies are kept.
func (s *socket) dial(ctx context.Context) error {
	c, err := client.Dial(ctx, s.opts)
	if err != nil {
		return err
	}
	c.SetRawHook(s.rawHook())
	s.conn, s.pid = c, 0 // a new session: read everything
	return nil
}

func serversCmd(iid int) string { return fmt.Sprintf("show stat %d %d -1", iid, client.StatServers) }

const proxiesCmd = "show stat -1 3 -1"

// rawReplies records what a successful poll read and returns the
// snapshot's Raw: cumulative since the last full read (see
// haproxy.RawReplies).
func (s *socket) rawReplies() *haproxy.RawReplies {
	r := &s.raw
	switch r.poll {
	case haproxy.PollFull:
		r.stat, r.mergeProxies, r.merge = r.replies["show stat"], "", nil
		r.seq++
	case haproxy.PollPartial:
		r.mergeProxies = r.replies[proxiesCmd]
		m := make(map[int]string, len(r.merge)+len(r.iids)) // published maps are never modified
		for iid, rep := range r.merge {
			m[iid] = rep
		}
		for _, iid := range r.iids {
			m[iid] = r.replies[serversCmd(iid)]
		}
		r.merge = m
	}
	out := &haproxy.RawReplies{Poll: r.poll, Info: r.replies["show info"], Stat: r.stat, StatSeq: r.seq,
		MergeProxies: r.mergeProxies, MergeServers: r.merge}
	if r.poll == haproxy.PollLight {
		out.LightProxies = r.replies[proxiesCmd]
		for _, iid := range r.iids {
			out.LightWatched = append(out.LightWatched, haproxy.IIDReply{IID: iid, Reply: r.replies[serversCmd(iid)]})
		}
	}
	return out
}

func (s *socket) close() {
	if s.conn != nil {
		s.conn.Close()
	}
}

// poll reads the socket once and returns the snapshot to publish.
func (s *socket) poll(ctx context.Context) *haproxy.Snapshot {
	s.setRaw(s.keepRaw != nil && s.keepRaw())
	err := s.read(ctx)
	now := time.Now()
	snap := &haproxy.Snapshot{Label: s.opts.Label, Address: s.opts.Address, At: now,
		Level: s.level, Info: s.info, Stats: s.stats, Aggregates: s.aggs, Watched: s.watched, Err: err, LastGood: s.lastGood}
	if err != nil {
		if ctx.Err() == nil { // not our own shutdown
			s.cnt.errors.Add(1)
		}
		return snap
	}
	s.lastGood = now
	snap.LastGood = now
	if s.raw.on {
		snap.Raw = s.rawReplies()
	}
	return snap
}

func (s *socket) read(ctx context.Context) error {
	if s.conn == nil {
		if err := s.dial(ctx); err != nil {
			return err
		}
	}
	info, err := s.conn.ShowInfo(ctx)
	if err != nil {
		return err
	}
	if info.Stopping {
		// After a reload (-sf) the old process keeps serving the sessions it
		// already has, with stats that no longer move, until its last
		// connection ends — ours would keep it alive for ever without
		// hard-stop-after. The socket path belongs to the new process: dial again.
		s.conn.Close()
		s.conn = nil
		if err := s.dial(ctx); err != nil {
			return err
		}
		if info, err = s.conn.ShowInfo(ctx); err != nil {
			return err
		}
	}
	// A recorder needs a full read as the base of what it records.
	full := s.stats == nil || info.PID != s.pid || (s.raw.on && s.raw.stat == "") || s.polls+1 >= s.strategy.fullEvery(len(s.stats.Rows)) ||
		len(s.stats.Rows) <= s.strategy.SmallRows
	if !full {
		full, err = s.readChanged(ctx)
		if err != nil {
			return err
		}
	}
	if full {
		if s.stats == nil || info.PID != s.pid {
			s.preview(ctx, info)
		}
		if err := s.readFull(ctx); err != nil {
			return err
		}
	}
	s.info = info
	s.pid = info.PID
	return nil
}

func (s *socket) readFull(ctx context.Context) error {
	st, err := s.conn.ShowStat(ctx)
	if err != nil {
		return err
	}
	lvl, err := s.conn.Level(ctx)
	if err != nil {
		return err
	}
	s.stats, s.level, s.aggs, s.watched = st, lvl, nil, nil
	s.raw.read(haproxy.PollFull, nil)
	s.proxySigs = proxySigs(st.Rows)
	s.polls = 0
	s.cnt.full.Add(1)
	return nil
}

// preview publishes a first view of a large HAProxy before the first full
// read of a session (Strategy.PreviewServers): at 50,000 servers `show
// servers state` and the proxy rows cost HAProxy a third of what `show stat`
// does. The proxy rows come first, so that the servers' rows are made
// while HAProxy still writes them (haproxy.PreviewBuilder). It gives up
// quietly on any error: the full read that follows reports it.
func (s *socket) preview(ctx context.Context, info *haproxy.Info) {
	if s.strategy.PreviewServers <= 0 || s.publishPreview == nil {
		return
	}
	proxies, err := s.conn.ShowStatFilter(ctx, -1, client.StatFrontends|client.StatBackends)
	if err != nil {
		return
	}
	b := haproxy.NewPreviewBuilder(proxies)
	n, err := s.conn.ShowServersStateEach(ctx, "", b.Add)
	if err != nil || n < s.strategy.PreviewServers {
		return // too few to be worth it, or not allowed at this level
	}
	lvl, err := s.conn.Level(ctx)
	if err != nil {
		return
	}
	now := time.Now()
	snap := &haproxy.Snapshot{Label: s.opts.Label, Address: s.opts.Address, At: now, Level: lvl,
		Info: info, Stats: b.Stats(), Preview: true, LastGood: now}
	s.conn.HintStatRows(len(snap.Stats.Rows)) // the full read that follows has as many
	if s.raw.on {
		snap.Raw = &haproxy.RawReplies{Poll: haproxy.PollPreview, Info: s.raw.replies["show info"],
			ServersState: s.raw.replies["show servers state"], PreviewProxies: s.raw.replies[proxiesCmd]}
	}
	s.publishPreview(snap)
	s.cnt.preview.Add(1)
}

// maxWatched bounds the backends re-read per poll for Poller.Watch: a
// screen shows a few backends at a time.
const maxWatched = 4

// watchedIIDs resolves the watched backend names to proxy ids with the
// proxy signatures (their ids are this poll's: changedBackends checked);
// unknown names are skipped.
func (s *socket) watchedIIDs(sigs map[proxyKey]proxySig) []int {
	if s.watch == nil {
		return nil
	}
	var ids []int
	for _, name := range s.watch() {
		if sig, ok := sigs[proxyKey{name, "BACKEND"}]; ok && !slices.Contains(ids, sig.iid) {
			ids = append(ids, sig.iid)
			if len(ids) == maxWatched {
				break
			}
		}
	}
	return ids
}

// errFull asks for a full read instead of a partial one.
var errFull = errors.New("full read needed")

// readChanged reads the proxy rows and re-reads the servers of backends
// whose row changed. It reports whether a full read is needed instead.
func (s *socket) readChanged(ctx context.Context) (bool, error) {
	agg, err := s.conn.ShowStatFilter(ctx, -1, client.StatFrontends|client.StatBackends)
	if err != nil {
		return false, err
	}
	changed, err := changedBackends(s.proxySigs, agg.Rows, s.strategy.MaxPartial)
	if errors.Is(err, errFull) {
		return true, nil
	}
	s.polls++
	watched := s.watchedIIDs(s.proxySigs)
	if len(changed) == 0 {
		// No server changed state: keep the server rows, but pass the
		// proxy rows on, so traffic figures move at every refresh, and the
		// watched backends' servers, so the rows on screen do too.
		var rows []haproxy.Row
		for _, iid := range watched {
			st, err := s.conn.ShowStatFilter(ctx, iid, client.StatServers)
			if err != nil {
				return false, err
			}
			rows = append(rows, st.Rows...)
		}
		s.aggs, s.watched = agg.Rows, rows
		s.raw.read(haproxy.PollLight, watched)
		s.cnt.light.Add(1)
		return false, nil
	}
	for _, iid := range watched { // re-read with the changed ones, merged into the rows
		if !slices.Contains(changed, iid) {
			changed = append(changed, iid)
		}
	}
	fresh := map[int][]haproxy.Row{}
	for _, iid := range changed {
		st, err := s.conn.ShowStatFilter(ctx, iid, client.StatServers)
		if err != nil {
			return false, err
		}
		fresh[iid] = st.Rows
	}
	rows, ok := haproxy.MergeServers(s.stats.Rows, agg.Rows, fresh)
	if !ok {
		return true, nil // servers were added or removed: read everything
	}
	s.stats = &haproxy.Stats{Fields: s.stats.Fields, Rows: rows}
	s.aggs, s.watched = nil, nil
	s.raw.read(haproxy.PollPartial, changed)
	s.proxySigs = proxySigs(agg.Rows)
	s.cnt.partial.Add(1)
	return false, nil
}
