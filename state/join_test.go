package state

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// wantInst is an expected instance: its server name, whether it is
// registered, its diagnosis codes in order and words its sentences contain.
type wantInst struct {
	server string
	reg    bool
	codes  []Code
	text   []string
}

type joinCase struct {
	name     string
	reg      *sources.Snapshot
	haps     []*haproxy.Snapshot
	cfg      Config
	svc      string
	backend  string
	worst    Code
	svcCodes []Code
	svcText  []string
	insts    []wantInst // exactly the service's instances, in order
}

const (
	a1 = "web1_10.0.0.1:8080"
	a2 = "web2_10.0.0.2:8080"
	a3 = "web3_10.0.0.3:8080"
)

func twoRegs(more ...sources.Registration) *sources.Snapshot {
	regs := append([]sources.Registration{reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080)}, more...)
	return zk([]string{"svc"}, regs...)
}

func joinCases() []joinCase {
	ok := []Code{CodeOK}
	return []joinCase{
		{
			name: "ok: registered and UP",
			reg:  twoRegs(),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP", check("L7OK")), srv("svc", a2, "UP", check("L7OK")))},
			svc:  "svc", backend: "svc", worst: CodeOK,
			insts: []wantInst{{a1, true, ok, []string{"UP: the health check passed (L7OK)."}}, {a2, true, ok, nil}},
		},
		{
			name: "down L4CON: nothing listens",
			reg:  twoRegs(),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", a2, "DOWN", check("L4CON")))},
			svc:  "svc", worst: CodeDown,
			insts: []wantInst{{a1, true, ok, nil}, {a2, true, []Code{CodeDown}, []string{"Registered but DOWN in HAProxy", "nothing listens on 10.0.0.2:8080", "(L4CON)"}}},
		},
		{
			name: "down L7STS: health URL answered an error code",
			reg:  twoRegs(),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", a2, "DOWN", check("L7STS"), checkCode(503)))},
			svc:  "svc", worst: CodeDown,
			insts: []wantInst{{a1, true, ok, nil}, {a2, true, []Code{CodeDown}, []string{"the health URL answered HTTP 503"}}},
		},
		{
			name: "down L4TOUT, L7TOUT, L6RSP, SOCKERR",
			reg: zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080),
				reg("svc", "web3", "10.0.0.3", 8080), reg("svc", "web4", "10.0.0.4", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "DOWN", check("L4TOUT")), srv("svc", a2, "DOWN", check("L7TOUT")),
				srv("svc", a3, "DOWN", check("L6RSP")), srv("svc", "web4_10.0.0.4:8080", "DOWN", check("SOCKERR")))},
			svc: "svc", worst: CodeDown,
			insts: []wantInst{
				{a1, true, []Code{CodeDown}, []string{"connecting to 10.0.0.1:8080 timed out"}},
				{a2, true, []Code{CodeDown}, []string{"did not answer within the check timeout"}},
				{a3, true, []Code{CodeDown}, []string{"TLS"}},
				{"web4_10.0.0.4:8080", true, []Code{CodeDown}, []string{"could not open a check socket"}},
			},
		},
		{
			name: "transitional states in words: UP 1/2 re-enabled, UP 1/2 failing, DOWN 1/2 going up",
			reg: zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080),
				reg("svc", "web3", "10.0.0.3", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP 1/2", check("L7OK")), srv("svc", a2, "UP 1/2", check("L4CON")),
				srv("svc", a3, "DOWN 1/2", check("L7OK")))},
			svc: "svc", worst: CodeDown,
			insts: []wantInst{
				{a1, true, ok, []string{"UP and settling (UP 1/2)", "re-enables a returning server", "1 more failed check would take it DOWN"}},
				{a2, true, ok, []string{"failing its health check (UP 1/2, going down)", "nothing listens"}},
				{a3, true, []Code{CodeDown}, []string{"passing its health check again (DOWN 1/2, going up): UP after 1 more good check"}},
			},
		},
		{
			name: "no check counts as up",
			reg:  twoRegs(),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "no check"), srv("svc", a2, "no check"))},
			svc:  "svc", worst: CodeOK,
			insts: []wantInst{{a1, true, ok, []string{"without a health check"}}, {a2, true, ok, nil}},
		},
		{
			name: "maint and drain on registered servers are transient",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080), reg("svc", "web2", "10.0.0.2", 8080), reg("svc", "web3", "10.0.0.3", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "MAINT"), srv("svc", a2, "DRAIN", scur(3)), srv("svc", a3, "NOLB"))},
			svc:  "svc", worst: CodeMaint,
			insts: []wantInst{
				{a1, true, []Code{CodeMaint}, []string{"registered but in MAINT", "re-enables registered servers at its next reconfigure"}},
				{a2, true, []Code{CodeDrain}, []string{"finishes its 3 current sessions", "transient"}},
				{a3, true, []Code{CodeDrain}, []string{"NOLB"}},
			},
		},
		{
			name: "missing_in_haproxy: server absent, backend present",
			reg:  twoRegs(),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeMissingInHAProxy,
			insts: []wantInst{{a1, true, ok, nil}, {a2, true, []Code{CodeMissingInHAProxy}, []string{`has no server web2_10.0.0.2:8080 or 10.0.0.2:8080_web2 (nor any at 10.0.0.2:8080)`, "Synapse is lagging, dead, or not watching"}}},
		},
		{
			name: "missing_in_haproxy: no backend at all",
			reg:  twoRegs(),
			haps: []*haproxy.Snapshot{hap("local", srv("other", "x_10.9.9.9:1", "UP"))},
			svc:  "svc", worst: CodeMissingInHAProxy,
			insts: []wantInst{{a1, true, []Code{CodeMissingInHAProxy}, []string{`no backend "svc"`}}, {a2, true, []Code{CodeMissingInHAProxy}, nil}},
		},
		{
			name: "stale_in_haproxy: taking traffic but not registered",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", a2, "UP"), srv("svc", a3, "DOWN", check("L4CON")))},
			svc:  "svc", worst: CodeStaleInHAProxy,
			insts: []wantInst{
				{a1, true, ok, nil},
				{a2, false, []Code{CodeStaleInHAProxy}, []string{"HAProxy still has it UP but nothing registers it", "Synapse is not updating"}},
				{a3, false, []Code{CodeStaleInHAProxy}, []string{"still has it DOWN"}},
			},
		},
		{
			name: "no_registrations with use_previous_backends",
			reg:  zk([]string{"svc"}),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeStaleInHAProxy,
			svcCodes: []Code{CodeNoRegistrations},
			svcText:  []string{"nothing is registered", "HAProxy still routes to 1 server kept from before (use_previous_backends)"},
			insts:    []wantInst{{a1, false, []Code{CodeStaleInHAProxy}, []string{"use_previous_backends", "though nothing is registered for this service"}}},
		},
		{
			name: "no_registrations, nothing in HAProxy",
			reg:  zk([]string{"svc"}),
			haps: []*haproxy.Snapshot{hap("local", proxyRows("svc")...)},
			svc:  "svc", worst: CodeNoRegistrations,
			svcCodes: []Code{CodeNoRegistrations},
		},
		{
			name: "deregistered: not registered and MAINT (Synapse state file)",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", a2, "MAINT"))},
			svc:  "svc", worst: CodeDeregistered,
			insts: []wantInst{{a1, true, ok, nil}, {a2, false, []Code{CodeDeregistered}, []string{"normal after a deregistration"}}},
		},
		{
			name: "duplicate: a restarted Nerve's old session",
			reg: zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080, owner(0x100000a8a540001), seq(0)),
				reg("svc", "web1", "10.0.0.1", 8080, owner(0x100001590470001), seq(4))),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeDuplicate,
			insts: []wantInst{{a1, true, []Code{CodeDuplicate, CodeOK}, []string{
				"Registered 2 times for 10.0.0.1:8080: web1_0000000004 (session 0x100001590470001, the newest) and web1_0000000000 (session 0x100000a8a540001)",
				"session 0x100000a8a540001 holds nothing but older duplicates of newer registrations: a restarted Nerve's old session"}}},
		},
		{
			name: "duplicate: one Nerve registers a host:port twice under two names",
			reg: zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080, owner(7), seq(1)),
				reg("svc", "web1b", "10.0.0.1", 8080, owner(7), seq(2))),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", "web1b_10.0.0.1:8080", "UP"))},
			svc:  "svc", worst: CodeDuplicate,
			insts: []wantInst{
				{a1, true, []Code{CodeDuplicate, CodeOK}, []string{"all belong to session 0x7: one Nerve registers this host:port more than once"}},
				{"web1b_10.0.0.1:8080", true, []Code{CodeDuplicate, CodeOK}, nil},
			},
		},
		{
			name: "weight_mismatch where Synapse applies weights",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080, regWeight(5)), reg("svc", "web2", "10.0.0.2", 8080, regWeight(1))),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP", weight(1)), srv("svc", a2, "UP", weight(1)))},
			cfg:  Config{WeightsApplied: true},
			svc:  "svc", worst: CodeWeightMismatch,
			insts: []wantInst{{a1, true, []Code{CodeWeightMismatch, CodeOK}, []string{"registered with weight 5 but HAProxy uses weight 1"}}, {a2, true, ok, nil}},
		},
		{
			name: "weights not applied: no weight_mismatch",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080, regWeight(5))),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP", weight(1)))},
			svc:  "svc", worst: CodeOK,
			insts: []wantInst{{a1, true, ok, nil}},
		},
		{
			name: "malformed registration is kept and explained",
			reg: zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080),
				reg("svc", "", "", 0, seq(9), malformed("invalid JSON: unexpected end of input"))),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeMalformed,
			insts: []wantInst{{a1, true, ok, nil}, {"", true, []Code{CodeMalformed}, []string{"_0000000009 could not be decoded: invalid JSON: unexpected end of input"}}},
		},
		{
			name: "matched_by_addr when names differ",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", "oldname_10.0.0.1:8080", "UP"))},
			svc:  "svc", worst: CodeMatchedByAddr,
			insts: []wantInst{{a1, true, []Code{CodeMatchedByAddr, CodeOK}, []string{"HAProxy names it oldname_10.0.0.1:8080, not web1_10.0.0.1:8080"}}},
		},
		{
			name: "name match wins over an earlier address match",
			reg:  zk([]string{"svc"}, reg("svc", "aaa", "10.0.0.1", 8080), reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeMissingInHAProxy,
			insts: []wantInst{
				{"aaa_10.0.0.1:8080", true, []Code{CodeMissingInHAProxy, CodeDuplicate}, nil},
				{a1, true, []Code{CodeDuplicate, CodeOK}, nil},
			},
		},
		{
			name: "registry_stale: disconnected, with age",
			reg: func() *sources.Snapshot {
				s := twoRegs()
				s.State, s.LastGood, s.Err = sources.StateReconnecting, t0.Add(-90*time.Second), "connection refused: is ZooKeeper running?"
				return s
			}(),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", a2, "UP"))},
			svc:  "svc", worst: CodeRegistryStale,
			svcCodes: []Code{CodeRegistryStale},
			svcText:  []string{"the registry (zookeeper at 127.0.0.1:2181) is reconnecting: everything shown is its last known state, from 05:58:30 (1m30s ago); what is registered now is unknown (connection refused"},
			insts:    []wantInst{{a1, true, ok, nil}, {a2, true, ok, nil}},
		},
		{
			name: "haproxy_unreachable with last good age",
			reg:  twoRegs(),
			haps: func() []*haproxy.Snapshot {
				h := hap("local", srv("svc", a1, "UP"), srv("svc", a2, "UP"))
				h.Err, h.LastGood = errors.New("dial unix /run/local.sock: connection refused"), t0.Add(-time.Minute)
				return []*haproxy.Snapshot{h}
			}(),
			svc: "svc", worst: CodeHAProxyStale,
			svcCodes: []Code{CodeHAProxyStale},
			svcText:  []string{"HAProxy at local (/run/local.sock) could not be read: dial unix", "its figures are its last good read's, from 05:59:00 (1m0s ago)"},
			insts:    []wantInst{{a1, true, ok, nil}, {a2, true, ok, nil}},
		},
		{
			name: "several sockets: down from socket B only",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP")), hap("B", srv("svc", a1, "DOWN", check("L4TOUT"))), hap("C", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeDown,
			insts: []wantInst{{a1, true, []Code{CodeDown}, []string{"From B only: registered but DOWN in HAProxy", "timed out"}}},
		},
		{
			name: "several sockets: different reasons named per socket",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("A", srv("svc", a1, "DOWN", check("L4CON"))), hap("B", srv("svc", a1, "DOWN", check("L4TOUT"))), hap("C")},
			svc:  "svc", worst: CodeDown,
			insts: []wantInst{{a1, true, []Code{CodeDown, CodeMissingInHAProxy}, []string{"From A: registered but DOWN", "; from B: registered but DOWN", "From C only: registered, but this HAProxy has no backend"}}},
		},
		{
			name: "several sockets: an unregistered server on one socket only",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("A", srv("svc", a1, "UP"), srv("svc", a2, "MAINT")), hap("B", srv("svc", a1, "UP"))},
			svc:  "svc", worst: CodeDeregistered,
			insts: []wantInst{{a1, true, ok, []string{"UP"}}, {a2, false, []Code{CodeDeregistered}, []string{"From A only: not registered and in MAINT"}}},
		},
		{
			name: "backend_name from the Synapse config",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("be_svc", a1, "UP"))},
			cfg:  Config{Backends: map[string]string{"svc": "be_svc"}},
			svc:  "svc", backend: "be_svc", worst: CodeOK,
			insts: []wantInst{{a1, true, ok, nil}},
		},
		{
			name: "empty name: server is host:port",
			reg:  zk([]string{"svc"}, reg("svc", "", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", "10.0.0.1:8080", "UP"))},
			svc:  "svc", worst: CodeOK,
			insts: []wantInst{{"10.0.0.1:8080", true, ok, nil}},
		},
		{
			name: "registry only: no HAProxy configured",
			reg:  twoRegs(),
			svc:  "svc", worst: CodeOK,
			insts: []wantInst{{a1, true, ok, []string{"no HAProxy stats socket is configured"}}, {a2, true, ok, nil}},
		},
		{
			name: "the only socket was never read",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{{Label: "local", Address: "/run/local.sock", Err: errors.New("dial unix /run/local.sock: no such file or directory")}},
			svc:  "svc", worst: CodeHAProxyStale,
			svcCodes: []Code{CodeHAProxyStale},
			svcText:  []string{"it has never been read, so nothing is known about it"},
			insts:    []wantInst{{a1, true, []Code{CodeHAProxyStale}, []string{"whether HAProxy routes to it is unknown"}}},
		},
		{
			name: "a service of the Synapse config that the registry lacks",
			reg:  zk([]string{"svc"}, reg("svc", "web1", "10.0.0.1", 8080)),
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("be_other", a2, "UP"))},
			cfg:  Config{Backends: map[string]string{"other": "be_other"}},
			svc:  "other", backend: "be_other", worst: CodeStaleInHAProxy,
			svcCodes: []Code{CodeNoRegistrations},
			insts:    []wantInst{{a2, false, []Code{CodeStaleInHAProxy}, []string{"use_previous_backends"}}},
		},
		{
			name: "HAProxy-only mode names a backend after its Synapse service",
			haps: []*haproxy.Snapshot{hap("local", srv("be_other", a2, "UP"))},
			cfg:  Config{Backends: map[string]string{"other": "be_other"}},
			svc:  "other", backend: "be_other", worst: CodeOK,
			insts: []wantInst{{a2, false, ok, nil}},
		},
		{
			name: "HAProxy-only mode: backends are services, state alone is judged",
			haps: []*haproxy.Snapshot{hap("local", srv("svc", a1, "UP"), srv("svc", a2, "MAINT"), srv("svc", a3, "DOWN", check("L4CON")))},
			svc:  "svc", worst: CodeDown,
			insts: []wantInst{
				{a1, false, ok, nil},
				{a2, false, []Code{CodeMaint}, []string{"in MAINT, so it takes no traffic"}},
				{a3, false, []Code{CodeDown}, []string{"DOWN, so it gets no traffic: nothing listens on 10.0.0.3:8080"}},
			},
		},
	}
}

