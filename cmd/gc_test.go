package cmd

import (
	"runtime/debug"
	"testing"
)

// deferGC turns collection off under a heap limit and resume restores
// exactly what was set before (GOGC, GOMEMLIMIT), once.
func TestDeferGCRestoresSettings(t *testing.T) {
	oldPercent := debug.SetGCPercent(150)
	oldLimit := debug.SetMemoryLimit(3 << 30)
	defer func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}()
	resume := deferGC()
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
