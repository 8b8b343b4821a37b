package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/hapoll"
	"github.com/stacktui/stacktui/sources/serf"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/trace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopAll()
	os.Exit(code)
}

// bed is a live test bed recorded as it changes: what the live sources
// published, in order, and the recorder they were fed to.
type bed struct {
	t    *testing.T
	rec  *trace.Recorder
	path string

	mu      sync.Mutex
	changed *sync.Cond
	regs    []sources.Snapshot
	haps    []*haproxy.Snapshot
	wg      sync.WaitGroup
}

func newBed(t *testing.T, h trace.Header) *bed {
	b := &bed{t: t, path: filepath.Join(t.TempDir(), "bed.jsonl.gz")}
	b.changed = sync.NewCond(&b.mu)
	w, err := trace.Create(b.path, h)
	if err != nil {
		t.Fatal(err)
	}
	b.rec = trace.NewRecorder(w, trace.RecorderOptions{ZKPath: h.ZKPath, Heartbeat: 2 * time.Second})
	return b
}

// follow feeds everything the sources publish to the recorder, as the
// console's record command does, and keeps it for the comparison.
func (b *bed) follow(reg sources.Registry, p *hapoll.Poller) {
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		for u := range reg.Updates() {
			b.rec.Registry(u.Snapshot)
			b.mu.Lock()
			b.regs = append(b.regs, u.Snapshot)
			b.changed.Broadcast()
			b.mu.Unlock()
		}
	}()
	go func() {
		defer b.wg.Done()
		for s := range p.Updates() {
			b.rec.HAProxy(&s)
			b.mu.Lock()
			b.haps = append(b.haps, &s)
			b.changed.Broadcast()
			b.mu.Unlock()
		}
	}()
}

// wait blocks until ok holds for the latest registry and HAProxy
// snapshots: the test waits for the event, not for a clock (with a
// generous bound, for a loaded machine).
func (b *bed) wait(what string, ok func(reg *sources.Snapshot, hap *haproxy.Snapshot) bool) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	stop := time.AfterFunc(time.Until(deadline), func() { b.mu.Lock(); b.changed.Broadcast(); b.mu.Unlock() })
	defer stop.Stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		var reg *sources.Snapshot
		var hap *haproxy.Snapshot
		if n := len(b.regs); n > 0 {
			reg = &b.regs[n-1]
		}
		if n := len(b.haps); n > 0 {
			hap = b.haps[n-1]
		}
		if reg != nil && hap != nil && ok(reg, hap) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited a minute for %s", what)
		}
		b.changed.Wait()
	}
}

func (b *bed) note(text string) { b.rec.Note(time.Now(), text) }

// finish stops the sources (the caller closes them first), closes the
// recorder and compares the replay with what was published.
func (b *bed) finish() {
	b.t.Helper()
	b.wg.Wait()
	if err := b.rec.Close(); err != nil {
		b.t.Fatal(err)
	}
	st := b.rec.Stats()
	b.t.Logf("recorded %v lines, %d skipped as unchanged, %d without raw replies, %d late, %d bytes",
		st.Lines, st.Skipped, st.NoRaw, st.Late, st.Bytes)
	if st.NoRaw > 0 {
		b.t.Errorf("%d HAProxy snapshots had no raw replies", st.NoRaw)
	}
	compareReplay(b.t, b.path, b.regs, b.haps, int(st.Late))
}

