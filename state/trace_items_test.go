package state_test

// Issue 16, item by item, on the real traces: each row is a trace, an
// instant its .md names (seconds after the first note), a service or
// instance, the code expected and the words that matter.

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/check"
	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// diagRow is one expectation on one instance (or service, inst "") at one instant.
type diagRow struct {
	trace string
	key   string // replay cache key of the options
	opts  replayOpts
	at    float64
	svc   string
	inst  string
	code  state.Code // must be among the diagnoses ("" for none)
	words []string   // in that diagnosis
	not   []string   // in no diagnosis of it
	codes []state.Code
}

func runDiagRows(t *testing.T, rows []diagRow) {
	t.Helper()
	for _, c := range rows {
		name := fmt.Sprintf("%s %s %s/%s at %+.2fs", c.trace, c.key, c.svc, c.inst, c.at)
		t.Run(name, func(t *testing.T) {
			r := play(t, c.trace, c.key, c.opts)
			ds := diagnosesOf(t, r.at(t, c.at), c.svc, c.inst)
			if c.codes != nil && !slices.Equal(codesOf(ds), c.codes) {
				t.Errorf("codes %v, want %v: %v", codesOf(ds), c.codes, ds)
			}
			if c.code != "" {
				text, ok := codeText(ds, c.code)
				if !ok {
					t.Fatalf("no %s among %v", c.code, ds)
				}
				if w := missingWord(text, c.words); w != "" {
					t.Errorf("%s does not say %q: %s", c.code, w, text)
				}
			}
			for _, d := range ds {
				if w := presentWord(d.Text, c.not); w != "" {
					t.Errorf("%s says %q: %s", d.Code, w, d.Text)
				}
			}
		})
	}
}

// Item 1: the Serf forks name servers <host>:<port>_<node>. A healthy
// cluster joins by name, shows HAProxy's names and is ok; one server keeps
// one identity, so no "removed from"/"added to HAProxy" pairs.
func TestTraceNamingOrders(t *testing.T) {
	runDiagRows(t, []diagRow{
		{trace: "serf-service-crash", at: -1, svc: "svc_a", inst: "127.0.0.1:24001_node1", codes: []state.Code{state.CodeOK}},
		{trace: "serf-service-crash", at: -1, svc: "svc_a", inst: "127.0.0.1:24002_node2", codes: []state.Code{state.CodeOK}},
		{trace: "serf-service-crash", at: 3.1, svc: "svc_a", inst: "127.0.0.1:24002_node2", code: state.CodeDeregistered},
		{trace: "serf-service-crash", at: 12, svc: "svc_a", inst: "127.0.0.1:24002_node2", codes: []state.Code{state.CodeOK}},
		{trace: "serf-serverweight-drain", at: -1, svc: "svc_b", inst: "127.0.0.1:24003_node3", codes: []state.Code{state.CodeOK}},
		// The ZooKeeper flavour (Synapse 0.18.9) keeps the newer order.
		{trace: "zk-service-crash", at: -1, svc: "svc_a", inst: "host1_127.0.0.1:22002", codes: []state.Code{state.CodeOK}},
	})
	// Without a Synapse config the service of tag smart:svc_a_24001 is svc_a
	// from the registry's first read, before HAProxy answers: no instance
	// is "deregistered" and "registered" again under a new name at start.
	for _, name := range []string{"serf-service-crash", "serf-last-registration-gone"} {
		r := play(t, name, "nosynapse", replayOpts{noSynapse: true})
		for _, e := range r.between(-100, 0) {
			if e.Kind == state.EventRegistered || e.Kind == state.EventDeregistered {
				t.Errorf("%s without a Synapse config: %s before anything happened: %s", name, e.Kind, e.Text)
			}
		}
	}
	for _, name := range []string{"serf-service-crash", "serf-member-failed-and-back", "serf-serverweight-drain", "serf-last-registration-gone"} {
		r := play(t, name, "", replayOpts{})
		for _, text := range r.allTexts() {
			if w := presentWord(text, []string{"matched by address", "removed from HAProxy", "added to HAProxy"}); w != "" {
				t.Errorf("%s: %q in %q", name, w, text)
			}
		}
		for _, v := range r.views {
			for _, s := range v.Services {
				for _, in := range s.Instances {
					if in.Worst == state.CodeMatchedByAddr || slices.Contains(codesOf(in.Diagnoses), state.CodeMatchedByAddr) {
						t.Errorf("%s at %s: %s matched by address", name, v.At.Format("15:04:05.000"), in.Server)
					}
				}
			}
		}
	}
}

