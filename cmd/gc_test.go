package cmd

import (
	"runtime/debug"
	"testing"
	"time"
)

// deferGC turns collection off under a heap limit and resume restores
// exactly what was set before (GOGC, GOMEMLIMIT), once.
func TestDeferGCRestoresSettings(t *testing.T) {
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "3GiB")
	oldPercent := debug.SetGCPercent(150)
	oldLimit := debug.SetMemoryLimit(3 << 30)
	defer func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}()
	resume, stop := deferGC()
	defer stop()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Fatalf("GC percent while deferred = %d, want -1 (off)", p)
	}
	if l := debug.SetMemoryLimit(-1); l != startupHeapLimit {
		t.Fatalf("memory limit while deferred = %d, want %d", l, startupHeapLimit)
	}
	resume()
	if p := debug.SetGCPercent(-1); p != 150 {
		t.Fatalf("GC percent after resume = %d, want 150", p)
	}
	debug.SetGCPercent(150)
	if l := debug.SetMemoryLimit(-1); l != 3<<30 {
		t.Fatalf("memory limit after resume = %d", l)
	}
	debug.SetGCPercent(77)
	resume() // a second call (the deadline's) changes nothing
	if p := debug.SetGCPercent(-1); p != 77 {
		t.Fatalf("a second resume reset the GC percent to %d", p)
	}
}

// Without GOMEMLIMIT, resume keeps a soft limit from the live heap, and
// stop puts the limit back.
func TestDeferGCDefaults(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}()
	resume, stop := deferGC()
	resume()
	if p := debug.SetGCPercent(-1); p != 100 {
		t.Fatalf("GC percent after resume = %d, want GOGC's default 100", p)
	}
	debug.SetGCPercent(100)
	waitFor(t, "the soft limit", func() bool { return debug.SetMemoryLimit(-1) != oldLimit }) // set in the background
	if l := debug.SetMemoryLimit(-1); l < minSoftLimit {
		t.Fatalf("soft limit %d, want at least %d", l, minSoftLimit)
	}
	stop()
	waitFor(t, "the limit put back", func() bool { return debug.SetMemoryLimit(-1) == oldLimit })
}

// waitFor gives up on cond after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no %s after 30 s", what)
		}
	}
}

// The one-shot commands collect at oneShotGCPercent, unless GOGC says.
func TestOneShotGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	t.Setenv("GOGC", "")
	oneShotGC()
	if p := debug.SetGCPercent(100); p != oneShotGCPercent {
		t.Errorf("GC percent %d, want %d", p, oneShotGCPercent)
	}
	t.Setenv("GOGC", "100")
	oneShotGC()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("GOGC=100 set, GC percent %d", p)
	}
}

// The soft limit follows the smallest recent live heap, not a peak, but
// never chokes a heap that really grew.
func TestSoftLimitFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		recent []int64
		want   int64
	}{
		{[]int64{10 * mb}, minSoftLimit},
		{[]int64{40 * mb}, 80 * mb},
		{[]int64{40 * mb, 65 * mb, 40 * mb, 41 * mb}, 80 * mb}, // a full read's peak passes
		{[]int64{40 * mb, 40 * mb, 40 * mb, 72 * mb}, 90 * mb}, // at a peak, or grown: room above it
	} {
		if got := softLimitFor(c.recent); got != c.want {
			t.Errorf("softLimitFor(%v MB) = %d MB, want %d MB", mbs(c.recent), got/mb, c.want/mb)
		}
	}
}

func mbs(b []int64) []int64 {
	out := make([]int64, len(b))
	for i, x := range b {
		out[i] = x >> 20
	}
	return out
}
