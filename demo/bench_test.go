package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// BenchmarkStartUntilAllUp measures what the README's first command waits
// for: Start, then every server UP in HAProxy; Close is outside the timing.
func BenchmarkStartUntilAllUp(b *testing.B) {
	testenv.Need(b, "haproxy")
	for i := 0; i < b.N; i++ {
		o := quiet(filepath.Join(b.TempDir(), "demo"))
		began := time.Now()
		d, err := Start(context.Background(), o)
		if err != nil {
			b.Fatal(err)
		}
		startTook := time.Since(began)
		deadline := time.Now().Add(10 * time.Second)
		for {
			up := 0
			for k, r := range showStat(b, d.HAProxySocket) {
				if r.Status == "UP" && !strings.HasSuffix(k, "/BACKEND") {
					up++
				}
			}
			if up >= instanceCount(demoServices) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("only %d servers UP after 10s", up)
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.ReportMetric(float64(startTook.Milliseconds()), "start-ms")
		b.StopTimer()
		_ = d.Close()
		b.StartTimer()
	}
}