// Item 2: one outage is one episode; an operator's cycle or Synapse's own
// moves are no failure; none of these traces is flapping at any instant.
func TestTraceOneOutageIsOneEpisode(t *testing.T) {
	for _, name := range []string{"zk-service-crash", "zk-operator-maint-then-ready", "zk-operator-drain-undone",
		"serf-service-crash", "serf-member-failed-and-back"} {
		r := play(t, name, "", replayOpts{})
		for _, v := range r.views {
			for _, s := range v.Services {
				if s.Summary.Worst == state.CodeFlapping {
					t.Errorf("%s at %s: service %s rolls up as flapping", name, v.At.Format("15:04:05.000"), s.Name)
				}
				for _, in := range s.Instances {
					if txt, ok := codeText(in.Diagnoses, state.CodeFlapping); ok {
						t.Errorf("%s at %s: %s flapping: %s", name, v.At.Format("15:04:05.000"), in.Server, txt)
					}
				}
			}
		}
	}
	for _, c := range []struct {
		trace, key string
		episodes   []string // every episode's words, in order
	}{
		// down from the first failed check (+0.49) to UP L7OK (+8.49);
		// out of rotation from MAINT (+1.69) to UP 1/2 (+6.69).
		{"zk-service-crash", "svc_a/host1_127.0.0.1:22002", []string{"down 8s at 02:40:36 (health check failed (L4CON); out of rotation 5s), recovered"}},
		{"zk-operator-maint-then-ready", "svc_a/host1_127.0.0.1:22002", []string{"out 10s at 02:45:27 (MAINT), recovered"}},
		{"zk-operator-drain-undone", "svc_a/host1_127.0.0.1:22001", []string{"out 7s at 02:44:23 (DRAIN), recovered"}},
		{"zk-operator-drain-undone", "svc_a/host2_127.0.0.1:22003", []string{"down 12s at 02:44:28 (health check failed (L4CON); out of rotation 8s), recovered"}},
		{"serf-service-crash", "svc_a/node2_127.0.0.1:24002", []string{"down 9s at 02:48:59 (health check failed (L4CON); out of rotation 8s), recovered"}},
		{"serf-member-failed-and-back", "svc_a/node2_127.0.0.1:24002", []string{"down 17s at 02:50:37 (member node2 failed; out of rotation 15s), recovered"}},
	} {
		r := play(t, c.trace, "", replayOpts{})
		last := r.views[len(r.views)-1]
		var got []string
		for _, e := range r.hist.Episodes(c.key) {
			got = append(got, e.Words(nil, last.At))
		}
		if !slices.Equal(got, c.episodes) {
			t.Errorf("%s %s episodes:\n %q\nwant\n %q", c.trace, c.key, got, c.episodes)
		}
	}
}

// Item 3: smart:serverweight=0 is a drain: UP but weight 0, not capacity in
// the row, the roll-up and check; the registry's weight against HAProxy's.
func TestTraceServerWeightDrain(t *testing.T) {
	const node2 = "127.0.0.1:24002_node2"
	runDiagRows(t, []diagRow{
		{trace: "serf-serverweight-drain", at: -1, svc: "svc_a", inst: node2, codes: []state.Code{state.CodeOK}},
		// +0.09: the tag is 0; HAProxy still has weight 50 until +1.50.
		{trace: "serf-serverweight-drain", at: 0.5, svc: "svc_a", inst: node2, code: state.CodeWeightMismatch,
			words: []string{"node2 has smart:serverweight=0 but HAProxy uses weight 50", "next reconfigure"}},
		{trace: "serf-serverweight-drain", at: 2, svc: "svc_a", inst: node2, codes: []state.Code{state.CodeDrain},
			words: []string{"UP but weight 0", "no new traffic", "not capacity", "smart:serverweight=0", "the Serf drain"}, code: state.CodeDrain},
		{trace: "serf-serverweight-drain", at: 11, svc: "svc_a", inst: node2, code: state.CodeWeightMismatch,
			words: []string{"node2 has smart:serverweight=50 but HAProxy uses weight 0"}},
		{trace: "serf-serverweight-drain", at: 13, svc: "svc_a", inst: node2, codes: []state.Code{state.CodeOK}},
		// The tag 50 left over from the drain trace is the default: no mismatch.
		{trace: "serf-member-failed-and-back", at: -1, svc: "svc_a", inst: node2, codes: []state.Code{state.CodeOK}},
	})
	r := play(t, "serf-serverweight-drain", "", replayOpts{})
	for _, c := range []struct {
		at          float64
		up, drained int
		worst       state.Code
		check       string
	}{
		{-1, 2, 0, state.CodeOK, "2 services, 3/3 instances up"},
		{2, 1, 1, state.CodeDrain, "2 services, 2/3 instances up (1 drained: DRAIN or weight 0, not capacity)"},
		{13, 2, 0, state.CodeOK, "2 services, 3/3 instances up"},
	} {
		v := r.at(t, c.at)
		s := service(t, v, "svc_a")
		if s.Summary.Up != c.up || s.Summary.Drained != c.drained || s.Summary.Registered != 2 || s.Summary.Worst != c.worst {
			t.Errorf("at %+.1f: svc_a summary %+v, want up %d drained %d of 2, worst %s", c.at, s.Summary, c.up, c.drained, c.worst)
		}
		if res := check.Evaluate(v, nil, check.Options{}); !strings.Contains(res.Line(), c.check) {
			t.Errorf("at %+.1f: check %q, want %q", c.at, res.Line(), c.check)
		}
	}
	if res := check.Evaluate(r.at(t, 2), nil, check.Options{Services: []string{"svc_a"}, WarnBelow: mustThreshold(t, "2")}); res.Status != check.Warning {
		t.Errorf("check --warn-up-below 2 during the drain: %s", res.Line())
	}
}

