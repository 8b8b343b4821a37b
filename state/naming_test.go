package state

import (
	"reflect"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// serfSnap is a connected, synced Serf snapshot of members, decoded the way
// the Serf source does (one registration per smart:<svc> tag).
func serfSnap(members ...sources.Member) *sources.Snapshot {
	s := &sources.Snapshot{Kind: sources.KindSerf, Address: "127.0.0.1:7373", State: sources.StateConnected, At: t0, LastGood: t0, Synced: true, Members: members}
	by := map[string]*sources.Service{}
	var order []string
	for _, m := range members {
		for tag, v := range m.Tags {
			if len(tag) < 7 || tag[:6] != "smart:" || tag == "smart:serverweight" {
				continue
			}
			svc := tag[6:]
			host, port := testHostPort(v)
			r := sources.Registration{Service: svc, Name: m.Name, Host: host, Port: port, Seq: -1, Member: m.Name,
				MemberStatus: m.Status, MemberAddr: m.Addr, Tag: tag}
			if w, ok := m.Tags["smart:serverweight"]; ok {
				r.Weight, r.HasWeight = atoi(w), true
			}
			if by[svc] == nil {
				by[svc] = &sources.Service{Name: svc}
				order = append(order, svc)
			}
			by[svc].Registrations = append(by[svc].Registrations, r)
		}
	}
	for _, n := range order {
		s.Services = append(s.Services, *by[n])
	}
	return s
}

func member(name, status string, tags ...string) sources.Member {
	m := sources.Member{Name: name, Addr: "127.0.0.1:7946", Status: status, Tags: map[string]string{}}
	for i := 0; i+1 < len(tags); i += 2 {
		m.Tags[tags[i]] = tags[i+1]
	}
	return m
}

// The Serf forks name servers "<host>:<port>_<node>": a healthy cluster
// joins by name, shows HAProxy's names, and is ok (issue 16 item 1).
func TestJoinOldNamingOrder(t *testing.T) {
	reg := serfSnap(member("node1", "alive", "smart:svc_a_24001", "127.0.0.1:24001"),
		member("node2", "alive", "smart:svc_a_24002", "127.0.0.1:24002"))
	h := hap("main", srv("svc_a", "127.0.0.1:24001_node1", "UP", check("L7OK"), addr("127.0.0.1:24001")),
		srv("svc_a", "127.0.0.1:24002_node2", "UP", check("L7OK"), addr("127.0.0.1:24002")))
	s := svcOf(t, Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0}), "svc_a")
	if s.Summary.Worst != CodeOK || s.Summary.Up != 2 || len(s.Instances) != 2 {
		t.Fatalf("summary %+v, %d instances", s.Summary, len(s.Instances))
	}
	for i, want := range []string{"127.0.0.1:24001_node1", "127.0.0.1:24002_node2"} {
		in := &s.Instances[i]
		if in.Server != want || in.HAProxy[0].ByAddr || !reflect.DeepEqual(codes(in.Diagnoses), []Code{CodeOK}) {
			t.Errorf("instance %d = %s (by addr %v) %v, want %s joined by name and ok", i, in.Server, in.HAProxy[0].ByAddr, in.Diagnoses, want)
		}
	}
	if k := s.Instances[0].Key; k != "svc_a/node1_127.0.0.1:24001" {
		t.Errorf("key = %q, want the newer order", k)
	}
}

// One server keeps one identity: when node2's tag goes, its server is the
// same instance (now unregistered), never "removed" plus "added".
func TestDiffKeepsIdentityAcrossNamingOrders(t *testing.T) {
	row := func(st string) haproxy.Row {
		return srv("svc_a", "127.0.0.1:24002_node2", st, addr("127.0.0.1:24002"))
	}
	prev := Join(serfSnap(member("node2", "alive", "smart:svc_a_24002", "127.0.0.1:24002")), []*haproxy.Snapshot{hap("main", row("UP"))}, Config{Now: t0})
	next := Join(serfSnap(member("node2", "alive")), []*haproxy.Snapshot{hap("main", row("MAINT"))}, Config{Now: t0})
	var kinds []string
	for _, e := range Diff(prev, next) {
		kinds = append(kinds, e.Kind+" "+e.Instance+" "+e.From+">"+e.To)
	}
	want := []string{"deregistered 127.0.0.1:24002_node2 node2|smart:svc_a_24002>", "state 127.0.0.1:24002_node2 UP>MAINT"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("events %q, want %q", kinds, want)
	}
}

