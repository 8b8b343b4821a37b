package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/serf"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// Input is one line of a trace as the console's pipeline takes it: a new
// registry snapshot, a new snapshot of one HAProxy socket, or a note.
type Input struct {
	At   time.Time
	Line int  // the trace line it came from
	Kind Kind // which of the fields below is set

	// Registry is the registry snapshot exactly as the live ZooKeeper or
	// Serf source would have published it. On an unreachable line the last
	// known services (and members) are kept, State is not connected, Err
	// says why and LastGood is the time of the last connected line.
	Registry *sources.Snapshot
	// HAProxy is one socket's snapshot as sources/hapoll would have
	// published it: Label is the socket's label, Info and Stats parsed from
	// the raw replies by package haproxy. On an error line Err is set and
	// the last good Info and Stats are kept, with LastGood.
	HAProxy *haproxy.Snapshot
	// Note is a note's text: ground truth, never input to a diagnosis.
	Note string
}

// Player turns a trace's lines into Inputs, keeping what the live sources
// keep between two publications (the last known registry, each socket's
// last good replies).
type Player struct {
	r       *Reader
	h       Header
	cfg     state.Config
	regAddr string
	zkPath  string

	// The registry as last read, as the live source holds it.
	services []sources.Service
	members  []sources.Member
	lastGood time.Time
	synced   bool

	socks    map[string]*sockState
	warnings []*Error
}

// sockState is what hapoll's socket poller keeps between polls.
type sockState struct {
	level    haproxy.Level
	info     *haproxy.Info
	stats    *haproxy.Stats
	aggs     []haproxy.Row // a light poll's proxy rows
	watched  []haproxy.Row // a light poll's watched servers
	lastGood time.Time
}

// NewPlayer plays the trace r reads. A header config that does not parse
// is a warning (see Warnings), as a broken host file is for the console:
// the replay goes on without it.
func NewPlayer(r *Reader) *Player {
	p := &Player{r: r, h: r.Header(), socks: map[string]*sockState{}}
	p.cfg = state.Config{Backends: map[string]string{}}
	if syn, err := p.h.Synapse(); err != nil {
		p.warn(1, "the header's synapse_config cannot be used (%v); HAProxy backends are taken to be named as their services", err)
	} else if syn != nil {
		// As internal/app builds it from the host's Synapse config: backends
		// and each service's weight rule (use_nerve_weights, add_server_weight).
		p.cfg = state.FromSynapse(syn)
	}
	p.zkPath = p.h.ZKPath
	if p.zkPath == "" {
		p.zkPath = zookeeper.DefaultRoot
	}
	p.regAddr = p.h.Registry
	if p.regAddr == "" {
		p.regAddr = recorderAddr(p.h.Recorder)
	}
	return p
}

// recorderAddr is the registry address the reference recorder noted in
// its "recorder" object ("zk" or "serf_rpc"), or "".
func recorderAddr(raw json.RawMessage) string {
	var rec struct {
		ZK      string `json:"zk"`
		SerfRPC string `json:"serf_rpc"`
	}
	if json.Unmarshal(raw, &rec) != nil {
		return ""
	}
	if rec.ZK != "" {
		return rec.ZK
	}
	return rec.SerfRPC
}

// Header returns the trace's header.
func (p *Player) Header() Header { return p.h }

// StateConfig is the join's configuration from the header's Synapse config
// (backend names, whether registry weights are applied), built as the
// console builds it from the host's file. Now and History are left to the
// caller.
func (p *Player) StateConfig() state.Config {
	c := p.cfg
	c.Backends = maps.Clone(p.cfg.Backends)
	if c.Backends == nil {
		c.Backends = map[string]string{}
	}
	c.Weights = maps.Clone(p.cfg.Weights)
	return c
}

// RegistryKind is the registry the trace recorded, "" when none.
func (p *Player) RegistryKind() sources.Kind {
	switch p.h.Flavour {
	case FlavourZooKeeper:
		return sources.KindZooKeeper
	case FlavourSerf:
		return sources.KindSerf
	}
	return ""
}

// RegistryAddress is the ensemble or Serf RPC address the registry was
// read from, "" when the trace does not say.
func (p *Player) RegistryAddress() string { return p.regAddr }

