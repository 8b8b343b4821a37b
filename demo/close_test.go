package demo

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// TestCloseStopsEveryGoroutineAndProcess runs a busy demo (chaos, load, a
// reload) and checks that Close leaves no goroutine and no HAProxy
// generation behind.
func TestCloseStopsEveryGoroutineAndProcess(t *testing.T) {
	testenv.Need(t, "haproxy")
	before := runtime.NumGoroutine()
	o := Options{Dir: filepath.Join(t.TempDir(), "demo"), ChaosEvery: 300 * time.Millisecond, ChaosFor: time.Second, Seed: 3}
	d := startDemo(t, o)
	if out, err := exec.Command("sh", "-c", d.ReloadCommand).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v %s", d.ReloadCommand, err, out)
	}
	eventually(t, settle, func() (bool, string) {
		return d.synapse.reloads.Load() == 1, "no reload yet"
	})
	time.Sleep(time.Second) // let chaos and load run

	d.hap.mu.Lock()
	var pids []int
	for pid := range d.hap.procs {
		pids = append(pids, pid)
	}
	d.hap.mu.Unlock()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("haproxy pid %d still there after Close (kill 0: %v)", pid, err)
		}
	}
	assertGone(t, o.Dir)
	eventually(t, settle, func() (bool, string) {
		n := runtime.NumGoroutine()
		return n <= before+1, fmt.Sprintf("%d goroutines after Close, %d before Start", n, before)
	})
}
