package trace_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// played is a whole trace through the Player: every Input, in order.
type played struct {
	p      *trace.Player
	inputs []trace.Input
	notes  []time.Time
}

func play(t *testing.T, name string) *played {
	t.Helper()
	p := trace.NewPlayer(tracetest.Open(t, name))
	pl := &played{p: p}
	for {
		in, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (in.Registry != nil) == (in.HAProxy != nil) && in.Kind != trace.KindNote {
			t.Fatalf("line %d: input %+v", in.Line, in)
		}
		if in.Kind == trace.KindNote {
			pl.notes = append(pl.notes, in.At)
		}
		pl.inputs = append(pl.inputs, in)
	}
	if w := p.Warnings(); len(w) > 0 {
		t.Errorf("%s: warnings %v", name, w)
	}
	return pl
}

// at returns the registry and HAProxy snapshots in force at instant t: the
// last of each published at or before it.
func (pl *played) at(t time.Time) (*sources.Snapshot, *haproxy.Snapshot) {
	var reg *sources.Snapshot
	var hap *haproxy.Snapshot
	for _, in := range pl.inputs {
		if in.At.After(t) {
			break
		}
		if in.Registry != nil {
			reg = in.Registry
		}
		if in.HAProxy != nil {
			hap = in.HAProxy
		}
	}
	return reg, hap
}

// afterNote is the instant d after the first note.
func (pl *played) afterNote(d time.Duration) time.Time { return pl.notes[0].Add(d) }

// clock is the end of the millisecond the .md's timeline writes as stamp
// ("02:40:37.705", UTC, on the trace's day): the .md truncates line times
// to the millisecond and its "+1.28s" to the hundredth.
func (pl *played) clock(t *testing.T, stamp string) time.Time {
	t.Helper()
	day := pl.notes[0].UTC().Format("2006-01-02")
	at, err := time.Parse("2006-01-02 15:04:05.000", day+" "+stamp)
	if err != nil {
		t.Fatal(err)
	}
	return at.Add(time.Millisecond - 1)
}

func regCount(s *sources.Snapshot) int {
	n := 0
	for _, svc := range s.Services {
		n += len(svc.Registrations)
	}
	return n
}

func server(t *testing.T, s *haproxy.Snapshot, key string) *haproxy.Row {
	t.Helper()
	for i := range s.Stats.Rows {
		if r := &s.Stats.Rows[i]; r.IsServer() && r.Key() == key {
			return r
		}
	}
	t.Fatalf("no server %s at %s", key, s.At.Format(time.StampMilli))
	return nil
}

func servers(s *haproxy.Snapshot) int {
	n := 0
	for i := range s.Stats.Rows {
		if s.Stats.Rows[i].IsServer() {
			n++
		}
	}
	return n
}