func TestJoinDiagnoses(t *testing.T) {
	for _, c := range joinCases() {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Now = t0
			v := Join(c.reg, c.haps, c.cfg)
			s := svcOf(t, v, c.svc)
			if c.backend != "" && s.Backend != c.backend {
				t.Errorf("backend = %q, want %q", s.Backend, c.backend)
			}
			if s.Summary.Worst != c.worst {
				t.Errorf("worst = %q, want %q", s.Summary.Worst, c.worst)
			}
			if got := codes(s.Diagnoses); !reflect.DeepEqual(got, c.svcCodes) && (len(got) != 0 || len(c.svcCodes) != 0) {
				t.Errorf("service codes = %v, want %v (%v)", got, c.svcCodes, s.Diagnoses)
			}
			for _, w := range c.svcText {
				if !anyContains(s.Diagnoses, w) {
					t.Errorf("no service diagnosis contains %q: %v", w, s.Diagnoses)
				}
			}
			if len(s.Instances) != len(c.insts) {
				t.Fatalf("%d instances, want %d: %+v", len(s.Instances), len(c.insts), s.Instances)
			}
			for i, w := range c.insts {
				in := &s.Instances[i]
				if in.Server != w.server {
					t.Errorf("instance %d = %q, want %q", i, in.Server, w.server)
					continue
				}
				if (in.Registration != nil) != w.reg {
					t.Errorf("%s: registered = %v, want %v", w.server, in.Registration != nil, w.reg)
				}
				if got := codes(in.Diagnoses); !reflect.DeepEqual(got, w.codes) {
					t.Errorf("%s: codes = %v, want %v (%v)", w.server, got, w.codes, in.Diagnoses)
				}
				if in.Worst != worstOf(in.Diagnoses) {
					t.Errorf("%s: worst %q disagrees with diagnoses", w.server, in.Worst)
				}
				for _, txt := range w.text {
					if !anyContains(in.Diagnoses, txt) {
						t.Errorf("%s: no diagnosis contains %q: %v", w.server, txt, in.Diagnoses)
					}
				}
				for _, d := range in.Diagnoses {
					if d.Text == "" || !strings.HasSuffix(d.Text, ".") || strings.ToUpper(d.Text[:1]) != d.Text[:1] {
						t.Errorf("%s: %q is not a sentence", w.server, d.Text)
					}
				}
				if len(in.HAProxy) != len(c.haps) {
					t.Errorf("%s: %d socket views, want %d", w.server, len(in.HAProxy), len(c.haps))
				}
				for si := range in.HAProxy {
					if got := v.SocketLabel(si); got != c.haps[si].Label {
						t.Errorf("%s: socket %d = %q, want %q", w.server, si, got, c.haps[si].Label)
					}
				}
			}
		})
	}
}

func anyContains(ds []Diagnosis, sub string) bool {
	for _, d := range ds {
		if strings.Contains(strings.ToLower(d.Text), strings.ToLower(sub)) {
			return true
		}
	}
	return false
}