// A registration no server matches yet is shown with the name its Synapse
// would give it: the order the backend's other servers use.
func TestPredictedNameFollowsTheBackend(t *testing.T) {
	reg := zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080))
	h := hap("main", srv("svc", "10.0.0.1:8080_web1", "UP", addr("10.0.0.1:8080")))
	s := svcOf(t, Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0}), "svc")
	if got := instOf(t, s, "10.0.0.2:8080_web2"); got.Worst != CodeMissingInHAProxy {
		t.Errorf("web2 = %v", got.Diagnoses)
	}
}

func testHostPort(v string) (string, int) {
	i := len(v) - 1
	for i >= 0 && v[i] != ':' {
		i--
	}
	return v[:i], atoi(v[i+1:])
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// Weight 0 from any cause is drained and not capacity; the registry's weight
// is compared with HAProxy's under the service's weight rule (issue 16 item 3).
func TestWeightZeroIsDrained(t *testing.T) {
	row := func(name, port string, w int) haproxy.Row {
		return srv("svc_a", "127.0.0.1:"+port+"_"+name, "UP", check("L7OK"), addr("127.0.0.1:"+port), weight(w))
	}
	serfCfg := Config{Now: t0, Weights: map[string]WeightRule{"svc_a": WeightsFromSerfTag}}
	cases := []struct {
		name     string
		cfg      Config
		node2    sources.Member
		w2       int
		codes    []Code
		text     []string
		up, drnd int
	}{
		{"tag 0 applied: drained by the Serf knob", serfCfg,
			member("node2", "alive", "smart:svc_a_24002", "127.0.0.1:24002", "smart:serverweight", "0"), 0,
			[]Code{CodeDrain}, []string{"UP but weight 0", "not capacity", "member node2 has smart:serverweight=0, the Serf drain", "agent reloads its tags"}, 1, 1},
		{"tag 0 not applied yet: mismatch", serfCfg,
			member("node2", "alive", "smart:svc_a_24002", "127.0.0.1:24002", "smart:serverweight", "0"), 50,
			[]Code{CodeWeightMismatch, CodeOK}, []string{"member node2 has smart:serverweight=0 but HAProxy uses weight 50", "next reconfigure"}, 2, 0},
		{"no tag: the default 50 matches", serfCfg,
			member("node2", "alive", "smart:svc_a_24002", "127.0.0.1:24002"), 50, []Code{CodeOK}, nil, 2, 0},
		{"weights not applied: weight 0 set over the socket is still drained", Config{Now: t0},
			member("node2", "alive", "smart:svc_a_24002", "127.0.0.1:24002"), 0,
			[]Code{CodeDrain}, []string{"weight 0 was set over the socket"}, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := serfSnap(member("node1", "alive", "smart:svc_a_24001", "127.0.0.1:24001"), c.node2)
			v := Join(reg, []*haproxy.Snapshot{hap("main", row("node1", "24001", 50), row("node2", "24002", c.w2))}, c.cfg)
			s := svcOf(t, v, "svc_a")
			in := instOf(t, s, "127.0.0.1:24002_node2")
			if !reflect.DeepEqual(codes(in.Diagnoses), c.codes) {
				t.Errorf("codes %v, want %v (%v)", codes(in.Diagnoses), c.codes, in.Diagnoses)
			}
			for _, w := range c.text {
				if !anyContains(in.Diagnoses, w) {
					t.Errorf("no diagnosis says %q: %v", w, in.Diagnoses)
				}
			}
			if s.Summary.Up != c.up || s.Summary.Drained != c.drnd {
				t.Errorf("up %d drained %d, want %d and %d", s.Summary.Up, s.Summary.Drained, c.up, c.drnd)
			}
		})
	}
}