// compareReplay checks the replay of a recording against what the live
// sources published: every line is the snapshot published at its time
// (exactly), or a heartbeat repeating the last one; and every published
// snapshot is what the replay shows at its time (a snapshot not written
// because nothing changed differs at most in show info's per-second
// figures).
func compareReplay(t *testing.T, path string, regs []sources.Snapshot, haps []*haproxy.Snapshot, late int) {
	t.Helper()
	r, err := trace.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := trace.NewPlayer(r)
	var rreg []sources.Snapshot
	var rhap []*haproxy.Snapshot
	notes := 0
	for {
		in, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case in.Registry != nil:
			rreg = append(rreg, *in.Registry)
		case in.HAProxy != nil:
			rhap = append(rhap, in.HAProxy)
		default:
			notes++
		}
	}
	if w := p.Warnings(); len(w) > 0 {
		t.Errorf("replay warnings: %v", w)
	}
	if notes == 0 || len(rreg) == 0 || len(rhap) == 0 {
		t.Fatalf("replay: %d registry, %d haproxy, %d notes", len(rreg), len(rhap), notes)
	}

	exact, mismatched := 0, 0
	for i := range rreg {
		got := &rreg[i]
		if live := regAt(regs, got.At); live != nil && live.At.Equal(got.At) {
			exact++
			if d := diffReg(live, got, true); d != "" {
				mismatched++
				t.Errorf("registry line at %s: %s", got.At.Format(time.StampMicro), d)
			}
		} else if live := regBefore(regs, got.At); live == nil || diffReg(live, got, false) != "" {
			mismatched++
			t.Errorf("registry line at %s matches nothing published", got.At.Format(time.StampMicro))
		}
	}
	for _, got := range rhap {
		if live := hapAt(haps, got.Label, got.At, true); live != nil {
			exact++
			if d := diffHAP(live, got, true); d != "" {
				mismatched++
				t.Errorf("haproxy line at %s: %s", got.At.Format(time.StampMicro), d)
			}
		} else if live := hapAt(haps, got.Label, got.At, false); live == nil || diffHAP(live, got, false) != "" {
			mismatched++
			t.Errorf("haproxy line at %s matches nothing published", got.At.Format(time.StampMicro))
		}
	}
	// Every published snapshot is in the replay at its time.
	missed := 0
	for i := range regs {
		live := &regs[i]
		if got := regBefore(rreg, live.At); got == nil || diffReg(live, got, false) != "" {
			missed++
			if missed > late {
				t.Errorf("published registry snapshot at %s is not the replay's at that time", live.At.Format(time.StampMicro))
			}
		}
	}
	for _, live := range haps {
		if got := hapAt(rhap, live.Label, live.At, false); got == nil || diffHAP(live, got, false) != "" {
			missed++
			if missed > late {
				d := "nothing"
				if got != nil {
					d = diffHAP(live, got, false)
				}
				t.Errorf("published haproxy snapshot at %s (%s) is not the replay's at that time: %s",
					live.At.Format(time.StampMicro), pollOf(live), d)
			}
		}
	}
	t.Logf("replay: %d registry and %d haproxy lines (%d the very snapshot published then), %d notes; %d registry and %d haproxy snapshots published",
		len(rreg), len(rhap), exact, notes, len(regs), len(haps))
	if exact < len(rhap)/2 {
		t.Errorf("only %d of %d lines match a snapshot at their time", exact, len(rreg)+len(rhap))
	}
}

func pollOf(s *haproxy.Snapshot) string {
	if s.Raw == nil {
		return "no raw"
	}
	return s.Raw.Poll
}

func regAt(regs []sources.Snapshot, at time.Time) *sources.Snapshot {
	for i := range regs {
		if regs[i].At.Equal(at) {
			return &regs[i]
		}
	}
	return nil
}

// regBefore is the last snapshot taken at or before at.
func regBefore(regs []sources.Snapshot, at time.Time) *sources.Snapshot {
	var out *sources.Snapshot
	for i := range regs {
		if !regs[i].At.After(at) && (out == nil || !regs[i].At.Before(out.At)) {
			out = &regs[i]
		}
	}
	return out
}

