package state

import (
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// benchInput builds backends x servers HAProxy servers (one socket) and regs
// registrations spread evenly over the backends, matching by name; the other
// servers are unregistered (half MAINT, half UP).
func benchInput(backends, servers, regs int) (*sources.Snapshot, []*haproxy.Snapshot) {
	snap := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true, At: t0, LastGood: t0}
	rows := make([]haproxy.Row, 0, backends*(servers+2))
	perBackend := regs / backends
	for b := 0; b < backends; b++ {
		name := "svc_" + strconv.Itoa(b)
		svc := sources.Service{Name: name}
		rows = append(rows, haproxy.Row{Proxy: name, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"))
		for s := 0; s < servers; s++ {
			host := fmt.Sprintf("10.%d.%d.%d", b/256, b%256, s)
			server := "host" + strconv.Itoa(s) + "_" + host + ":8080"
			st := "UP"
			if s >= perBackend && s%2 == 0 {
				st = "MAINT"
			}
			rows = append(rows, haproxy.Row{Proxy: name, Type: haproxy.TypeServer, SID: int32(s + 1), Weight: 1}.WithString(haproxy.ColName, server).WithString(haproxy.ColStatus, st).WithString(haproxy.ColCheckStatus, "L7OK").WithString(haproxy.ColAddr, host+":8080"))
			if s < perBackend {
				svc.Registrations = append(svc.Registrations, sources.Registration{Service: name, Name: "host" + strconv.Itoa(s), Host: host, Port: 8080,
					Path: "/nerve/services/" + name + "/services/host" + strconv.Itoa(s) + "_0000000001", Node: "host" + strconv.Itoa(s) + "_0000000001", Seq: 1, Owner: int64(s + 1)})
			}
		}
		rows = append(rows, haproxy.Row{Proxy: name, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP"))
		snap.Services = append(snap.Services, svc)
	}
	h := &haproxy.Snapshot{Label: "local", At: t0, LastGood: t0, Stats: &haproxy.Stats{Rows: rows}}
	return snap, []*haproxy.Snapshot{h}
}

func benchJoin(b *testing.B, backends, servers, regs int) {
	reg, haps := benchInput(backends, servers, regs)
	cfg := Config{Now: t0}
	b.ReportAllocs()
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	for b.Loop() {
		v := Join(reg, haps, cfg)
		if len(v.Services) != backends {
			b.Fatal("wrong join")
		}
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	// CPU time (user+system, all threads incl. GC) per join: the machine
	// running the tests is shared, so wall time alone overstates the cost.
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) / time.Duration(b.N)
	b.ReportMetric(float64(cpu.Microseconds())/1000, "cpu-ms/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(backends*servers), "ns/server")
}

// BenchmarkJoin50k joins 50,000 servers (500 backends x 100) with 10,000
// registrations; BenchmarkJoin5k is a tenth of it, to show allocations grow
// linearly.
func BenchmarkJoin50k(b *testing.B) { benchJoin(b, 500, 100, 10000) }

// BenchmarkJoin5k is BenchmarkJoin50k at a tenth of the size.
func BenchmarkJoin5k(b *testing.B) { benchJoin(b, 50, 100, 1000) }

func TestBenchInputJoins(t *testing.T) {
	reg, haps := benchInput(5, 10, 20)
	v := Join(reg, haps, Config{Now: t0})
	for _, s := range v.Services {
		if s.Summary.Registered != 4 || s.Summary.Up != 4 || len(s.Instances) != 10 || s.Summary.Worst != CodeStaleInHAProxy {
			t.Fatalf("%s: %+v with %d instances", s.Name, s.Summary, len(s.Instances))
		}
	}
}

// TestParallelJoinMatchesSequential: the two-worker join of a large input
// gives exactly the view the one-worker join gives (run with -race).
func TestParallelJoinMatchesSequential(t *testing.T) {
	reg, haps := benchInput(60, 200, 3000) // 12,000 servers
	// A backend shared by two services, and registrations matched by address,
	// exercise the state the workers must not both touch.
	cfg := Config{Now: t0, Backends: map[string]string{"svc_1": "svc_2"}}
	old := parallelJoinRows
	defer func() { parallelJoinRows = old }()
	parallelJoinRows = 1 << 30
	seq := Join(reg, haps, cfg)
	parallelJoinRows = 1
	par := Join(reg, haps, cfg)
	if !reflect.DeepEqual(seq, par) {
		for i := range seq.Services {
			if !reflect.DeepEqual(seq.Services[i], par.Services[i]) {
				t.Fatalf("service %s differs:\nsequential %+v\nparallel   %+v", seq.Services[i].Name, seq.Services[i].Summary, par.Services[i].Summary)
			}
		}
		t.Fatal("views differ")
	}
}

// diffInputs are two Views of 50,000 servers, the second a later poll in
// which 100 servers changed state.
func diffInputs() (prev, next *View) {
	reg, haps := benchInput(500, 100, 10000)
	prev = Join(reg, haps, Config{Now: t0})
	rows := append([]haproxy.Row(nil), haps[0].Stats.Rows...)
	for i := 1; i < len(rows); i += 509 { // a prime: not always the same row of a backend
		if rows[i].IsServer() {
			rows[i].SetString(haproxy.ColStatus, "DOWN")
		}
	}
	h := *haps[0]
	h.Stats = &haproxy.Stats{Rows: rows}
	next = Join(reg, []*haproxy.Snapshot{&h}, Config{Now: t0.Add(time.Second)})
	return prev, next
}

// BenchmarkDiff50k diffs two successive Views of 50,000 servers.
func BenchmarkDiff50k(b *testing.B) {
	prev, next := diffInputs()
	b.ReportAllocs()
	for b.Loop() {
		if len(Diff(prev, next)) == 0 {
			b.Fatal("no events")
		}
	}
}

// BenchmarkDiffByMap50k is the same diff through one map of every
// instance, as Diff did before it lined services up.
func BenchmarkDiffByMap50k(b *testing.B) {
	prev, next := diffInputs()
	b.ReportAllocs()
	for b.Loop() {
		if len(diffByMap(prev, next)) == 0 {
			b.Fatal("no events")
		}
	}
}

// BenchmarkObserve50k records one View of 50,000 servers in a History
// that has seen the previous poll.
func BenchmarkObserve50k(b *testing.B) {
	prev, next := diffInputs()
	h := NewHistory(60)
	h.Observe(prev)
	b.ReportAllocs()
	for b.Loop() {
		h.last.haps = nil // as after a new reading: every instance (see BenchmarkObserveOneChange50k)
		h.Observe(next)
	}
}

// BenchmarkHistoryHeap50k reports what History keeps per instance of
// 50,000 servers after a few observations (heap-B/instance): HAProxy alone,
// every server UP with no traffic, as the bench harness's idle console.
func BenchmarkHistoryHeap50k(b *testing.B) {
	_, haps := benchInput(500, 100, 0)
	for i := range haps[0].Stats.Rows {
		if r := &haps[0].Stats.Rows[i]; r.IsServer() {
			r.SetString(haproxy.ColStatus, "UP")
		}
	}
	var views []*View
	for i := range 4 {
		views = append(views, Join(nil, haps, Config{Now: t0.Add(time.Duration(i) * time.Second)}))
	}
	n := 0
	for i := range views[0].Services {
		n += len(views[0].Services[i].Instances)
	}
	var per float64
	for b.Loop() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		h := NewHistory(historyCapacity)
		for _, v := range views {
			h.Observe(v)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		per = float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
		runtime.KeepAlive(h)
	}
	b.ReportMetric(per, "heap-B/instance")
}

// historyCapacity is live.DefaultHistorySamples (state cannot import live).
const historyCapacity = 40