// Item 4: REG counts instances, duplicates as duplicates.
func TestTraceRegCountsInstances(t *testing.T) {
	r := play(t, "zk-nerve-crash-restart", "", replayOpts{})
	for _, c := range []struct {
		at        float64
		svc       string
		reg, dups int
		text      string
		up        int
	}{
		{-1, "svc_a", 3, 0, "3", 3},
		{10, "svc_a", 3, 2, "3 +2dup", 3}, // 5 znodes: host1's two instances twice
		{10, "svc_b", 2, 1, "2 +1dup", 2},
		{35, "svc_a", 3, 0, "3", 3},
		{35, "svc_b", 2, 0, "2", 2},
	} {
		s := service(t, r.at(t, c.at), c.svc)
		if s.Summary.Registered != c.reg || s.Summary.Duplicates != c.dups || s.Summary.RegText() != c.text || s.Summary.Up != c.up {
			t.Errorf("at %+.0f %s: registered %d dup %d (%q) up %d, want %d, %d (%q), %d", c.at, c.svc,
				s.Summary.Registered, s.Summary.Duplicates, s.Summary.RegText(), s.Summary.Up, c.reg, c.dups, c.text, c.up)
		}
	}
	// The duplicates are still named as such, and are gone with the old session.
	runDiagRows(t, []diagRow{
		{trace: "zk-nerve-crash-restart", at: 10, svc: "svc_a", inst: "host1_127.0.0.1:22001", code: state.CodeDuplicate,
			words: []string{"2 times for 127.0.0.1:22001", "a restarted Nerve's old session"}},
		{trace: "zk-nerve-crash-restart", at: 35, svc: "svc_a", inst: "host1_127.0.0.1:22001", codes: []state.Code{state.CodeOK}},
	})
}

// Item 5: a service HAProxy still routes to never vanishes, with or
// without the Synapse config; check --service answers for it.
func TestTraceLastRegistrationGone(t *testing.T) {
	for _, c := range []struct{ trace, key, server string }{
		{"zk-last-registration-gone", "", "host2_127.0.0.1:22005"},
		{"zk-last-registration-gone", "nosynapse", "host2_127.0.0.1:22005"},
		{"serf-last-registration-gone", "", "127.0.0.1:24003_node3"},
		{"serf-last-registration-gone", "nosynapse", "127.0.0.1:24003_node3"},
	} {
		o := replayOpts{noSynapse: c.key == "nosynapse"}
		runDiagRows(t, []diagRow{
			{trace: c.trace, key: c.key, opts: o, at: 5, svc: "svc_b", code: state.CodeNoRegistrations,
				words: []string{"HAProxy still routes to 1 server", "use_previous_backends"}},
			{trace: c.trace, key: c.key, opts: o, at: 5, svc: "svc_b", inst: c.server, code: state.CodeStaleInHAProxy,
				words: []string{"HAProxy still has it DOWN", "Synapse keeps a service's last servers"}},
		})
		r := play(t, c.trace, c.key, o)
		res := check.Evaluate(r.at(t, 5), nil, check.Options{Services: []string{"svc_b"}})
		if res.Status != check.Critical || !strings.Contains(res.Line(), "1 service, 0/0 instances up") || !strings.Contains(res.Line(), "no_registrations") {
			t.Errorf("%s %s: check --service svc_b = %s, want CRITICAL no_registrations", c.trace, c.key, res.Line())
		}
		for _, v := range r.views {
			if len(v.HAProxy) > 0 {
				service(t, v, "svc_b") // never missing once HAProxy has been read
			}
		}
	}
	// zk: the first deregistered server is MAINT (deregistered), not stale.
	runDiagRows(t, []diagRow{
		{trace: "zk-last-registration-gone", at: 5, svc: "svc_b", inst: "host1_127.0.0.1:22004", codes: []state.Code{state.CodeDeregistered}},
	})
}