// The instants the issue names, in zk-service-crash.md's words.
func TestPlayerZKServiceCrash(t *testing.T) {
	pl := play(t, "zk-service-crash")
	reg, hap := pl.at(pl.afterNote(-time.Millisecond))
	if regCount(reg) != 5 || servers(hap) != 5 || reg.State != sources.StateConnected || !reg.Synced {
		t.Fatalf("before the kill: %d registrations, %d servers, %s", regCount(reg), servers(hap), reg.State)
	}
	if r := server(t, hap, "svc_a/host1_127.0.0.1:22002"); r.Status() != "UP" || r.CheckStatus() != "L7OK" || r.Weight != 1 {
		t.Fatalf("22002 before: %s %s w%d", r.Status(), r.CheckStatus(), r.Weight)
	}
	reg, hap = pl.at(pl.clock(t, "02:40:37.705")) // +1.28 s
	if regCount(reg) != 4 || servers(hap) != 5 {
		t.Fatalf("+1.28 s: %d registrations, %d servers; want 4 and 5", regCount(reg), servers(hap))
	}
	if r := server(t, hap, "svc_a/host1_127.0.0.1:22002"); r.Status() != "UP 1/2" || r.CheckStatus() != "L4CON" {
		t.Fatalf("+1.28 s: 22002 %s %s, want UP 1/2 L4CON", r.Status(), r.CheckStatus())
	}
	_, hap = pl.at(pl.clock(t, "02:40:38.111")) // +1.69 s
	if r := server(t, hap, "svc_a/host1_127.0.0.1:22002"); r.Status() != "MAINT" {
		t.Fatalf("+1.69 s: 22002 %s, want MAINT", r.Status())
	}
	reg, hap = pl.at(pl.clock(t, "02:40:44.913")) // +8.49 s
	if regCount(reg) != 5 || server(t, hap, "svc_a/host1_127.0.0.1:22002").Status() != "UP" {
		t.Fatalf("+8.49 s: %d registrations, 22002 %s", regCount(reg), server(t, hap, "svc_a/host1_127.0.0.1:22002").Status())
	}
	for _, svc := range reg.Services {
		for _, r := range svc.Registrations {
			if r.Malformed != "" || r.Host != "127.0.0.1" || r.Name == "" || r.Owner == 0 || r.Ctime.IsZero() {
				t.Errorf("registration %+v", r)
			}
		}
	}
	if hap.Info == nil || hap.Info.PID != 30459 || hap.Label != "main" || hap.Address != "/srv/smartstack/haproxy.sock" || hap.Err != nil {
		t.Fatalf("haproxy snapshot: %+v", hap)
	}
	if reg.Address != "127.0.0.1:22181" || reg.Kind != sources.KindZooKeeper {
		t.Fatalf("registry %s %s", reg.Kind, reg.Address)
	}
	cfg := pl.p.StateConfig()
	if cfg.Backends["svc_a"] != "svc_a" || cfg.Backends["svc_b"] != "svc_b" || cfg.WeightsApplied {
		t.Fatalf("state config %+v", cfg)
	}
}

func TestPlayerSerfMemberFailed(t *testing.T) {
	pl := play(t, "serf-member-failed-and-back")
	reg, hap := pl.at(pl.afterNote(5400 * time.Millisecond))
	node2 := func(reg *sources.Snapshot) sources.Member {
		for _, m := range reg.Members {
			if m.Name == "node2" {
				return m
			}
		}
		t.Fatal("no node2")
		return sources.Member{}
	}
	if regCount(reg) != 3 || node2(reg).Status != "alive" || servers(hap) != 3 {
		t.Fatalf("+5.4 s: %d registrations, node2 %s", regCount(reg), node2(reg).Status)
	}
	reg, _ = pl.at(pl.clock(t, "02:50:37.628")) // +5.47 s
	if m := node2(reg); m.Status != "failed" || m.Tags["smart:serverweight"] != "50" || m.Addr != "127.0.0.1:24302" {
		t.Fatalf("+5.47 s: node2 %+v", m)
	}
	for _, svc := range reg.Services {
		for _, r := range svc.Registrations {
			if r.Member == "node2" && (r.MemberStatus != "failed" || r.Weight != 50 || !r.HasWeight) {
				t.Fatalf("node2's registration %+v", r)
			}
		}
	}
	_, hap = pl.at(pl.clock(t, "02:50:39.445")) // +7.29 s
	if r := server(t, hap, "svc_a/127.0.0.1:24002_node2"); r.Status() != "MAINT" || r.Weight != 50 {
		t.Fatalf("+7.29 s: %s w%d", r.Status(), r.Weight)
	}
	reg, _ = pl.at(pl.clock(t, "02:50:52.428")) // +20.27 s
	if m := node2(reg); m.Status != "alive" || m.Tags["smart:serverweight"] != "" {
		t.Fatalf("+20.27 s: node2 %+v", m)
	}
	if reg.Address != "127.0.0.1:24373" || reg.Kind != sources.KindSerf || reg.State != sources.StateConnected {
		t.Fatalf("registry %s %s %s", reg.Kind, reg.Address, reg.State)
	}
}

// timelineRE matches a line of a fixture's "Timeline as recorded" block.
var timelineRE = regexp.MustCompile(`^(\d\d:\d\d:\d\d\.\d{3}) +([+-]\d+\.\d\d)s (ZK|SERF|HAP|NOTE) +(.*)$`)

