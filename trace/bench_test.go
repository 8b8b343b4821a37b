package trace_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy/client"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources/hapoll"
	"github.com/stacktui/stacktui/trace"
)

func procCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// showStat builds a `show stat` of backends x 100 servers from the rows of
// a real HAProxy 2.6 capture, with counters that differ from row to row,
// and its `show stat -1 3 -1` (the proxy rows).
func showStat(tb testing.TB, backends int) (full, proxies string) {
	capture, err := os.ReadFile(filepath.Join("..", "haproxy", "testdata", "stale-session-show-stat.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(string(capture), "\n")
	var srv, be string
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "svc_a,ss-accept-host_127.0.0.1:31001,"); ok {
			srv = rest
		}
		if rest, ok := strings.CutPrefix(l, "svc_a,BACKEND,"); ok {
			be = rest
		}
	}
	var f, p strings.Builder
	f.WriteString(lines[0] + "\n")
	p.WriteString(lines[0] + "\n")
	n := 0
	for b := range backends {
		for s := range 100 {
			n++
			row := strings.Replace(srv, "0,0,0,0,,0,0,0,", fmt.Sprintf("%d,%d,%d,%d,,%d,%d,%d,", n%7, n%13, n%100, n%1000, n*31, n*977, n*1531), 1)
			fmt.Fprintf(&f, "service_%d,host%d_10.%d.%d.%d:%d,%s\n", b, s, b/256, b%256, s, 31000+s, row)
		}
		fmt.Fprintf(&f, "service_%d,BACKEND,%s\n", b, be)
		fmt.Fprintf(&p, "service_%d,BACKEND,%s\n", b, be)
	}
	return f.String(), p.String()
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkRecordLine is what writing one HAProxy line costs the recorder
// (JSON encoding and gzip, on its own goroutine): a full read's line and a
// light poll's line at 1,000 and 50,000 servers. gz-B/op is its size in
// the .jsonl.gz file. With the poller's default strategy a minute at 1 s
// is 60 full lines at 1,000 servers (up to 2,000 rows every poll is
// full), and at 50,000 about 1.2 full lines and 59 light ones.
func BenchmarkRecordLine(b *testing.B) {
	info, err := os.ReadFile(filepath.Join("..", "haproxy", "testdata", "states-show-info.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, servers := range []int{1000, 50000} {
		full, proxies := showStat(b, servers/100)
		for _, kind := range []string{"full", "light"} {
			b.Run(fmt.Sprintf("servers=%d/%s", servers, kind), func(b *testing.B) {
				h := &trace.HAProxy{Socket: "main", ShowInfo: string(info), Poll: kind}
				if kind == "full" {
					h.ShowStat = full
				} else {
					h.Light = &trace.HAProxyLight{Proxies: proxies}
				}
				out := &countWriter{}
				w, err := trace.NewGzipWriter(out, trace.Header{})
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				cpu0 := procCPU()
				b.ResetTimer()
				for i := range b.N {
					if err := w.Write(trace.Line{T: t0.Add(time.Duration(i) * time.Second), Kind: trace.KindHAProxy, HAProxy: h}); err != nil {
						b.Fatal(err)
					}
					w.Flush()
				}
				b.StopTimer()
				cpu := procCPU() - cpu0
				w.Close()
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
				b.ReportMetric(float64(out.n)/float64(b.N), "gz-B/op")
			})
		}
	}
}

// BenchmarkRecordMinute records a real HAProxy polled at 1 s with the
// default strategy, idle, with checks off, for a period (TRACE_BENCH_PERIOD,
// default 60 s) at 1,000 and 50,000 servers: the bytes a minute of
// recording writes, and the CPU it costs this process over the same
// polling without a recorder. It takes minutes, so it runs only with
// TRACE_RECORD_BENCH=1:
//
//	TRACE_RECORD_BENCH=1 go test -run '^$' -bench RecordMinute -benchtime 1x ./trace
func BenchmarkRecordMinute(b *testing.B) {
	if os.Getenv("TRACE_RECORD_BENCH") == "" {
		b.Skip("set TRACE_RECORD_BENCH=1 to measure a minute of recording (takes minutes)")
	}
	testenv.Need(b, "haproxy")
	period, _ := time.ParseDuration(os.Getenv("TRACE_BENCH_PERIOD"))
	if period <= 0 {
		period = time.Minute
	}
	perMin := func(x float64) float64 { return x * float64(time.Minute) / float64(period) }
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
		// run polls for the period, recording to path when it is not "".
		run := func(b *testing.B, path string) (cpu time.Duration, st trace.RecorderStats, polls hapoll.Counters) {
			p := hapoll.New([]client.Options{{Label: "main", Address: h.Socket, Timeout: 30 * time.Second}}, time.Second)
			var rec *trace.Recorder
			if path != "" {
				hdr, _ := trace.NewHeader(trace.HeaderConfig{Sockets: map[string]string{"main": h.Socket}})
				w, err := trace.Create(path, hdr)
				if err != nil {
					b.Fatal(err)
				}
				rec = trace.NewRecorder(w, trace.RecorderOptions{})
				p.KeepRaw(true)
			}
			ctx, cancel := context.WithTimeout(context.Background(), period)
			defer cancel()
			cpu0 := procCPU()
			p.Start(ctx)
			for {
				select {
				case s := <-p.Updates():
					if rec != nil {
						rec.HAProxy(&s)
					}
					continue
				case <-ctx.Done():
				}
				break
			}
			p.Close()
			if rec != nil {
				if err := rec.Close(); err != nil {
					b.Fatal(err)
				}
				st = rec.Stats()
			}
			return procCPU() - cpu0, st, p.Counters(0)
		}
		b.Run(fmt.Sprintf("servers=%d", servers), func(b *testing.B) {
			base, _, basePolls := run(b, "")
			path := filepath.Join(b.TempDir(), "rec.jsonl.gz")
			withRec, st, polls := run(b, path)
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			extra := withRec - base
			b.ReportMetric(perMin(float64(fi.Size())), "gz-B/min")
			b.ReportMetric(perMin(float64(st.Bytes)), "raw-B/min")
			b.ReportMetric(perMin(float64(st.Lines[trace.KindHAProxy])), "lines/min")
			b.ReportMetric(perMin(float64(extra.Milliseconds())), "rec-cpu-ms/min")
			b.ReportMetric(perMin(float64(base.Milliseconds())), "poll-cpu-ms/min")
			b.Logf("%d servers, %v: without recording %v CPU (%+v); recording %v CPU (%+v), %d lines, %d skipped, %d bytes (%d gzipped)",
				servers, period, base, basePolls, withRec, polls, st.Lines[trace.KindHAProxy], st.Skipped, st.Bytes, fi.Size())
			checkReplays(b, path)
		})
		h.Stop()
	}
}

// checkReplays reads a recording through the Player: every line decodes.
func checkReplays(b *testing.B, path string) {
	r, err := trace.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	p := trace.NewPlayer(r)
	n := 0
	for {
		in, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if in.HAProxy != nil && (in.HAProxy.Err != nil || in.HAProxy.Stats == nil) {
			b.Fatalf("line %d: %+v", in.Line, in.HAProxy.Err)
		}
		n++
	}
	if w := p.Warnings(); len(w) > 0 || n == 0 {
		b.Fatalf("%d inputs, warnings %v", n, w)
	}
}