// Baseline is what a replay's engine starts from, as a live console starts
// with nothing read yet: the registry connecting (nil when the trace has
// none) and each socket, in Sockets' order, unread.
func (p *Player) Baseline() (*sources.Snapshot, []*haproxy.Snapshot) {
	var reg *sources.Snapshot
	if k := p.RegistryKind(); k != "" {
		reg = &sources.Snapshot{Kind: k, Address: p.RegistryAddress(), State: sources.StateConnecting}
	}
	var haps []*haproxy.Snapshot
	for _, l := range p.Sockets() {
		haps = append(haps, &haproxy.Snapshot{Label: l, Address: p.h.Sockets[l]})
	}
	return reg, haps
}

// Sockets are the labels of the HAProxy sockets the header names, sorted.
// Their addresses are in Header().Sockets.
func (p *Player) Sockets() []string {
	out := make([]string, 0, len(p.h.Sockets))
	for l := range p.h.Sockets {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Warnings are the reader's (unknown kinds skipped) and the player's own:
// data it could not use, each with its line.
func (p *Player) Warnings() []*Error {
	return append(p.r.Warnings(), p.warnings...)
}

// Next returns the next Input, io.EOF after the last. Errors are the
// Reader's (each with its line); after one, Next goes on with the next line.
func (p *Player) Next() (Input, error) {
	l, err := p.r.Next()
	if err != nil {
		return Input{}, err
	}
	in := Input{At: l.T, Line: l.Num, Kind: l.Kind}
	switch l.Kind {
	case KindZK:
		s := p.zk(&l)
		in.Registry = &s
	case KindSerf:
		s := p.serf(&l)
		in.Registry = &s
	case KindHAProxy:
		in.HAProxy = p.haproxy(&l)
	case KindNote:
		in.Note = l.Note.Text
	}
	return in, nil
}

// registry builds a snapshot the way both live sources do: the services
// (and members) last read, good as of lastGood; synced once a first full
// read has been seen.
func (p *Player) registry(kind sources.Kind, l *Line, state, errText string, src sources.ConnState, lastGood time.Time) sources.Snapshot {
	s := sources.Snapshot{Kind: kind, Address: p.regAddr, At: l.T, Err: errText, Services: p.services, Members: p.members}
	if state == StateConnected {
		s.State = sources.StateConnected
	} else {
		s.State = notConnected(src)
		if s.Err == "" && src == "" { // a version 1 line without a reason
			s.Err = "the registry could not be read (the trace gives no reason)"
		}
	}
	if state != StateConnected && !lastGood.IsZero() {
		// What the live source said, even when older than the last line
		// written as connected (a heartbeat repeats content; it is not a read).
		p.lastGood = lastGood
	}
	s.LastGood, s.Synced = p.lastGood, p.synced
	return s
}

// notConnected is the connection state an unreachable line stands for.
func notConnected(src sources.ConnState) sources.ConnState {
	switch src {
	case sources.StateConnecting, sources.StateReconnecting, sources.StateExpired, sources.StateAuthFailed,
		sources.StateDisconnected, sources.StateClosed:
		return src
	}
	return sources.StateDisconnected
}

func (p *Player) zk(l *Line) sources.Snapshot {
	z := l.ZK
	if z.State == StateConnected {
		p.services = p.zkServices(l)
		p.lastGood, p.synced = l.T, true
	}
	return p.registry(sources.KindZooKeeper, l, z.State, z.Error, z.SourceState, z.LastGood)
}

// zkServices decodes a connected line's services and nodes with the live
// source's decoder, in the live source's order (services by name,
// registrations by path).
func (p *Player) zkServices(l *Line) []sources.Service {
	z := l.ZK
	names := make([]string, 0, len(z.Services))
	for n := range z.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]sources.Service, len(names))
	byParent := map[string][]int{}
	for i, n := range names {
		s := z.Services[n]
		parent := s.Path
		if parent == "" {
			parent = joinZK(joinZK(p.zkPath, n), "services")
		}
		out[i] = sources.Service{Name: n, Path: parent, Err: s.Error, Data: s.Data}
		byParent[parent] = append(byParent[parent], i)
	}
	for _, n := range z.Nodes {
		dir, node := path.Dir(n.Path), path.Base(n.Path)
		svcs := byParent[dir]
		if len(svcs) == 0 {
			p.warn(l.Num, "zk node %s is under none of the line's services; ignored", n.Path)
			continue
		}
		for _, i := range svcs {
			out[i].Registrations = append(out[i].Registrations, nodeRegistration(out[i].Name, node, n))
		}
	}
	for i := range out {
		regs := out[i].Registrations
		if regs == nil {
			regs = []sources.Registration{} // as the live source publishes an empty service
		}
		sort.Slice(regs, func(a, b int) bool { return regs[a].Path < regs[b].Path })
		out[i].Registrations = regs
	}
	return out
}

