package hapoll

import (
	"context"
	"errors"
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
	proxySigs map[string]proxySig // by proxy key, from the last read

	publishPreview func(*haproxy.Snapshot) // hands a preview to the Poller
	watch          func() []string         // the backends to re-read at every poll (Poller.Watch)
}

func (s *socket) close() {
	if s.conn != nil {
		s.conn.Close()
	}
}

// poll reads the socket once and returns the snapshot to publish.
func (s *socket) poll(ctx context.Context) *haproxy.Snapshot {
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
	return snap
}

func (s *socket) read(ctx context.Context) error {
	if s.conn == nil {
		c, err := client.Dial(ctx, s.opts)
		if err != nil {
			return err
		}
		s.conn = c
		s.pid = 0 // a new session: read everything
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
		c, err := client.Dial(ctx, s.opts)
		if err != nil {
			return err
		}
		s.conn, s.pid = c, 0
		if info, err = s.conn.ShowInfo(ctx); err != nil {
			return err
		}
	}
	full := s.stats == nil || info.PID != s.pid || s.polls+1 >= s.strategy.fullEvery(len(s.stats.Rows)) ||
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
	s.proxySigs = proxySigs(st.Rows)
	s.polls = 0
	s.cnt.full.Add(1)
	return nil
}

// preview publishes a first view of a large HAProxy before the first full
// read of a session (Strategy.PreviewServers): at 50,000 servers `show
// servers state` and the proxy rows cost HAProxy a third of what `show stat`
// does. It gives up quietly on any error: the full read that follows
// reports it.
func (s *socket) preview(ctx context.Context, info *haproxy.Info) {
	if s.strategy.PreviewServers <= 0 || s.publishPreview == nil {
		return
	}
	servers, err := s.conn.ShowServersState(ctx, "")
	if err != nil || len(servers) < s.strategy.PreviewServers {
		return // too few to be worth it, or not allowed at this level
	}
	proxies, err := s.conn.ShowStatFilter(ctx, -1, client.StatFrontends|client.StatBackends)
	if err != nil {
		return
	}
	lvl, err := s.conn.Level(ctx)
	if err != nil {
		return
	}
	now := time.Now()
	s.publishPreview(&haproxy.Snapshot{Label: s.opts.Label, Address: s.opts.Address, At: now, Level: lvl,
		Info: info, Stats: haproxy.PreviewStats(proxies, servers), Preview: true, LastGood: now})
	s.cnt.preview.Add(1)
}

// maxWatched bounds the backends re-read per poll for Poller.Watch: a
// screen shows a few backends at a time.
const maxWatched = 4

// watchedIIDs resolves the watched backend names to proxy ids with the
// proxy signatures of this poll; unknown names are skipped.
func (s *socket) watchedIIDs(sigs map[string]proxySig) []int {
	if s.watch == nil {
		return nil
	}
	var ids []int
	for _, name := range s.watch() {
		if sig, ok := sigs[name+"/BACKEND"]; ok && !slices.Contains(ids, sig.iid) {
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
	sigs := proxySigs(agg.Rows)
	changed, err := changedBackends(s.proxySigs, sigs, s.strategy.MaxPartial)
	if errors.Is(err, errFull) {
		return true, nil
	}
	s.polls++
	watched := s.watchedIIDs(sigs)
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
	rows, ok := merge(s.stats.Rows, agg.Rows, fresh)
	if !ok {
		return true, nil // servers were added or removed: read everything
	}
	s.stats = &haproxy.Stats{Fields: s.stats.Fields, Rows: rows}
	s.aggs, s.watched = nil, nil
	s.proxySigs = sigs
	s.cnt.partial.Add(1)
	return false, nil
}
