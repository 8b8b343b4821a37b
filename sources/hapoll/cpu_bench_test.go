package hapoll

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
)

// BenchmarkHAProxyCPU measures HAProxy's own CPU time (from /proc/<pid>/stat)
// while it is polled, at 50,000 servers with checks off: idle, this
// package's strategy at a 1 s refresh (with and without a server changing
// state every 5 s), hatop's full `show stat` every 3 s, and a full
// `show stat` every 1 s. It takes minutes, so it runs only with
// HAPOLL_CPU=1:
//
//	HAPOLL_CPU=1 go test -run '^$' -bench HAProxyCPU -benchtime 1x ./sources/hapoll
//
// HAPOLL_CPU_SERVERS (default 50000) and HAPOLL_CPU_PERIOD (default 60s)
// change the scale and the measuring period.
func BenchmarkHAProxyCPU(b *testing.B) {
	if os.Getenv("HAPOLL_CPU") == "" {
		b.Skip("set HAPOLL_CPU=1 to measure HAProxy's CPU under polling (takes minutes)")
	}
	testenv.Need(b, "haproxy")
	servers := envInt("HAPOLL_CPU_SERVERS", 50000)
	period, _ := time.ParseDuration(os.Getenv("HAPOLL_CPU_PERIOD"))
	if period <= 0 {
		period = time.Minute
	}
	const perBackend = 100
	var cfg testenv.HAProxyConfig
	for bi := 0; bi*perBackend < servers; bi++ {
		svc := testenv.HAService{Name: fmt.Sprintf("svc_%d", bi)}
		for s := 0; s < perBackend && bi*perBackend+s < servers; s++ {
			svc.Servers = append(svc.Servers, testenv.HAServer{Name: fmt.Sprintf("h%d", s),
				Addr: fmt.Sprintf("10.%d.%d.%d:%d", bi/250, bi%250, s, 8000+s)})
		}
		cfg.Services = append(cfg.Services, svc)
	}
	started := time.Now()
	h := testenv.HAProxy(b, cfg)
	b.Logf("HAProxy with %d servers in %d backends started in %v", servers, len(cfg.Services), time.Since(started))
	pid := h.Pid()

	measure := func(b *testing.B, poll func(ctx context.Context)) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		time.Sleep(time.Second) // let the previous run's sessions go
		before := cpuTime(b, pid)
		go func() { defer close(done); poll(ctx) }()
		time.Sleep(period)
		cancel()
		<-done
		used := cpuTime(b, pid) - before
		pct := 100 * used.Seconds() / period.Seconds()
		b.ReportMetric(pct, "haproxy-cpu-%")
		b.ReportMetric(used.Seconds()*1000*float64(time.Minute)/float64(period), "haproxy-cpu-ms/min")
		b.Logf("HAProxy CPU %v over %v = %.2f%% of a core", used, period, pct)
	}
	b.Run("idle", func(b *testing.B) { measure(b, func(ctx context.Context) { <-ctx.Done() }) })
	b.Run("stacktui-1s", func(b *testing.B) {
		measure(b, func(ctx context.Context) { runPoller(b, ctx, h.Socket, nil) })
	})
	b.Run("stacktui-1s-changes", func(b *testing.B) {
		measure(b, func(ctx context.Context) {
			runPoller(b, ctx, h.Socket, func(i int) {
				state := []string{"drain", "ready"}[i%2]
				h.Command(fmt.Sprintf("set server svc_%d/h1_10.0.%d.1:8001 state %s", i%len(cfg.Services), i%len(cfg.Services), state))
			})
		})
	})
	b.Run("hatop-3s", func(b *testing.B) {
		measure(b, func(ctx context.Context) { fullLoop(b, ctx, h.Socket, 3*time.Second) })
	})
	b.Run("full-1s", func(b *testing.B) { measure(b, func(ctx context.Context) { fullLoop(b, ctx, h.Socket, time.Second) }) })
}

// runPoller polls with the package's default strategy at 1 s; change, if
// set, is called every 5 s to make a server change state.
func runPoller(b *testing.B, ctx context.Context, socket string, change func(int)) {
	p := New([]client.Options{{Address: socket, Timeout: 30 * time.Second}}, time.Second)
	p.Start(ctx)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for i := 0; ; {
		select {
		case <-ctx.Done():
			p.Close()
			b.Logf("polls: %+v", p.Counters(0))
			return
		case s := <-p.Updates():
			if s.Err != nil {
				b.Errorf("poll: %v", s.Err)
			}
		case <-tick.C:
			if change != nil {
				change(i)
				i++
			}
		}
	}
}

// fullLoop is hatop's poll: `show info` and a full `show stat` every d.
func fullLoop(b *testing.B, ctx context.Context, socket string, d time.Duration) {
	c, err := client.Dial(ctx, client.Options{Address: socket, Timeout: 30 * time.Second})
	if err != nil {
		b.Error(err)
		return
	}
	defer c.Close()
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		if _, err := c.ShowInfo(ctx); err != nil && ctx.Err() == nil {
			b.Error(err)
		}
		if _, err := c.ShowStat(ctx); err != nil && ctx.Err() == nil {
			b.Error(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// cpuTime is the user+system CPU time of pid so far.
func cpuTime(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
