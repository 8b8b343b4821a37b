package trace

import (
	"bytes"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/zookeeper"
)

// reorderWindow is how long a sample waits before it is written, so that
// samples of different sources that reach the recorder a little out of
// order are written in the order they were taken.
const reorderWindow = 250 * time.Millisecond

// DefaultHeartbeat is how often a recorder writes each kind (each socket)
// even when nothing changed, so a reader can tell "nothing changed" from
// "the recorder stopped".
const DefaultHeartbeat = 10 * time.Second

// RecorderOptions tune a Recorder.
type RecorderOptions struct {
	// Heartbeat is DefaultHeartbeat when zero.
	Heartbeat time.Duration
	// ZKPath is the header's zk_path: services whose registrations are
	// under <ZKPath>/<service>/services need no "path" in the trace.
	ZKPath string
}

// RecorderStats count what a Recorder did.
type RecorderStats struct {
	Lines   map[Kind]int64 // lines written, by kind
	Skipped int64          // samples not written: unchanged since the last line of their kind
	// NoRaw counts HAProxy snapshots without raw replies, which cannot be
	// recorded: the poller was not asked to keep them (hapoll's KeepRaw).
	NoRaw int64
	Bytes int64 // uncompressed bytes written, the header included
	// Late counts samples that reached the recorder after a later one had
	// been written (more than a quarter second late): they are written at
	// that later time, as lines never go back in time.
	Late int64
}

// Recorder writes what the live sources publish as trace lines, by the
// recording rules: a line when a kind's content (a socket's, for HAProxy)
// changed since its last line, and each at least every heartbeat. Its
// methods never block and never fail: the work happens on the recorder's
// own goroutine, so recording a 50,000-server HAProxy never holds up the
// console; a write error stops the recording and is kept for Err and
// Close. Samples that pile up while it writes are coalesced per kind and
// socket (a registry snapshot is the whole registry; HAProxy raw replies
// are cumulative, see haproxy.RawReplies); notes are always kept.
type Recorder struct {
	w      *Writer
	hb     time.Duration
	zkPath string

	mu      sync.Mutex
	queue   []recItem
	err     error
	closing bool
	stats   RecorderStats
	wake    chan struct{}
	done    chan struct{}

	// Owned by the run goroutine.
	last  time.Time // the last line's time: lines never go back
	reg   recLine   // the last registry line
	socks map[string]*recSock
}

type recItem struct {
	reg  *sources.Snapshot
	hap  *haproxy.Snapshot
	note *Note
	at   time.Time
}

// recLine is the last line of one kind (or socket): its content without
// its time, and when it was written.
type recLine struct {
	kind    Kind
	content []byte // the line's JSON with an empty "t"
	at      time.Time
}

// recSock is what the recorder has written of one socket: the replies a
// player holds, so later lines carry only what changed.
type recSock struct {
	recLine
	key          hapKey
	base         bool   // a full `show stat` was written since the last preview
	seq          uint64 // the RawReplies.StatSeq of that full read
	mergeProxies string
	merged       map[int]string
}

// NewRecorder records to w, which it closes on Close. The header is
// already written (Create or NewWriter).
func NewRecorder(w *Writer, o RecorderOptions) *Recorder {
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
	if o.ZKPath == "" {
		o.ZKPath = zookeeper.DefaultRoot
	}
	r := &Recorder{w: w, hb: o.Heartbeat, zkPath: o.ZKPath, wake: make(chan struct{}, 1), done: make(chan struct{}),
		socks: map[string]*recSock{}, last: w.last}
	r.stats.Lines = map[Kind]int64{}
	go r.run()
	return r
}

// Registry records a registry snapshot (ZooKeeper or Serf).
func (r *Recorder) Registry(s sources.Snapshot) {
	r.push(recItem{reg: &s, at: s.At})
}

// HAProxy records one socket's snapshot. It must carry its raw replies
// (hapoll's Poller.KeepRaw(true)); one without them is counted in
// RecorderStats.NoRaw, not written.
func (r *Recorder) HAProxy(s *haproxy.Snapshot) {
	if s == nil {
		return
	}
	r.push(recItem{hap: s, at: s.At})
}

// Note records what was done at instant at: ground truth, never input to a
// diagnosis.
func (r *Recorder) Note(at time.Time, text string) {
	r.push(recItem{note: &Note{Text: text}, at: at})
}

// maxQueue bounds the samples waiting to be written; past it, samples a
// newer one of the same kind (and socket) supersedes are dropped.
const maxQueue = 256

