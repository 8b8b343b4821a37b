package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path"
	"sort"
	"strconv"
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
	info     *haproxy.Info
	stats    *haproxy.Stats
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
		// As internal/app builds it from the host's Synapse config.
		for k, v := range syn.Backends() {
			p.cfg.Backends[k] = v
		}
		p.cfg.WeightsApplied = syn.HAProxy.UseNerveWeights
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
	c.Backends = make(map[string]string, len(p.cfg.Backends))
	for k, v := range p.cfg.Backends {
		c.Backends[k] = v
	}
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
func (p *Player) registry(kind sources.Kind, l *Line, state, errText string, src sources.ConnState) sources.Snapshot {
	s := sources.Snapshot{Kind: kind, Address: p.regAddr, At: l.T, Err: errText, Services: p.services, Members: p.members}
	if state == StateConnected {
		s.State = sources.StateConnected
	} else {
		s.State = notConnected(src)
		if s.Err == "" {
			s.Err = "the registry could not be read (the trace gives no reason)"
		}
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
	return p.registry(sources.KindZooKeeper, l, z.State, z.Error, z.SourceState)
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
		out[i] = sources.Service{Name: n, Path: parent, Err: s.Error}
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
	return p.registry(sources.KindSerf, l, s.State, s.Error, s.SourceState)
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
	snap := &haproxy.Snapshot{Label: h.Socket, Address: addr, At: l.T}
	err := p.readReplies(l, st)
	if err == nil && h.Error != "" {
		err = errors.New(h.Error)
	}
	snap.Info, snap.Stats, snap.LastGood = st.info, st.stats, st.lastGood
	if err != nil {
		snap.Err = err
		return snap
	}
	st.lastGood = l.T
	snap.LastGood = l.T
	return snap
}

// readReplies parses a line's replies into st. A reply that does not parse
// fails the poll, as it does live (the client reports HAProxy's text).
func (p *Player) readReplies(l *Line, st *sockState) error {
	h := l.HAProxy
	if h.Error != "" {
		return nil
	}
	var info *haproxy.Info
	var stats *haproxy.Stats
	var err error
	if h.ShowInfo != "" {
		if info, err = haproxy.ParseInfo([]byte(h.ShowInfo)); err != nil {
			p.warn(l.Num, "show_info of socket %s does not parse: %v", h.Socket, err)
			return fmt.Errorf("show info: HAProxy's reply does not parse: %v", err)
		}
	}
	if h.ShowStat != "" {
		if stats, err = haproxy.ParseStat([]byte(h.ShowStat)); err != nil {
			p.warn(l.Num, "show_stat of socket %s does not parse: %v", h.Socket, err)
			return fmt.Errorf("show stat: HAProxy's reply does not parse: %v", err)
		}
	}
	if info != nil {
		st.info = info
	}
	if stats != nil {
		st.stats = stats
	}
	return nil
}

func (p *Player) warn(line int, format string, args ...any) {
	if len(p.warnings) >= maxWarnings {
		return
	}
	p.warnings = append(p.warnings, &Error{File: p.r.name, Line: line, Msg: fmt.Sprintf(format, args...)})
}