// nodeRegistration decodes one node as the live source does (see
// sources/zookeeper's decodeFetched).
func nodeRegistration(service, node string, n ZKNode) sources.Registration {
	if n.ReadError != "" {
		_, seq, _, _ := zookeeper.DecodeNodeName(node)
		return sources.Registration{Service: service, Path: n.Path, Node: node, Seq: seq,
			Malformed: "could not read: " + n.ReadError}
	}
	st := sources.NodeStat{
		Ctime:          time.UnixMilli(n.Ctime),
		Mtime:          time.UnixMilli(n.Mtime),
		Version:        n.Version,
		EphemeralOwner: n.EphemeralOwner,
		DataLength:     int32(min(len(n.Data), 1<<31-1)),
	}
	return zookeeper.DecodeRegistration(service, n.Path, node, n.Data, st)
}

func joinZK(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

func (p *Player) serf(l *Line) sources.Snapshot {
	s := l.Serf
	if s.State == StateConnected {
		p.members = serfMembers(s.Members)
		p.services = serf.Decode(p.members)
		p.lastGood, p.synced = l.T, true
	}
	return p.registry(sources.KindSerf, l, s.State, s.Error, s.SourceState, s.LastGood)
}

// serfMembers converts members as the live source does: sorted by name,
// Addr "ip:port", tags never nil.
func serfMembers(ms []SerfMember) []sources.Member {
	out := make([]sources.Member, 0, len(ms))
	for _, m := range ms {
		tags := make(map[string]string, len(m.Tags))
		for k, v := range m.Tags {
			tags[k] = v
		}
		out = append(out, sources.Member{Name: m.Name, Addr: memberAddr(m.Addr, m.Port), Status: m.Status, Tags: tags})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// memberAddr is "ip:port" from `serf members -format json`'s addr, which is
// "ip:port" already, or a bare ip completed with port.
func memberAddr(addr string, port int) string {
	if h, pt, err := net.SplitHostPort(addr); err == nil {
		return net.JoinHostPort(h, pt)
	}
	return net.JoinHostPort(addr, strconv.Itoa(port))
}

func (p *Player) haproxy(l *Line) *haproxy.Snapshot {
	h := l.HAProxy
	st := p.socks[h.Socket]
	if st == nil {
		st = &sockState{}
		p.socks[h.Socket] = st
	}
	addr := p.h.Sockets[h.Socket]
	if addr == "" {
		addr = h.Socket
	}
	if h.PreviewProxies != "" && h.Error == "" {
		return p.preview(l, addr)
	}
	if h.Level != "" {
		st.level = haproxy.Level(h.Level)
	}
	err := p.apply(l, st)
	if err == nil && h.Error != "" {
		err = errors.New(h.Error)
		if !h.LastGood.IsZero() {
			st.lastGood = h.LastGood // the last good poll, which may have gone unwritten
		}
	}
	snap := &haproxy.Snapshot{Label: h.Socket, Address: addr, At: l.T, Level: st.level, Info: st.info, Stats: st.stats,
		Aggregates: st.aggs, Watched: st.watched, LastGood: st.lastGood}
	if err != nil {
		snap.Err = err
		return snap
	}
	st.lastGood = l.T
	snap.LastGood = l.T
	return snap
}

// apply parses a line's replies into st the way hapoll builds its
// snapshot: a full `show stat` replaces the rows; a partial read is merged
// into them; a light read's rows go beside them (Aggregates, Watched); a
// preview builds rows from `show servers state`. A reply that does not
// parse fails the poll, as it does live (the client reports HAProxy's
// text), and leaves st as it was.
func (p *Player) apply(l *Line, st *sockState) error {
	h := l.HAProxy
	if h.Error != "" {
		return nil
	}
	fail := func(what string, err error) error {
		p.warn(l.Num, "%s of socket %s does not parse: %v", what, h.Socket, err)
		return fmt.Errorf("%s: HAProxy's reply does not parse: %v", strings.ReplaceAll(what, "_", " "), err)
	}
	next := *st
	if h.ShowInfo != "" {
		info, err := haproxy.ParseInfo([]byte(h.ShowInfo))
		if err != nil {
			return fail("show_info", err)
		}
		next.info = info
	}
	if h.ShowStat != "" {
		stats, err := haproxy.ParseStat([]byte(h.ShowStat))
		if err != nil {
			return fail("show_stat", err)
		}
		next.stats = stats
	}
	if m := h.Merge; m != nil {
		if next.stats == nil {
			p.warn(l.Num, "a partial read of socket %s with no full read before it; ignored", h.Socket)
			return errors.New("a partial read with no full read before it")
		}
		proxies, fresh, err := parseParts(m.Proxies, m.Servers)
		if err != nil {
			return fail("merge", err)
		}
		rows, ok := haproxy.MergeServers(next.stats.Rows, proxies, fresh)
		if !ok {
			p.warn(l.Num, "the partial read of socket %s does not fit the servers read before it; ignored", h.Socket)
			return errors.New("a partial read that does not fit the servers read before it")
		}
		next.stats = &haproxy.Stats{Fields: next.stats.Fields, Rows: rows}
	}
	next.aggs, next.watched = nil, nil // only a light read has them

	if lt := h.Light; lt != nil {
		proxies, _, err := parseParts(lt.Proxies, nil)
		if err != nil {
			return fail("light", err)
		}
		next.aggs = proxies
		for _, r := range lt.Servers {
			st, err := haproxy.ParseStat([]byte(r.Reply))
			if err != nil {
				return fail("light", err)
			}
			next.watched = append(next.watched, st.Rows...)
		}
	}
	*st = next
	return nil
}

// preview is the snapshot hapoll publishes before a session's first full
// read: rows from `show servers state` and the proxy rows. Like hapoll, it
// leaves the socket's state alone: a failure of the full read that
// follows shows the rows from before.
func (p *Player) preview(l *Line, addr string) *haproxy.Snapshot {
	h := l.HAProxy
	snap := &haproxy.Snapshot{Label: h.Socket, Address: addr, At: l.T, Level: haproxy.Level(h.Level), Preview: true, LastGood: l.T}
	info, err := haproxy.ParseInfo([]byte(h.ShowInfo))
	if err == nil {
		var proxies *haproxy.Stats
		if proxies, err = haproxy.ParseStat([]byte(h.PreviewProxies)); err == nil {
			var servers []haproxy.ServerState
			if servers, err = haproxy.ParseServersState([]byte(h.ShowServersState)); err == nil {
				snap.Info, snap.Stats = info, haproxy.PreviewStats(proxies, servers)
				return snap
			}
		}
	}
	// hapoll publishes no preview it cannot read: say so, and go on.
	p.warn(l.Num, "the preview of socket %s does not parse: %v", h.Socket, err)
	st := p.socks[h.Socket]
	return &haproxy.Snapshot{Label: h.Socket, Address: addr, At: l.T, Level: st.level, Info: st.info, Stats: st.stats,
		Aggregates: st.aggs, Watched: st.watched, LastGood: st.lastGood, Err: fmt.Errorf("preview: HAProxy's reply does not parse: %v", err)}
}

// parseParts parses a partial or light read's replies.
func parseParts(proxies string, servers []IIDReply) ([]haproxy.Row, map[int][]haproxy.Row, error) {
	px, err := haproxy.ParseStat([]byte(proxies))
	if err != nil {
		return nil, nil, err
	}
	fresh := make(map[int][]haproxy.Row, len(servers))
	for _, r := range servers {
		st, err := haproxy.ParseStat([]byte(r.Reply))
		if err != nil {
			return nil, nil, err
		}
		fresh[r.IID] = st.Rows
	}
	return px.Rows, fresh, nil
}

func (p *Player) warn(line int, format string, args ...any) {
	if len(p.warnings) >= maxWarnings {
		return
	}
	p.warnings = append(p.warnings, &Error{File: p.r.name, Line: line, Msg: fmt.Sprintf(format, args...)})
}