// hapAt is socket label's snapshot taken at at (exact), or the last
// taken at or before it.
func hapAt(haps []*haproxy.Snapshot, label string, at time.Time, exact bool) *haproxy.Snapshot {
	var out *haproxy.Snapshot
	for _, s := range haps {
		if s.Label != label {
			continue
		}
		if exact {
			if s.At.Equal(at) {
				return s
			}
			continue
		}
		if !s.At.After(at) && (out == nil || !s.At.Before(out.At)) {
			out = s
		}
	}
	return out
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// diffReg says how two registry snapshots differ ("" when they do not).
// LastGood is compared exactly only against the snapshot of the same time:
// the live source takes it a few microseconds before At.
func diffReg(live, got *sources.Snapshot, exact bool) string {
	switch {
	case live.Kind != got.Kind || live.Address != got.Address:
		return fmt.Sprintf("source %s %s, replay %s %s", live.Kind, live.Address, got.Kind, got.Address)
	case live.State != got.State || live.Err != got.Err || live.Synced != got.Synced:
		return fmt.Sprintf("state %s %q synced %v, replay %s %q synced %v", live.State, live.Err, live.Synced, got.State, got.Err, got.Synced)
	case js(live.Services) != js(got.Services):
		return fmt.Sprintf("services\n live %s\n replay %s", js(live.Services), js(got.Services))
	case js(live.Members) != js(got.Members):
		return fmt.Sprintf("members\n live %s\n replay %s", js(live.Members), js(got.Members))
	case exact && (got.LastGood.Sub(live.LastGood) > 50*time.Millisecond || live.LastGood.Sub(got.LastGood) > 50*time.Millisecond):
		return fmt.Sprintf("last good %s, replay %s", live.LastGood, got.LastGood)
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// diffHAP says how two HAProxy snapshots differ ("" when they do not);
// not exact, show info's per-second figures are left out. So they are
// from an error line's Info, the last good one kept: a last good poll that
// moved only those was not written (the recording rules); the line's
// last_good still dates it exactly.
func diffHAP(live, got *haproxy.Snapshot, exact bool) string {
	info := func(i *haproxy.Info) string {
		if i == nil {
			return "nil"
		}
		if exact && live.Err == nil {
			return js(i)
		}
		var steady []haproxy.InfoField
		for _, f := range i.Fields {
			if !movingInfo[f.Key] {
				steady = append(steady, f)
			}
		}
		return js(steady)
	}
	rows := func(st *haproxy.Stats) string {
		if st == nil {
			return "nil"
		}
		return js(st)
	}
	switch {
	case live.Label != got.Label || live.Address != got.Address || live.Level != got.Level || live.Preview != got.Preview:
		return fmt.Sprintf("socket %s %s %s preview %v, replay %s %s %s preview %v", live.Label, live.Address, live.Level, live.Preview,
			got.Label, got.Address, got.Level, got.Preview)
	case errText(live.Err) != errText(got.Err):
		return fmt.Sprintf("error %q, replay %q", errText(live.Err), errText(got.Err))
	case info(live.Info) != info(got.Info):
		return fmt.Sprintf("info\n live %s\n replay %s", info(live.Info), info(got.Info))
	case rows(live.Stats) != rows(got.Stats):
		return "stats differ"
	case js(live.Aggregates) != js(got.Aggregates):
		return "aggregates differ"
	case js(live.Watched) != js(got.Watched):
		return "watched rows differ"
	case exact && !live.LastGood.Equal(got.LastGood):
		return fmt.Sprintf("last good %s, replay %s", live.LastGood, got.LastGood)
	}
	return ""
}

// movingInfo: show info's per-second fields (as the recorder leaves them
// out of its comparisons).
var movingInfo = map[string]bool{"Uptime": true, "Uptime_sec": true, "Idle_pct": true, "Run_queue": true,
	"Tasks": true, "CumConns": true, "CumReq": true, "ConnRate": true, "SessRate": true, "Memmax_MB": true,
	"PoolAlloc_MB": true, "PoolUsed_MB": true, "Memmax_bytes": true, "PoolAlloc_bytes": true,
	"PoolUsed_bytes": true, "TotalBytesOut": true, "BytesOutRate": true}

func rowOf(s *haproxy.Snapshot, key string) *haproxy.Row {
	if s == nil || s.Stats == nil {
		return nil
	}
	for _, rows := range [][]haproxy.Row{s.Watched, s.Stats.Rows} {
		for i := range rows {
			if rows[i].Key() == key {
				return &rows[i]
			}
		}
	}
	return nil
}

func regs(s *sources.Snapshot) int {
	n := 0
	for _, svc := range s.Services {
		n += len(svc.Registrations)
	}
	return n
}

// poller polls the socket every 100 ms with the partial-read strategy of
// a large HAProxy forced on a small one (light and partial polls, a
// preview on every new session, a watched backend), keeping raw replies.
func poller(t *testing.T, label, addr string) *hapoll.Poller {
	p := hapoll.New([]client.Options{{Label: label, Address: addr, Timeout: 5 * time.Second}}, 100*time.Millisecond)
	p.Strategy = hapoll.Strategy{FullEvery: 7, SmallRows: 0, MaxPartial: 8, PreviewServers: 1}
	p.Watch([]string{"svc_a"})
	p.KeepRaw(true)
	p.Start(context.Background())
	return p
}

// Record a ZooKeeper test bed (Nerve-style registrations, a real HAProxy)
// while it changes, replay the recording, and find what was published.
func TestRecordZooKeeperBedAndReplay(t *testing.T) {
	testenv.Need(t, "zookeeper")
	testenv.Need(t, "haproxy")
	z := testenv.ZooKeeper(t)
	b1, b2, b3 := testenv.Backend(t), testenv.Backend(t), testenv.Backend(t)
	n := z.Nerve(t, "host1")
	root := "/rec/nerve/services"
	n.Register(root+"/svc_a/services", b1.Host, b1.Port)
	n.Register(root+"/svc_b/services", b2.Host, b2.Port)
	cfg := testenv.HAProxyConfig{Services: []testenv.HAService{
		{Name: "svc_a", CheckInter: 200 * time.Millisecond, Servers: []testenv.HAServer{{Name: "host1", Addr: b1.Addr, Check: true}}},
		{Name: "svc_b", CheckInter: 200 * time.Millisecond, Servers: []testenv.HAServer{{Name: "host1", Addr: b2.Addr, Check: true}}},
	}}
	h := testenv.HAProxy(t, cfg)
	srvA, srvB := "svc_a/host1_"+b1.Addr, "svc_b/host1_"+b2.Addr

	hdr, err := trace.NewHeader(trace.HeaderConfig{Flavour: trace.FlavourZooKeeper, ZKPath: root, Registry: z.Addr,
		Sockets: map[string]string{"main": h.Socket}, Description: "round trip"})
	if err != nil {
		t.Fatal(err)
	}
	bd := newBed(t, hdr)
	src, err := zookeeper.Open(context.Background(), zookeeper.Options{Servers: []string{z.Addr}, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	p := poller(t, "main", h.Socket)
	bd.follow(src, p)

	bd.wait("registry and HAProxy up", func(reg *sources.Snapshot, hap *haproxy.Snapshot) bool {
		a := rowOf(hap, srvA)
		return reg.Synced && regs(reg) == 2 && a != nil && a.Status() == "UP"
	})
	bd.note("maint " + srvA)
	h.Command("set server " + srvA + " state maint")
	bd.wait("MAINT", func(_ *sources.Snapshot, hap *haproxy.Snapshot) bool {
		a := rowOf(hap, srvA)
		return a != nil && a.Status() == "MAINT"
	})
	bd.note("register a third instance")
	p3 := n.Register(root+"/svc_a/services", b3.Host, b3.Port, testenv.WithWeight(5))
	bd.wait("3 registrations", func(reg *sources.Snapshot, _ *haproxy.Snapshot) bool { return regs(reg) == 3 })
	if err := z.Put(root+"/svc_a", []byte("service data")); err != nil {
		t.Fatal(err)
	}
	bd.wait("service data", func(reg *sources.Snapshot, _ *haproxy.Snapshot) bool {
		return len(reg.Services) > 0 && string(reg.Services[0].Data) == "service data"
	})
	bd.note("svc_b's backend fails its checks")
	b2.SetHealthy(false)
	bd.wait("svc_b DOWN", func(_ *sources.Snapshot, hap *haproxy.Snapshot) bool {
		r := rowOf(hap, srvB)
		return r != nil && r.Status() == "DOWN"
	})
	n.Deregister(p3)
	h.Command("set server " + srvA + " state ready")
	bd.wait("deregistered and ready", func(reg *sources.Snapshot, hap *haproxy.Snapshot) bool {
		a := rowOf(hap, srvA)
		return regs(reg) == 2 && a != nil && a.Status() != "MAINT"
	})
	oldPid := h.Pid()
	bd.note("reload HAProxy")
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	bd.wait("the new HAProxy read in full", func(_ *sources.Snapshot, hap *haproxy.Snapshot) bool {
		return hap.Info != nil && hap.Info.PID != oldPid && !hap.Preview && hap.Err == nil
	})
	bd.note("ZooKeeper down")
	z.Kill()
	bd.wait("ZooKeeper lost", func(reg *sources.Snapshot, _ *haproxy.Snapshot) bool { return reg.State != sources.StateConnected })
	if err := z.Restart(); err != nil {
		t.Fatal(err)
	}
	bd.wait("ZooKeeper back", func(reg *sources.Snapshot, _ *haproxy.Snapshot) bool {
		return reg.State == sources.StateConnected && regs(reg) >= 1
	})
	bd.note("HAProxy killed")
	h.Kill()
	bd.wait("HAProxy unreachable", func(_ *sources.Snapshot, hap *haproxy.Snapshot) bool { return hap.Err != nil })
	p.Close()
	src.Close()
	bd.finish()
	c := p.Counters(0)
	if c.Light == 0 || c.Partial == 0 || c.Preview == 0 || c.Full == 0 || c.Errors == 0 {
		t.Errorf("the recording did not see every kind of poll: %+v", c)
	}
}

// The same with Serf members and tags.
func TestRecordSerfBedAndReplay(t *testing.T) {
	testenv.Need(t, "serf")
	testenv.Need(t, "haproxy")
	b1, b2 := testenv.Backend(t), testenv.Backend(t)
	node1 := testenv.Serf(t, "node1", map[string]string{"smart:svc_a_" + b1.PortString(): b1.Addr})
	node2 := testenv.Serf(t, "node2", map[string]string{"smart:svc_a_" + b2.PortString(): b2.Addr}, node1.BindAddr)
	cfg := testenv.HAProxyConfig{Services: []testenv.HAService{{Name: "svc_a", CheckInter: 200 * time.Millisecond, Servers: []testenv.HAServer{
		{Name: "node1", Addr: b1.Addr, Check: true, Weight: 50}, {Name: "node2", Addr: b2.Addr, Check: true, Weight: 50}}}}}
	h := testenv.HAProxy(t, cfg)
	srv2 := "svc_a/node2_" + b2.Addr

	hdr, err := trace.NewHeader(trace.HeaderConfig{Flavour: trace.FlavourSerf, Registry: node1.RPCAddr,
		Sockets: map[string]string{"lb": h.Socket}})
	if err != nil {
		t.Fatal(err)
	}
	bd := newBed(t, hdr)
	src, err := serf.Open(context.Background(), serf.Options{Addr: node1.RPCAddr, Reconnect: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := poller(t, "lb", h.Socket)
	bd.follow(src, p)
	bd.wait("two members, two servers", func(reg *sources.Snapshot, hap *haproxy.Snapshot) bool {
		return len(reg.Members) == 2 && regs(reg) == 2 && rowOf(hap, srv2) != nil
	})
	bd.note("serverweight 0 on node2")
	if out, err := node2.CLI("tags", "-set", "smart:serverweight=0"); err != nil {
		t.Fatal(out, err)
	}
	h.Command("set weight " + srv2 + " 0")
	bd.wait("weight 0", func(reg *sources.Snapshot, hap *haproxy.Snapshot) bool {
		r := rowOf(hap, srv2)
		for _, m := range reg.Members {
			if m.Name == "node2" && m.Tags["smart:serverweight"] == "0" {
				return r != nil && r.Weight == 0
			}
		}
		return false
	})
	bd.note("node2's agent killed")
	node2.Kill()
	h.Command("disable server " + srv2)
	bd.wait("node2 failed, MAINT", func(reg *sources.Snapshot, hap *haproxy.Snapshot) bool {
		r := rowOf(hap, srv2)
		for _, m := range reg.Members {
			if m.Name == "node2" && m.Status == "failed" {
				return r != nil && r.Status() == "MAINT"
			}
		}
		return false
	})
	bd.note("node1's agent killed")
	node1.Kill()
	bd.wait("the Serf agent lost", func(reg *sources.Snapshot, _ *haproxy.Snapshot) bool {
		return reg.State != sources.StateConnected
	})
	p.Close()
	src.Close()
	bd.finish()
}

// The header's configs: YAML is recorded as JSON, service_conf_dir files
// are merged into "services", secrets are left out, and the player builds
// the same join configuration as the console.
func TestHeaderFromTheConsoleConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf.d")
	os.Mkdir(conf, 0o700)
	os.WriteFile(filepath.Join(dir, "synapse.yaml"), []byte("service_conf_dir: conf.d\nhaproxy:\n  use_nerve_weights: true\n  socket_file_path: /run/h.sock\n  stats_password: hunter2\nservices:\n  svc_a:\n    discovery: {method: zookeeper, path: /n/svc_a/services, hosts: [zk1:2181]}\n    haproxy: {port: 1}\n"), 0o600)
	os.WriteFile(filepath.Join(conf, "svc_b.json"), []byte(`{"discovery":{"method":"zookeeper","path":"/n/svc_b/services","hosts":["zk1:2181"]},"haproxy":{"port":2,"backend_name":"be_b"}}`), 0o600)
	os.WriteFile(filepath.Join(dir, "nerve.json"), []byte(`{"instance_id":"h1","services":{"s":{"host":"1.2.3.4","port":1,"zk_hosts":["zk1:2181"],"zk_path":"/n/s/services","zk_auth":"digest:nerve:s3cret"}}}`), 0o600)
	h, err := trace.NewHeader(trace.HeaderConfig{Flavour: trace.FlavourZooKeeper, ZKPath: "/n", Registry: "zk1:2181",
		Sockets: map[string]string{"main": "/run/h.sock"}, SynapseConfig: filepath.Join(dir, "synapse.yaml"),
		NerveConfig: filepath.Join(dir, "nerve.json"), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := h.MarshalJSON()
	if strings.Contains(string(whole), "hunter2") || strings.Contains(string(whole), "s3cret") || !strings.Contains(string(whole), trace.Redacted) {
		t.Fatalf("a secret went into the header: %s", whole)
	}
	if host, _ := os.Hostname(); h.Host != host || h.Started.IsZero() {
		t.Errorf("host %q started %v", h.Host, h.Started)
	}
	var buf strings.Builder
	w, _ := trace.NewWriter(&buf, h)
	w.Close()
	r, err := trace.NewReader(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	p := trace.NewPlayer(r)
	cfg := p.StateConfig()
	if cfg.Backends["svc_a"] != "svc_a" || cfg.Backends["svc_b"] != "be_b" || !cfg.WeightsApplied {
		t.Fatalf("state config %+v", cfg)
	}
	ph := p.Header()
	nv, err := ph.Nerves()
	if err != nil || len(nv) != 1 || nv[0].InstanceID != "h1" {
		t.Fatalf("nerve %v %v", nv, err)
	}
	if p.RegistryKind() != sources.KindZooKeeper || p.RegistryAddress() != "zk1:2181" || strings.Join(p.Sockets(), ",") != "main" {
		t.Fatalf("player: %s %s %v", p.RegistryKind(), p.RegistryAddress(), p.Sockets())
	}
}