func mustThreshold(t *testing.T, s string) check.Threshold {
	t.Helper()
	th, err := check.ParseThreshold(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// rewrite returns a derive func applying f to each line after the header,
// with the first note's time known.
func rewrite(t *testing.T, f func(zero time.Time, l map[string]any) []map[string]any) func([]map[string]any) []map[string]any {
	return func(lines []map[string]any) []map[string]any {
		zero := firstNote(t, lines)
		out := []map[string]any{lines[0]}
		for _, l := range lines[1:] {
			out = append(out, f(zero, l)...)
		}
		return out
	}
}

func sec(zero time.Time, s float64) time.Time {
	return zero.Add(time.Duration(s * float64(time.Second)))
}

func stamp(at time.Time) string { return at.UTC().Format(time.RFC3339Nano) }

// registryLostAt: from sec on the registry cannot be read. A connected line
// (the recorder's heartbeat) 0.2 s before says it was fine until then.
func registryLostAt(t *testing.T, kind string, s float64) func([]map[string]any) []map[string]any {
	var last map[string]any
	var prev time.Time
	lost := false
	return rewrite(t, func(zero time.Time, l map[string]any) []map[string]any {
		var out []map[string]any
		at := lineTime(t, l)
		defer func() { prev = at }()
		if !lost && !at.Before(sec(zero, s)) {
			lost = true
			hb := map[string]any{}
			for k, v := range last {
				hb[k] = v
			}
			hbAt := sec(zero, s-0.2)
			if hbAt.Before(prev) {
				hbAt = prev
			}
			hb["t"] = stamp(hbAt)
			out = append(out, hb, map[string]any{"t": stamp(sec(zero, s)), "kind": kind, "state": "unreachable",
				"error": "dial tcp 127.0.0.1:22181: connect: connection refused"})
		}
		if l["kind"] == kind {
			if lost {
				return out // not read any more
			}
			last = l
		}
		return append(out, l)
	})
}

// Item 6: unknown is not zero. With the registry unreachable, what is
// known is its last state and its age, counted from the loss; a registry
// never read says nothing about registrations; a failed HAProxy read
// records no sample and its figures are marked stale.
func TestTraceUnknownIsNotZero(t *testing.T) {
	neverRead := replayOpts{derive: rewrite(t, func(_ time.Time, l map[string]any) []map[string]any {
		if l["kind"] != "zk" {
			return []map[string]any{l}
		}
		return []map[string]any{{"t": l["t"], "kind": "zk", "state": "unreachable", "error": "dial tcp 127.0.0.1:22181: connect: connection refused"}}
	})}
	lost := replayOpts{derive: registryLostAt(t, "zk", 3)}
	lostB := replayOpts{derive: registryLostAt(t, "zk", 5)}
	serfLost := replayOpts{derive: registryLostAt(t, "serf", 3)}
	notNothing := []string{"every instance is down", "nothing registers it", "Synapse is not updating"}
	runDiagRows(t, []diagRow{
		// never read: no registry claims at all, only HAProxy's state
		{trace: "zk-service-crash", key: "never", opts: neverRead, at: 3, svc: "svc_a", code: state.CodeRegistryStale,
			words: []string{"has not been read completely yet"}, not: notNothing},
		{trace: "zk-service-crash", key: "never", opts: neverRead, at: 3, svc: "svc_a", inst: "host1_127.0.0.1:22001", codes: []state.Code{state.CodeOK}},
		{trace: "zk-service-crash", key: "never", opts: neverRead, at: 3, svc: "svc_a", inst: "host1_127.0.0.1:22002", codes: []state.Code{state.CodeMaint},
			not: []string{"not registered", "deregistered"}},
		// lost at +3: the last known state, its age from +3, the rest unknown
		{trace: "zk-service-crash", key: "lost3", opts: lost, at: 8, svc: "svc_a", code: state.CodeRegistryStale,
			words: []string{"last known state, from 02:40:39 (5s ago); what is registered now is unknown"}},
		{trace: "zk-service-crash", key: "lost3", opts: lost, at: 8, svc: "svc_a", inst: "host1_127.0.0.1:22002", code: state.CodeStaleInHAProxy,
			words: []string{"as of the registry's last read, 5s ago", "whether it is registered now is unknown"}},
		{trace: "zk-last-registration-gone", key: "lost5", opts: lostB, at: 10, svc: "svc_b", code: state.CodeNoRegistrations,
			words: []string{"when the registry was last read, 5s ago", "what is registered now is unknown"}, not: notNothing},
		{trace: "serf-service-crash", key: "lost3", opts: serfLost, at: 8, svc: "svc_a", code: state.CodeRegistryStale,
			words: []string{"last known state, from 02:49:01 (5s ago); what is registered now is unknown"}},
	})
	for _, c := range []struct {
		key  string
		opts replayOpts
		at   float64
		want string
	}{{"never", neverRead, 3, "?"}, {"lost3", lost, 8, "2"}} {
		r := play(t, "zk-service-crash", c.key, c.opts)
		if got := service(t, r.at(t, c.at), "svc_a").Summary.RegText(); got != c.want {
			t.Errorf("%s: REG %q, want %q", c.key, got, c.want)
		}
	}

	// HAProxy unreachable from +2 to +5: no sample from a failed read, and
	// the figures kept on screen are marked stale.
	hapDown := replayOpts{derive: rewrite(t, func(zero time.Time, l map[string]any) []map[string]any {
		at := lineTime(t, l)
		if at.After(sec(zero, 6)) {
			return nil // fewer good reads than the history keeps samples
		}
		if l["kind"] == "haproxy" && !at.Before(sec(zero, 2)) && at.Before(sec(zero, 5)) {
			return []map[string]any{{"t": l["t"], "kind": "haproxy", "socket": l["socket"], "error": "dial unix /srv/smartstack/haproxy.sock: connect: connection refused"}}
		}
		return []map[string]any{l}
	})}
	r := play(t, "zk-service-crash", "hapdown", hapDown)
	if s := service(t, r.at(t, 3), "svc_a"); !s.Summary.TrafficStale {
		t.Errorf("during the outage svc_a's traffic is not marked stale: %+v", s.Summary)
	}
	if s := service(t, r.at(t, 6), "svc_a"); s.Summary.TrafficStale {
		t.Errorf("after the outage svc_a's traffic is still marked stale")
	}
	good := 0
	for _, v := range r.views {
		if len(v.HAProxy) == 1 && v.HAProxy[0].Err == nil {
			good++
		}
	}
	if scur, _, _ := r.hist.Series("svc_a/host1_127.0.0.1:22001"); len(scur) > good {
		t.Errorf("%d samples recorded from %d successful reads: a failed read made samples", len(scur), good)
	}
	// The console's view, joined when the socket failed, and the one-shot
	// commands', joined at the instant: both name the last good read.
	runDiagRows(t, []diagRow{{trace: "zk-service-crash", key: "hapdown", opts: hapDown, at: 4, svc: "svc_a", code: state.CodeHAProxyStale,
		words: []string{"could not be read", "its figures are its last good read's, from 02:40:38"}}})
	if txt, _ := codeText(service(t, oneShot(t, "zk-service-crash", hapDown, 4), "svc_a").Diagnoses, state.CodeHAProxyStale); !strings.Contains(txt, "from 02:40:38 (2s ago)") {
		t.Errorf("snapshot --replay at +4s: %q", txt)
	}
}

// Item 7: Serf words that are true, and never the other flavour's words.
func TestTraceSerfWords(t *testing.T) {
	const node2 = "127.0.0.1:24002_node2"
	notZK := []string{"ZooKeeper", "znode", "session 0x", "lose its"}
	runDiagRows(t, []diagRow{
		// +1.47: node2's tag is gone, node2 alive; Synapse disables at +3.08.
		{trace: "serf-service-crash", at: 2, svc: "svc_a", inst: node2, code: state.CodeStaleInHAProxy,
			words: []string{"eregistered just now, and HAProxy still has it DOWN", "Synapse disables it at its next reconfigure"}, not: notZK},
		// +5.47: node2 failed, its server still UP until +7.29
		{trace: "serf-member-failed-and-back", at: 6, svc: "svc_a", inst: node2, code: state.CodeStaleInHAProxy,
			words: []string{"ember node2 is failed", "Synapse ignores members that are not alive", "takes it out at its next reconfigure"}, not: notZK},
		{trace: "serf-member-failed-and-back", at: 8, svc: "svc_a", inst: node2, codes: []state.Code{state.CodeDeregistered},
			words: []string{"ember node2 is failed", "Synapse disabled its server"}, code: state.CodeDeregistered},
		// svc_b's last member dropped its tag: Synapse keeps the previous backend
		{trace: "serf-last-registration-gone", at: 5, svc: "svc_b", inst: "127.0.0.1:24003_node3", code: state.CodeStaleInHAProxy,
			words: []string{"Synapse keeps a service's last servers"}, not: notZK},
	})
	for _, c := range []struct {
		trace    string
		from, to float64
		kind     string
		words    []string
		not      []string
	}{
		{"serf-service-crash", 1.3, 1.6, state.EventDeregistered, []string{"tag smart:svc_a_24002 removed from member node2, which is still alive", "Nerve withdrew it"}, []string{"is gone"}},
		{"serf-member-failed-and-back", 5.3, 5.6, state.EventDeregistered, []string{"member node2 is failed", "Synapse ignores members that are not alive"}, nil},
		{"serf-member-failed-and-back", 20.1, 20.4, state.EventRegistered, []string{"member node2 is alive again"}, nil},
		{"serf-member-failed-and-back", 20.1, 20.4, state.EventWeight, []string{"smart:serverweight tag removed (was 50)"}, []string{"50 -> 0"}},
	} {
		r := play(t, c.trace, "", replayOpts{})
		var found bool
		for _, e := range r.between(c.from, c.to) {
			if e.Kind != c.kind {
				continue
			}
			found = true
			if w := missingWord(e.Text, c.words); w != "" {
				t.Errorf("%s %+.2f..%+.2f: %s event %q does not say %q", c.trace, c.from, c.to, c.kind, e.Text, w)
			}
			if w := presentWord(e.Text, c.not); w != "" {
				t.Errorf("%s: %s event %q says %q", c.trace, c.kind, e.Text, w)
			}
		}
		if !found {
			t.Errorf("%s %+.2f..%+.2f: no %s event in %v", c.trace, c.from, c.to, c.kind, r.between(c.from, c.to))
		}
	}
	for _, name := range tracetest.Names(t) {
		r := play(t, name, "", replayOpts{})
		other := notZK
		if strings.HasPrefix(name, "zk-") {
			other = []string{"Serf", "serf", "member "}
		}
		for _, text := range r.allTexts() {
			if w := presentWord(text, other); w != "" {
				t.Errorf("%s: %q in %q", name, w, text)
			}
		}
	}
}

// Item 9: Synapse's own moves are named; an operator's are not.
func TestTraceSynapseMovesNamed(t *testing.T) {
	for _, c := range []struct {
		trace    string
		from, to float64
		server   string
		words    []string
		not      []string
	}{
		{"zk-operator-drain-undone", 7.2, 7.5, "host1_127.0.0.1:22001", []string{"DRAIN -> UP", "Synapse undid the operator's drain at its reconfigure"}, nil},
		{"zk-operator-drain-undone", 7.2, 7.5, "host2_127.0.0.1:22003", []string{"-> MAINT", "Synapse disabled it"}, nil},
		{"zk-service-crash", 1.5, 1.8, "host1_127.0.0.1:22002", []string{"-> MAINT", "Synapse disabled it"}, nil},
		{"zk-service-crash", 6.5, 6.8, "host1_127.0.0.1:22002", []string{"MAINT -> UP 1/2", "Synapse enabled it"}, nil},
		{"serf-service-crash", 9.0, 9.2, node2Serf, []string{"MAINT -> UP 1/2", "Synapse enabled it"}, nil},
		{"zk-operator-maint-then-ready", 0, 0.2, "host1_127.0.0.1:22002", []string{"UP -> MAINT"}, []string{"Synapse"}},
		{"zk-operator-maint-then-ready", 10, 10.2, "host1_127.0.0.1:22002", []string{"MAINT -> UP 1/2"}, []string{"Synapse"}},
	} {
		r := play(t, c.trace, "", replayOpts{})
		var found bool
		for _, e := range r.between(c.from, c.to) {
			if e.Kind != state.EventState || e.Instance != c.server {
				continue
			}
			found = true
			if w := missingWord(e.Text, c.words); w != "" {
				t.Errorf("%s %+.2f: %q does not say %q", c.trace, c.from, e.Text, w)
			}
			if w := presentWord(e.Text, c.not); w != "" {
				t.Errorf("%s %+.2f: %q says %q", c.trace, c.from, e.Text, w)
			}
		}
		if !found {
			t.Errorf("%s %+.2f..%+.2f: no state event for %s in %v", c.trace, c.from, c.to, c.server, r.between(c.from, c.to))
		}
	}
}

const node2Serf = "127.0.0.1:24002_node2"

// Item 10: a valid 1 MB registration is large, not malformed.
func TestTraceLargeRegistration(t *testing.T) {
	blob := strings.Repeat("x", 1<<20)
	big := replayOpts{derive: rewrite(t, func(zero time.Time, l map[string]any) []map[string]any {
		if lineTime(t, l).After(zero) {
			return nil // the steady state before the first note is all this needs
		}
		if l["kind"] == "zk" {
			for _, n := range l["nodes"].([]any) {
				n := n.(map[string]any)
				if strings.Contains(n["data"].(string), `"port":22001`) {
					n["data"] = `{"host":"127.0.0.1","port":22001,"name":"host1","labels":{"blob":"` + blob + `"}}`
				}
			}
		}
		return []map[string]any{l}
	})}
	runDiagRows(t, []diagRow{
		{trace: "zk-service-crash", key: "big", opts: big, at: -1, svc: "svc_a", inst: "host1_127.0.0.1:22001", codes: []state.Code{state.CodeOK},
			not: []string{"malformed", "Synapse skips it"}},
	})
}

// Item 8: the walkthrough claims only what it knows: yes, no, or unknown
// with the reason.
func TestTraceWalkthrough(t *testing.T) {
	noReg := replayOpts{noRegistry: true}
	lost := replayOpts{derive: registryLostAt(t, "zk", 3)}
	for _, c := range []struct {
		trace, key string
		opts       replayOpts
		at         float64
		svc, inst  string
		question   string
		answer     state.Answer
		words      []string
		not        []string
	}{
		{"zk-service-crash", "", replayOpts{}, -1, "svc_a", "host1_127.0.0.1:22002", "Service answering", state.Yes, []string{"check L7OK"}, nil},
		{"zk-service-crash", "", replayOpts{}, 0.6, "svc_a", "host1_127.0.0.1:22002", "Service answering", state.No, []string{"check L4CON"}, nil},
		{"zk-service-crash", "", replayOpts{}, 0.6, "svc_a", "host1_127.0.0.1:22002", "Taking traffic from main", state.Yes, []string{"UP 1/2"}, nil},
		// MAINT suspends checks; it has a check all the same
		{"zk-service-crash", "", replayOpts{}, 2, "svc_a", "host1_127.0.0.1:22002", "Service answering", state.Unknown, []string{"in MAINT, where HAProxy suspends its health checks"}, []string{"no health check"}},
		{"zk-service-crash", "", replayOpts{}, 2, "svc_a", "host1_127.0.0.1:22002", "Registered in ZooKeeper", state.No, []string{"nothing in the registry names 127.0.0.1:22002"}, nil},
		{"zk-service-crash", "", replayOpts{}, 2, "svc_a", "host1_127.0.0.1:22002", "Taking traffic from main", state.No, []string{"MAINT"}, nil},
		{"zk-service-crash", "noreg", noReg, -1, "svc_a", "host1_127.0.0.1:22002", "Registered in the registry", state.Unknown, []string{"no registry is configured"}, []string{"nothing"}},
		{"zk-service-crash", "lost3", lost, 8, "svc_a", "host1_127.0.0.1:22001", "Registered in ZooKeeper", state.Unknown, []string{"as of the registry's last read, 5s ago: yes", "current state is unknown"}, nil},
		{"serf-serverweight-drain", "", replayOpts{}, 2, "svc_a", "127.0.0.1:24002_node2", "Taking traffic from main", state.No, []string{"UP but weight 0: drained"}, nil},
		{"serf-serverweight-drain", "", replayOpts{}, 2, "svc_a", "127.0.0.1:24002_node2", "Registered in Serf", state.Yes, []string{"Serf member node2 (alive), tag smart:svc_a_24002"}, []string{"znode", "session"}},
		{"zk-service-crash", "", replayOpts{}, 2, "svc_a", "", "Taking traffic from main", state.Yes, []string{"2 of 3 servers take new traffic"}, nil},
		{"zk-service-crash", "noreg", noReg, 2, "svc_a", "", "Registered in the registry", state.Unknown, []string{"no registry is configured"}, nil},
	} {
		r := play(t, c.trace, c.key, c.opts)
		v := r.at(t, c.at)
		s := service(t, v, c.svc)
		var steps []state.Step
		if c.inst == "" {
			steps = state.WalkService(v, s)
		} else {
			steps = state.WalkInstance(v, s, instance(t, s, c.inst))
		}
		found := false
		for _, st := range steps {
			if !strings.HasPrefix(st.Question, c.question) {
				continue
			}
			found = true
			all := st.Why + " | " + strings.Join(st.Evidence, " | ")
			if st.Answer != c.answer {
				t.Errorf("%s %+.1f %s: %q answered %s (%s), want %s", c.trace, c.at, c.inst, st.Question, st.Answer, all, c.answer)
			}
			if w := missingWord(all, c.words); w != "" {
				t.Errorf("%s %+.1f %s: %q does not say %q: %s", c.trace, c.at, c.inst, st.Question, w, all)
			}
			if w := presentWord(all, c.not); w != "" {
				t.Errorf("%s %+.1f %s: %q says %q: %s", c.trace, c.at, c.inst, st.Question, w, all)
			}
		}
		if !found {
			t.Errorf("%s %+.1f %s: no step %q in %+v", c.trace, c.at, c.inst, c.question, steps)
		}
	}
}

// Item 10: the snapshot table's HAProxy column is the socket's label, as
// given; check says "1 service".
func TestTraceSmallWords(t *testing.T) {
	r := play(t, "zk-service-crash", "", replayOpts{})
	v := r.at(t, 2)
	var b strings.Builder
	if err := report.Table(&b, v, nil); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^  INSTANCE +ADDRESS +REG +main +DIAGNOSIS$`).MatchString(b.String()) {
		t.Errorf("the table's socket column is not titled with its label \"main\":\n%s", b.String())
	}
	res := check.Evaluate(v, nil, check.Options{Services: []string{"svc_a"}})
	if !strings.Contains(res.Line(), "- 1 service, 2/2 instances up") {
		t.Errorf("check: %s", res.Line())
	}
}

// Item 10: one loss of ZooKeeper is one event however often the client
// flips between disconnected and reconnecting while it retries; getting it
// back is one more.
func TestTraceOneLossOneEvent(t *testing.T) {
	opts := replayOpts{derive: func(lines []map[string]any) []map[string]any {
		zero := firstNote(t, lines)
		var last map[string]any
		out := lines[:1]
		for _, l := range lines[1:] {
			if l["kind"] == "zk" {
				if lineTime(t, l).After(sec(zero, 2)) {
					continue // ZooKeeper is away from +2 to +8
				}
				last = l
			}
			out = append(out, l)
		}
		states := []string{"disconnected", "reconnecting"}
		for i := range 6 { // one flip a second while the client retries
			out = append(out, map[string]any{"t": stamp(sec(zero, 2.05+float64(i))), "kind": "zk", "state": "unreachable",
				"source_state": states[i%2], "error": "dial tcp 127.0.0.1:22181: connect: connection refused"})
		}
		back := map[string]any{}
		for k, v := range last {
			back[k] = v
		}
		back["t"] = stamp(sec(zero, 8.05))
		out = append(out, back)
		sort.SliceStable(out[1:], func(a, b int) bool { return lineTime(t, out[1+a]).Before(lineTime(t, out[1+b])) })
		return out
	}}
	r := play(t, "zk-service-crash", "zkflaps", opts)
	var conn []string
	for _, e := range r.between(1.9, 8.5) {
		if e.Kind == state.EventConnection && e.Socket == "" {
			conn = append(conn, e.Text)
		}
	}
	if len(conn) != 2 || !strings.Contains(conn[0], "lost ZooKeeper") || !strings.Contains(conn[1], "reachable again") {
		t.Errorf("%d connection events for one loss and its recovery:\n%s", len(conn), strings.Join(conn, "\n"))
	}
}