type event struct {
	stamp, rel, kind, what string
}

func timeline(t *testing.T, name string) []event {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(tracetest.Dir(t), name+".md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []event
	for _, l := range strings.Split(string(md), "\n") {
		if m := timelineRE.FindStringSubmatch(l); m != nil {
			out = append(out, event{m[1], m[2], m[3], strings.TrimRight(m[4], " ")})
		}
	}
	if len(out) < 5 {
		t.Fatalf("%s.md: only %d timeline lines", name, len(out))
	}
	return out
}

// Every fixture replays to what its .md's timeline says, event by event:
// each registry and HAProxy change is seen at the line the .md names, with
// the state before and after it, and the HAProxy server count never
// changes (Synapse keeps servers, MAINT, when they are deregistered).
func TestPlayerFollowsEveryTimeline(t *testing.T) {
	for _, name := range tracetest.Names(t) {
		t.Run(name, func(t *testing.T) {
			pl := play(t, name)
			first := pl.notes[0]
			wantServers := -1
			for _, in := range pl.inputs {
				if in.HAProxy == nil {
					continue
				}
				if in.HAProxy.Err != nil || in.HAProxy.Stats == nil || in.HAProxy.Info == nil || !in.HAProxy.LastGood.Equal(in.At) {
					t.Fatalf("line %d: snapshot %+v", in.Line, in.HAProxy)
				}
				if wantServers < 0 {
					wantServers = servers(in.HAProxy)
				} else if n := servers(in.HAProxy); n != wantServers {
					t.Fatalf("line %d: %d servers, the first line had %d", in.Line, n, wantServers)
				}
			}
			for _, ev := range timeline(t, name) {
				in, before := pl.find(t, ev)
				rel := in.At.Sub(first).Seconds()
				if got := fmt.Sprintf("%+.2f", rel); got != ev.rel && fmt.Sprintf("%+.2f", rel+0.005) != ev.rel {
					t.Errorf("%s %s: the line is at %s from the first note", ev.stamp, ev.rel, got)
				}
				check(t, name, ev, in, before)
			}
		})
	}
}

// find returns the input of ev's kind at ev's time (to the millisecond),
// and the input of the same source just before it (nil for the first).
func (pl *played) find(t *testing.T, ev event) (trace.Input, *trace.Input) {
	t.Helper()
	var prev *trace.Input
	for i := range pl.inputs {
		in := pl.inputs[i]
		same := map[string]bool{"ZK": in.Registry != nil, "SERF": in.Registry != nil,
			"HAP": in.HAProxy != nil, "NOTE": in.Kind == trace.KindNote}[ev.kind]
		if !same {
			continue
		}
		if in.At.UTC().Format("15:04:05.000") == ev.stamp {
			return in, prev
		}
		prev = &pl.inputs[i]
	}
	t.Fatalf("no %s line at %s", ev.kind, ev.stamp)
	return trace.Input{}, nil
}

var (
	zkChangeRE  = regexp.MustCompile(`^([+-]) (\w+)/services/(\S+) port (\d+) owner (0x[0-9a-f]+)$`)
	zkNodesRE   = regexp.MustCompile(`(\w+):(\d+)\(([0-9a-f]{4})\)`)
	hapChangeRE = regexp.MustCompile(`^(\S+/\S+) +(.*?) -> (.*)$`)
	memberRE    = regexp.MustCompile(`'(\w+)': \('(\w+)', \(((?:\('[^']*', '[^']*'\),? ?)*)\)\)`)
	serfOneRE   = regexp.MustCompile(`^(\w+): \('\w+', .*\) -> \('(\w+)', \(((?:\('[^']*', '[^']*'\),? ?)*)\)\)$`)
	tagRE       = regexp.MustCompile(`\('([^']*)', '([^']*)'\)`)
)

func check(t *testing.T, name string, ev event, in trace.Input, before *trace.Input) {
	t.Helper()
	where := ev.stamp + " " + ev.kind + " " + ev.what
	switch ev.kind {
	case "NOTE":
		if in.Note != ev.what {
			t.Errorf("%s: note %q", where, in.Note)
		}
	case "ZK", "SERF":
		reg := in.Registry
		switch {
		case ev.what == "state connected":
			if reg.State != sources.StateConnected || !reg.Synced || !reg.LastGood.Equal(in.At) {
				t.Errorf("%s: %s synced %v", where, reg.State, reg.Synced)
			}
		case strings.Contains(ev.what, " nodes: "):
			var got, want []string
			for _, svc := range reg.Services {
				for _, r := range svc.Registrations {
					got = append(got, fmt.Sprintf("%s:%d(%04x)", svc.Name, r.Port, r.Owner&0xffff))
				}
			}
			for _, m := range zkNodesRE.FindAllString(ev.what, -1) {
				want = append(want, m)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: registrations %v", where, got)
			}
		case zkChangeRE.MatchString(ev.what):
			m := zkChangeRE.FindStringSubmatch(ev.what)
			p := "/nerve/services/" + m[2] + "/services/" + m[3]
			port, _ := strconv.Atoi(m[4])
			owner, _ := strconv.ParseInt(m[5][2:], 16, 64)
			has := func(s *sources.Snapshot) bool {
				for _, svc := range s.Services {
					for _, r := range svc.Registrations {
						if r.Path == p {
							if r.Port != port || r.Owner != owner || r.Service != m[2] {
								t.Errorf("%s: registration %+v", where, r)
							}
							return true
						}
					}
				}
				return false
			}
			if added := m[1] == "+"; has(reg) != added || before == nil || has(before.Registry) == added {
				t.Errorf("%s: not seen at that line", where)
			}
		case strings.HasPrefix(ev.what, "{"):
			for _, mm := range memberRE.FindAllStringSubmatch(ev.what, -1) {
				checkMember(t, where, reg, mm[1], mm[2], mm[3])
			}
		case serfOneRE.MatchString(ev.what):
			mm := serfOneRE.FindStringSubmatch(ev.what)
			checkMember(t, where, reg, mm[1], mm[2], mm[3])
		default:
			t.Errorf("%s: the test cannot read this timeline line", where)
		}
	case "HAP":
		if pid, ok := strings.CutPrefix(ev.what, "pid "); ok {
			if strconv.Itoa(in.HAProxy.Info.PID) != pid {
				t.Errorf("%s: pid %d", where, in.HAProxy.Info.PID)
			}
			return
		}
		m := hapChangeRE.FindStringSubmatch(ev.what)
		if m == nil {
			t.Fatalf("%s: the test cannot read this timeline line", where)
		}
		desc := func(r *haproxy.Row) string {
			return strings.TrimSpace(fmt.Sprintf("%s w%d %s", r.Status(), r.Weight, r.CheckStatus()))
		}
		if got := desc(server(t, in.HAProxy, m[1])); got != strings.TrimSpace(m[3]) {
			t.Errorf("%s: after, %q", where, got)
		}
		if got := desc(server(t, before.HAProxy, m[1])); got != strings.TrimSpace(m[2]) {
			t.Errorf("%s: before, %q", where, got)
		}
	}
}

// checkMember compares a member with the .md's Python rendering of its
// status and tags, and its registrations with serf.Decode's rules.
func checkMember(t *testing.T, where string, reg *sources.Snapshot, name, status, tags string) {
	t.Helper()
	want := map[string]string{}
	for _, tm := range tagRE.FindAllStringSubmatch(tags, -1) {
		want[tm[1]] = tm[2]
	}
	for _, m := range reg.Members {
		if m.Name != name {
			continue
		}
		if m.Status != status || fmt.Sprint(m.Tags) != fmt.Sprint(want) {
			t.Errorf("%s: member %s %s %v", where, name, m.Status, m.Tags)
		}
		n := 0
		for _, svc := range reg.Services {
			for _, r := range svc.Registrations {
				if r.Member == name {
					n++
					if r.MemberStatus != status || want[r.Tag] != r.Addr() || r.Malformed != "" {
						t.Errorf("%s: registration %+v", where, r)
					}
				}
			}
		}
		if wantN := len(want) - btoi(want["smart:serverweight"] != ""); n != wantN {
			t.Errorf("%s: %s has %d registrations, want %d", where, name, n, wantN)
		}
		return
	}
	t.Errorf("%s: no member %s", where, name)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// playText plays a trace written by a Writer.
func playLines(t *testing.T, h trace.Header, ls ...trace.Line) (*trace.Player, []trace.Input) {
	t.Helper()
	var buf strings.Builder
	w, err := trace.NewWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if err := w.Write(l); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	r, err := trace.NewReader(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	p := trace.NewPlayer(r)
	var out []trace.Input
	for {
		in, err := p.Next()
		if errors.Is(err, io.EOF) {
			return p, out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "haproxy", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An unreachable registry keeps the last known services, as the live
// sources do; an HAProxy error keeps the last good replies.
func TestPlayerKeepsTheLastGoodState(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	node := func(seq, port int) trace.ZKNode {
		return trace.ZKNode{Path: fmt.Sprintf("/sd/svc_a/services/h_%010d", seq), EphemeralOwner: 0x42, Ctime: 1000, Mtime: 2000, Version: 1,
			Data: []byte(fmt.Sprintf(`{"host":"10.0.0.1","port":%d,"name":"h","weight":7}`, port))}
	}
	info, stat := readTestdata(t, "states-show-info.txt"), readTestdata(t, "states-show-stat.txt")
	h := trace.Header{Flavour: trace.FlavourZooKeeper, Started: t0, ZKPath: "/sd", Registry: "zk1:2181,zk2:2181",
		Sockets: map[string]string{"main": "/run/h.sock"}}
	p, ins := playLines(t, h,
		trace.Line{T: at(1), Kind: trace.KindZK, ZK: &trace.ZK{State: trace.StateConnected, Services: map[string]trace.ZKService{
			"svc_a": {}, "svc_b": {}, "svc_c": {Path: "/elsewhere/c", Error: "/elsewhere/c does not exist (yet); watching for it"}},
			Nodes: []trace.ZKNode{node(2, 81), node(1, 80), {Path: "/sd/svc_a/services/locked_0000000003", ReadError: "not allowed to read it"},
				{Path: "/sd/stray/services/x_1", Data: []byte("{}")}}}},
		trace.Line{T: at(2), Kind: trace.KindHAProxy, HAProxy: &trace.HAProxy{Socket: "main", ShowInfo: info, ShowStat: stat}},
		trace.Line{T: at(3), Kind: trace.KindZK, ZK: &trace.ZK{State: trace.StateUnreachable, Error: "session expired", SourceState: sources.StateExpired}},
		trace.Line{T: at(4), Kind: trace.KindHAProxy, HAProxy: &trace.HAProxy{Socket: "main", Error: "dial unix /run/h.sock: connection refused"}},
		trace.Line{T: at(5), Kind: trace.KindHAProxy, HAProxy: &trace.HAProxy{Socket: "main", ShowInfo: info, ShowStat: "this is not CSV"}},
		trace.Line{T: at(6), Kind: trace.KindZK, ZK: &trace.ZK{State: trace.StateUnreachable}},
		trace.Line{T: at(7), Kind: trace.KindZK, ZK: &trace.ZK{State: trace.StateConnected, Services: map[string]trace.ZKService{}}},
	)
	reg := ins[0].Registry
	if reg.State != sources.StateConnected || !reg.Synced || !reg.LastGood.Equal(at(1)) || !reg.At.Equal(at(1)) ||
		reg.Address != "zk1:2181,zk2:2181" || reg.Err != "" || len(reg.Services) != 3 {
		t.Fatalf("connected: %+v", reg)
	}
	a := reg.Services[0]
	if a.Name != "svc_a" || a.Path != "/sd/svc_a/services" || len(a.Registrations) != 3 ||
		a.Registrations[0].Port != 80 || a.Registrations[1].Port != 81 || a.Registrations[0].Weight != 7 ||
		a.Registrations[0].Seq != 1 || !a.Registrations[0].Mtime.Equal(time.UnixMilli(2000)) || a.Registrations[0].Owner != 0x42 {
		t.Fatalf("svc_a: %+v", a)
	}
	if r := a.Registrations[2]; r.Malformed != "could not read: not allowed to read it" || r.Seq != 3 || r.Node != "locked_0000000003" {
		t.Fatalf("unreadable node: %+v", r)
	}
	if b := reg.Services[1]; b.Name != "svc_b" || b.Registrations == nil || len(b.Registrations) != 0 {
		t.Fatalf("empty service: %+v", b)
	}
	if c := reg.Services[2]; c.Path != "/elsewhere/c" || !strings.Contains(c.Err, "does not exist") {
		t.Fatalf("svc_c: %+v", c)
	}
	if w := p.Warnings(); len(w) != 2 || w[0].Line != 2 || !strings.Contains(w[0].Msg, "/sd/stray/services/x_1 is under none") ||
		w[1].Line != 6 || !strings.Contains(w[1].Msg, "show_stat of socket main does not parse") {
		t.Fatalf("warnings %v", w)
	}
	good := ins[1].HAProxy
	if good.Err != nil || good.Stats == nil || good.Info == nil || !good.LastGood.Equal(at(2)) || good.Address != "/run/h.sock" {
		t.Fatalf("haproxy: %+v", good)
	}
	down := ins[2].Registry
	if down.State != sources.StateExpired || down.Err != "session expired" || !down.Synced || !down.LastGood.Equal(at(1)) ||
		!down.At.Equal(at(3)) || len(down.Services) != 3 || len(down.Services[0].Registrations) != 3 || !down.Stale() {
		t.Fatalf("unreachable: %+v", down)
	}
	for i, want := range []string{"dial unix /run/h.sock: connection refused", "show stat: HAProxy's reply does not parse"} {
		bad := ins[3+i].HAProxy
		if bad.Err == nil || !strings.Contains(bad.Err.Error(), want) || bad.Stats != good.Stats || bad.Info != good.Info ||
			!bad.LastGood.Equal(at(2)) || !bad.At.Equal(at(4+i)) {
			t.Fatalf("haproxy error %d: %+v", i, bad)
		}
	}
	if down := ins[5].Registry; down.State != sources.StateDisconnected || down.Err == "" || len(down.Services) != 3 {
		t.Fatalf("unreachable without a source state: %+v", down)
	}
	if up := ins[6].Registry; up.State != sources.StateConnected || len(up.Services) != 0 || !up.LastGood.Equal(at(7)) {
		t.Fatalf("back: %+v", up)
	}
}

func TestPlayerSerfUnreachable(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	members := []trace.SerfMember{
		{Name: "n2", Addr: "10.0.0.2", Port: 7946, Status: "alive", Tags: map[string]string{"smart:svc_a_80": "10.0.0.2:80", "smart:serverweight": "0"}},
		{Name: "n1", Addr: "10.0.0.1:7946", Port: 7946, Status: "failed"},
	}
	_, ins := playLines(t, trace.Header{Flavour: trace.FlavourSerf},
		trace.Line{T: t0, Kind: trace.KindSerf, Serf: &trace.Serf{State: trace.StateConnected, Members: members}},
		trace.Line{T: t0.Add(time.Second), Kind: trace.KindSerf, Serf: &trace.Serf{State: trace.StateUnreachable, Error: "refused", SourceState: sources.StateReconnecting}},
	)
	up := ins[0].Registry
	if len(up.Members) != 2 || up.Members[0].Name != "n1" || up.Members[0].Tags == nil || up.Members[1].Addr != "10.0.0.2:7946" ||
		len(up.Services) != 1 || up.Services[0].Registrations[0].Weight != 0 || !up.Services[0].Registrations[0].HasWeight {
		t.Fatalf("connected: %+v", up)
	}
	down := ins[1].Registry
	if down.State != sources.StateReconnecting || down.Err != "refused" || len(down.Members) != 2 || len(down.Services) != 1 ||
		!down.LastGood.Equal(t0) || !down.Synced || down.Kind != sources.KindSerf {
		t.Fatalf("unreachable: %+v", down)
	}
}