// coalesce keeps, of each kind and socket, the newest sample, and every note.
func coalesce(q []recItem) []recItem {
	newest := map[string]int{}
	key := func(it recItem) string {
		switch {
		case it.reg != nil:
			return "\x00registry"
		case it.hap != nil:
			return it.hap.Label
		}
		return ""
	}
	for i, it := range q {
		if k := key(it); k != "" {
			newest[k] = i
		}
	}
	out := q[:0]
	for i, it := range q {
		if k := key(it); k == "" || newest[k] == i {
			out = append(out, it)
		}
	}
	return out
}

// push queues it.
func (r *Recorder) push(it recItem) {
	r.mu.Lock()
	if r.closing || r.err != nil {
		r.mu.Unlock()
		return
	}
	r.queue = append(r.queue, it)
	if len(r.queue) > maxQueue {
		r.queue = coalesce(r.queue)
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Err returns the error that stopped the recording, or nil.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Stats returns what was recorded so far.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Lines = make(map[Kind]int64, len(r.stats.Lines))
	for k, v := range r.stats.Lines {
		s.Lines[k] = v
	}
	return s
}

// Close writes what is queued, then closes the Writer. It returns the
// first error of the recording.
func (r *Recorder) Close() error {
	r.mu.Lock()
	first := !r.closing
	r.closing = true
	r.mu.Unlock()
	if first {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	<-r.done
	return r.Err()
}

func (r *Recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(min(r.hb/4, reorderWindow/2))
	defer tick.Stop()
	flushed := int64(-1) // the header goes out at once
	for {
		select {
		case <-r.wake:
		case <-tick.C:
		}
		now := time.Now()
		for _, it := range r.take(now) {
			r.record(it)
		}
		r.heartbeat(now.Add(-reorderWindow)) // everything before that is written
		r.mu.Lock()
		closing := r.closing
		r.mu.Unlock()
		if closing {
			for _, it := range r.take(time.Time{}) {
				r.record(it)
			}
		}
		if r.w.n != flushed { // what was written reaches the file within a poll or two
			flushed = r.w.n
			if err := r.w.Flush(); err != nil {
				r.fail(err)
			}
		}
		if closing {
			if err := r.w.Close(); err != nil {
				r.fail(err)
			}
			r.mu.Lock()
			r.stats.Bytes = r.w.n
			r.mu.Unlock()
			return
		}
	}
}

// take removes and returns, in time order, the queued samples taken at
// least reorderWindow before now (all of them when now is zero).
func (r *Recorder) take(now time.Time) []recItem {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out, keep []recItem
	for _, it := range r.queue {
		if now.IsZero() || now.Sub(it.at) >= reorderWindow {
			out = append(out, it)
		} else {
			keep = append(keep, it)
		}
	}
	r.queue = keep
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
		r.queue = nil
	}
}

// record writes the line for one sample when the rules call for it.
func (r *Recorder) record(it recItem) {
	if r.Err() != nil {
		return
	}
	switch {
	case it.note != nil:
		r.emit(it.at, &lineWire{Kind: KindNote, Text: &it.note.Text}, nil)
	case it.reg != nil:
		lw := r.registryLine(it.reg)
		content, err := marshal(lw)
		if err != nil {
			r.fail(err)
			return
		}
		if r.reg.content != nil && bytes.Equal(content, r.reg.content) && it.at.Sub(r.reg.at) < r.hb {
			r.skip()
			return
		}
		r.reg = recLine{kind: lw.Kind, content: content}
		r.emit(it.at, nil, &r.reg)
	case it.hap != nil:
		r.recordHAProxy(it.hap)
	}
}

func (r *Recorder) skip() {
	r.mu.Lock()
	r.stats.Skipped++
	r.mu.Unlock()
}

// emit writes lw (or, with content, a line already encoded without its
// time) at max(at, the last line's time): samples from different sources
// may reach the recorder a few milliseconds out of order.
func (r *Recorder) emit(at time.Time, lw *lineWire, rl *recLine) {
	if at.Before(r.last) {
		at = r.last
		r.mu.Lock()
		r.stats.Late++
		r.mu.Unlock()
	}
	var err error
	var kind Kind
	if rl != nil {
		kind = rl.kind
		rl.at = at
		err = r.w.writeContent(at, rl.content)
	} else {
		kind = lw.Kind
		lw.T = formatTime(at)
		var b []byte
		if b, err = marshal(lw); err == nil {
			err = r.w.writeAt(at, b)
		}
	}
	if err != nil {
		r.fail(err)
		return
	}
	r.last = at
	r.mu.Lock()
	r.stats.Lines[kind]++
	r.stats.Bytes = r.w.n
	r.mu.Unlock()
}

// heartbeat writes again, at now, each kind's last line that is a
// heartbeat old: re-reading a line is a no-op for a player.
func (r *Recorder) heartbeat(now time.Time) {
	if r.Err() != nil {
		return
	}
	if r.reg.content != nil && now.Sub(r.reg.at) >= r.hb {
		r.emit(now, nil, &r.reg)
	}
	labels := make([]string, 0, len(r.socks))
	for l := range r.socks {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		if s := r.socks[l]; s.content != nil && now.Sub(s.at) >= r.hb {
			r.emit(now, nil, &s.recLine)
		}
	}
}

// registryLine is a registry snapshot's line without its time.
func (r *Recorder) registryLine(s *sources.Snapshot) *lineWire {
	kind := KindZK
	if s.Kind == sources.KindSerf {
		kind = KindSerf
	}
	lw := &lineWire{Kind: kind, State: StateConnected, Error: s.Err}
	if s.State != sources.StateConnected {
		lw.State, lw.SourceState = StateUnreachable, s.State
		if !s.LastGood.IsZero() {
			lw.LastGood = formatTime(s.LastGood)
		}
		return lw
	}
	if kind == KindSerf {
		lw.Members = make([]SerfMember, 0, len(s.Members))
		for _, m := range s.Members {
			lw.Members = append(lw.Members, SerfMember{Name: m.Name, Addr: m.Addr, Port: addrPort(m.Addr), Tags: m.Tags, Status: m.Status})
		}
		return lw
	}
	lw.Services = make(map[string]zkServiceWire, len(s.Services))
	lw.Nodes = []zkNodeWire{}
	for _, svc := range s.Services {
		sw := zkServiceWire{Error: svc.Err}
		if svc.Data != nil {
			sw.Data, sw.DataB64 = encodeData(svc.Data)
		}
		if svc.Path != joinZK(joinZK(r.zkPath, svc.Name), "services") {
			sw.Path = svc.Path
		}
		lw.Services[svc.Name] = sw
		for i := range svc.Registrations {
			lw.Nodes = append(lw.Nodes, nodeWire(&svc.Registrations[i]))
		}
	}
	return lw
}

// nodeWire records a registration as the znode it was decoded from.
func nodeWire(g *sources.Registration) zkNodeWire {
	n := zkNodeWire{Path: g.Path, EphemeralOwner: formatOwner(g.Owner), Version: g.Version}
	if !g.Ctime.IsZero() {
		n.Ctime = g.Ctime.UnixMilli()
	}
	if !g.Mtime.IsZero() {
		n.Mtime = g.Mtime.UnixMilli()
	}
	if why, ok := strings.CutPrefix(g.Malformed, zookeeper.UnreadablePrefix); ok && g.Raw == nil && g.DataLen == 0 {
		n.ReadError = why
		return n
	}
	n.Data, n.DataB64 = encodeData(g.Raw)
	return n
}

func addrPort(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// hapKey is what decides whether an HAProxy line changed: its replies,
// with `show info`'s per-second figures left out.
type hapKey struct {
	err, lastGood, poll, level     string
	info, stat                     string
	mergeProxies, mergeServers     string
	lightProxies, lightWatched     string
	serversState, previewProxies   string
	hasMerge, hasLight, hasPreview bool
}

func (r *Recorder) recordHAProxy(s *haproxy.Snapshot) {
	st := r.socks[s.Label]
	if st == nil {
		st = &recSock{recLine: recLine{kind: KindHAProxy}}
		r.socks[s.Label] = st
	}
	lw := &lineWire{Kind: KindHAProxy, Socket: s.Label, Level: string(s.Level)}
	next := *st
	switch raw := s.Raw; {
	case s.Err != nil:
		lw.Error = s.Err.Error()
		if !s.LastGood.IsZero() {
			// The last good poll may not have been written (only per-second
			// figures moved): without this a replay would date it to the
			// last line, up to a heartbeat earlier.
			lw.LastGood = formatTime(s.LastGood)
		}
	case raw == nil || (raw.Stat == "" && raw.Poll != haproxy.PollPreview):
		// Not kept (or, just turned on, no full read yet to build on).
		r.mu.Lock()
		r.stats.NoRaw++
		r.mu.Unlock()
		return
	case raw.Poll == haproxy.PollPreview:
		lw.Poll, lw.ShowInfo, lw.ShowServersState = raw.Poll, raw.Info, raw.ServersState
		lw.Preview = &HAProxyMerge{Proxies: raw.PreviewProxies}
	default:
		lw.Poll, lw.ShowInfo = raw.Poll, raw.Info
		if !next.base || raw.StatSeq != next.seq {
			lw.ShowStat = raw.Stat
			next.base, next.seq, next.mergeProxies, next.merged = true, raw.StatSeq, "", nil
		}
		if m := mergeDelta(&next, raw); m != nil {
			lw.Merge = m
		}
		if raw.Poll == haproxy.PollLight {
			lw.Light = &HAProxyLight{Proxies: raw.LightProxies}
			for _, w := range raw.LightWatched {
				lw.Light.Servers = append(lw.Light.Servers, IIDReply(w))
			}
		}
	}
	key := lineKey(lw)
	if st.content != nil && key == st.key && s.At.Sub(st.at) < r.hb {
		*st = next // the same line again: a player's state is the same either way
		st.key = key
		r.skip()
		return
	}
	content, err := marshal(lw)
	if err != nil {
		r.fail(err)
		return
	}
	if lw.Preview != nil {
		next.base = false // the player shows the preview; the next line carries a full read
	}
	next.content, next.key = content, key
	*st = next
	r.emit(s.At, nil, &st.recLine)
}

// mergeDelta is the partial read a player needs on top of what was
// written: the proxy rows of the last partial poll and the backends whose
// servers were re-read since, when they differ from the last written.
func mergeDelta(st *recSock, raw *haproxy.RawReplies) *HAProxyMerge {
	if raw.MergeProxies == "" {
		return nil
	}
	m := &HAProxyMerge{Proxies: raw.MergeProxies}
	iids := make([]int, 0, len(raw.MergeServers))
	for iid, rep := range raw.MergeServers {
		if st.merged[iid] != rep {
			iids = append(iids, iid)
		}
	}
	if len(iids) == 0 && raw.MergeProxies == st.mergeProxies {
		return nil
	}
	sort.Ints(iids)
	merged := make(map[int]string, len(st.merged)+len(iids))
	for iid, rep := range st.merged {
		merged[iid] = rep
	}
	for _, iid := range iids {
		m.Servers = append(m.Servers, IIDReply{IID: iid, Reply: raw.MergeServers[iid]})
		merged[iid] = raw.MergeServers[iid]
	}
	st.mergeProxies, st.merged = raw.MergeProxies, merged
	return m
}

func lineKey(lw *lineWire) hapKey {
	k := hapKey{err: lw.Error, lastGood: lw.LastGood, poll: lw.Poll, level: lw.Level, info: steadyInfo(lw.ShowInfo), stat: lw.ShowStat,
		serversState: lw.ShowServersState}
	if m := lw.Merge; m != nil {
		k.hasMerge, k.mergeProxies, k.mergeServers = true, m.Proxies, joinReplies(m.Servers)
	}
	if l := lw.Light; l != nil {
		k.hasLight, k.lightProxies, k.lightWatched = true, l.Proxies, joinReplies(l.Servers)
	}
	if p := lw.Preview; p != nil {
		k.hasPreview, k.previewProxies = true, p.Proxies
	}
	return k
}

func joinReplies(rs []IIDReply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(strconv.Itoa(int(r.IID)))
		b.WriteByte(0)
		b.WriteString(r.Reply)
		b.WriteByte(0)
	}
	return b.String()
}

// movingInfo are the `show info` fields that change every second without
// anything happening (the reference recorder's list): a change of only
// these is no reason for a line.
var movingInfo = map[string]bool{"Uptime": true, "Uptime_sec": true, "Idle_pct": true, "Run_queue": true,
	"Tasks": true, "CumConns": true, "CumReq": true, "ConnRate": true, "SessRate": true, "Memmax_MB": true,
	"PoolAlloc_MB": true, "PoolUsed_MB": true, "Memmax_bytes": true, "PoolAlloc_bytes": true,
	"PoolUsed_bytes": true, "TotalBytesOut": true, "BytesOutRate": true}

// steadyInfo is `show info` without the moving fields.
func steadyInfo(info string) string {
	var b strings.Builder
	b.Grow(len(info))
	for line := range strings.Lines(info) {
		k, _, _ := strings.Cut(line, ":")
		if !movingInfo[k] {
			b.WriteString(line)
		}
	}
	return b.String()
}
