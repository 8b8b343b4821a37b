package hapoll

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// BenchmarkPollRaw measures what keeping raw replies (Poller.KeepRaw, for
// a recorder) costs stacktui per poll, against not keeping them, on a real
// HAProxy with checks off: a full read (`show info`, `show stat`, `show cli
// level`) and a light poll (`show info` and the proxy rows), at 1,000 and
// 50,000 servers. CPU is this process's (cpu-ms/op), so other load on the
// machine does not count.
//
//	go test -run '^$' -bench PollRaw -benchtime 20x ./sources/hapoll
func BenchmarkPollRaw(b *testing.B) {
	testenv.Need(b, "haproxy")
	for _, servers := range []int{1000, 50000} {
		const perBackend = 100
		var cfg testenv.HAProxyConfig
		for bi := 0; bi*perBackend < servers; bi++ {
			svc := testenv.HAService{Name: fmt.Sprintf("svc_%d", bi)}
			for s := 0; s < perBackend; s++ {
				svc.Servers = append(svc.Servers, testenv.HAServer{Name: fmt.Sprintf("h%d", s),
					Addr: fmt.Sprintf("10.%d.%d.%d:%d", bi/250, bi%250, s, 8000+s)})
			}
			cfg.Services = append(cfg.Services, svc)
		}
		h := testenv.HAProxy(b, cfg)
		for _, poll := range []string{"full", "light"} {
			for _, keep := range []bool{false, true} {
				b.Run(fmt.Sprintf("servers=%d/%s/keep=%v", servers, poll, keep), func(b *testing.B) {
					st := Strategy{FullEvery: 1, SmallRows: 1 << 30} // every poll full
					if poll == "light" {
						st = Strategy{FullEvery: 1 << 30, MaxPartial: 8}
					}
					s := &socket{opts: client.Options{Address: h.Socket, Timeout: 30 * time.Second}, strategy: st,
						cnt: &counters{}, keepRaw: func() bool { return keep }}
					defer s.close()
					ctx := context.Background()
					if snap := s.poll(ctx); snap.Err != nil { // the session and, for light polls, the first full read
						b.Fatal(snap.Err)
					}
					var m0, m1 runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&m0)
					cpu0 := procCPU()
					b.ResetTimer()
					for range b.N {
						if snap := s.poll(ctx); snap.Err != nil || (keep != (snap.Raw != nil)) {
							b.Fatalf("poll: %v, raw %v", snap.Err, snap.Raw != nil)
						}
					}
					b.StopTimer()
					cpu := procCPU() - cpu0
					runtime.ReadMemStats(&m1)
					b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
					b.ReportMetric(float64(m1.TotalAlloc-m0.TotalAlloc)/float64(b.N), "alloc-B/poll")
					b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(b.N), "allocs/poll")
					if c := s.cnt; (poll == "full") != (c.full.Load() > 1) {
						b.Fatalf("not the polls asked for: full %d light %d", c.full.Load(), c.light.Load())
					}
				})
			}
		}
		h.Stop()
	}
}

// procCPU is this process's user+system CPU time.
func procCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
