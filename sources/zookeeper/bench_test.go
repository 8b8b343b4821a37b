package zookeeper

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
)

const (
	benchRoot     = "/bench/nerve/services"
	benchServices = 100
	benchPerSvc   = 100
)

var benchOnce sync.Once

// seedBench creates 100 services x 100 Nerve registrations (persistent, so
// they outlive the creating session), pipelined.
func seedBench(b testing.TB, z *testenv.ZK) {
	benchOnce.Do(func() {
		c, err := z.Connect()
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		var parents []string
		for _, p := range []string{"/bench", "/bench/nerve", benchRoot} {
			parents = append(parents, p)
		}
		for s := range benchServices {
			svc := fmt.Sprintf("%s/svc_%03d", benchRoot, s)
			parents = append(parents, svc, svc+"/services")
		}
		for _, p := range parents {
			if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
				b.Fatal(err)
			}
		}
		var errMu sync.Mutex
		var firstErr error
		parallel(benchServices*benchPerSvc, func(i int) {
			s, n := i/benchPerSvc, i%benchPerSvc
			p := fmt.Sprintf("%s/svc_%03d/services/host-%03d_%010d", benchRoot, s, n, n)
			data := fmt.Sprintf(`{"host":"10.%d.%d.1","port":%d,"name":"host-%03d"}`, s, n, 31000+n, n)
			if _, err := c.Create(p, []byte(data), 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
				errMu.Lock()
				firstErr = err
				errMu.Unlock()
			}
		})
		if firstErr != nil {
			b.Fatal(firstErr)
		}
	})
}

// BenchmarkInitialSnapshot10k measures Open until the first synced snapshot
// of 10,000 registrations in 100 services, against the floor: a minimal
// fetch of the same nodes (new session, list, Get) with InFlight requests
// outstanding. It reports both and their ratio (target: within 1.2x).
func BenchmarkInitialSnapshot10k(b *testing.B) {
	z := sharedZK(b)
	seedBench(b, z)
	quiet := slog.New(slog.DiscardHandler)
	var ours, floor, oursCPU, floorCPU time.Duration
	b.ResetTimer()
	for b.Loop() {
		cpu0 := cpuTime()
		start := time.Now()
		s, err := Open(context.Background(), Options{Servers: []string{z.Addr}, Root: benchRoot, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		for u := range s.Updates() {
			if synced(u.Snapshot, nil) {
				if n := countRegs(u.Snapshot.Services); n != benchServices*benchPerSvc {
					b.Fatalf("snapshot has %d registrations", n)
				}
				break
			}
		}
		ours += time.Since(start)
		oursCPU += cpuTime() - cpu0
		b.StopTimer()
		s.Close()
		cpu0 = cpuTime()
		floor += floorFetch(b, z.Addr)
		floorCPU += cpuTime() - cpu0
		b.StartTimer()
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((ours/n).Microseconds())/1000, "ms/snapshot")
	b.ReportMetric(float64((floor/n).Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(ours)/float64(floor), "x-floor")
	// The client's own CPU (the server is another process): on a 2-core
	// host it is taken from the server answering it.
	b.ReportMetric(float64((oursCPU/n).Microseconds())/1000, "cpu-ms/snapshot")
	b.ReportMetric(float64((floorCPU/n).Microseconds())/1000, "floor-cpu-ms")
}

// cpuTime is this process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// floorFetch is the least work that reads the same registrations: a new
// session, the service list, each service's children, every node's data,
// InFlight requests at a time, no watches, no decoding.
func floorFetch(b testing.TB, addr string) time.Duration {
	start := time.Now()
	ev := make(chan zk.Event, 16)
	c, _, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false),
		zk.WithLogger(zkLogger{log: slog.New(slog.DiscardHandler)}),
		zk.WithEventCallback(func(e zk.Event) {
			if e.State == zk.StateHasSession {
				select {
				case ev <- e:
				default:
				}
			}
		}))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	<-ev
	svcs, _, err := c.Children(benchRoot)
	if err != nil {
		b.Fatal(err)
	}
	kids := make([][]string, len(svcs))
	parallel(len(svcs), func(i int) {
		kids[i], _, _ = c.Children(benchRoot + "/" + svcs[i] + "/services")
	})
	var paths []string
	for i, ks := range kids {
		for _, k := range ks {
			paths = append(paths, benchRoot+"/"+svcs[i]+"/services/"+k)
		}
	}
	var got sync.WaitGroup
	got.Add(len(paths))
	parallel(len(paths), func(i int) {
		defer got.Done()
		if _, _, err := c.Get(paths[i]); err != nil {
			b.Error(err)
		}
	})
	got.Wait()
	if len(paths) != benchServices*benchPerSvc {
		b.Fatalf("floor read %d nodes", len(paths))
	}
	return time.Since(start)
}

func countRegs(svcs []sources.Service) int {
	n := 0
	for _, s := range svcs {
		n += len(s.Registrations)
	}
	return n
}

// BenchmarkWatchLatency measures how long a registration takes from the
// registrar's Create returning to the Update that carries its event.
func BenchmarkWatchLatency(b *testing.B) {
	z := sharedZK(b)
	root := uniqRoot(b)
	s, err := Open(context.Background(), Options{Servers: []string{z.Addr}, Root: root, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for u := range s.Updates() {
		if synced(u.Snapshot, nil) {
			break
		}
	}
	n := z.Nerve(b, "lat")
	var total time.Duration
	for b.Loop() {
		p := n.Register(root+"/svc/services", "10.0.0.1", 1)
		start := time.Now()
		for u := range s.Updates() {
			if hasEvent(u.Events, sources.EventRegistered, p) != nil {
				break
			}
		}
		total += time.Since(start)
		n.Deregister(p)
	}
	b.ReportMetric(float64((total/time.Duration(b.N)).Microseconds())/1000, "ms-to-event")
}
