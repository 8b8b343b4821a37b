//go:build bench

package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// TestRecordingCost measures what recording costs: for each size in
// RECORD_SIZES (default 1000,50000) it runs, against the same HAProxy and
// for RECORD_WINDOW (default 60s) each, `stacktui watch` (the live pipeline
// alone) and `stacktui record` to a .jsonl.gz and to a .jsonl (the same
// pipeline with the recorder tapped in), all at the default 1 s interval,
// and reports each one's CPU and the trace's size. Not part of
// TestWholeProgram: run it with
//
//	go test -tags bench -run TestRecordingCost -v -timeout 30m ./bench
func TestRecordingCost(t *testing.T) {
	testenv.Need(t, "haproxy")
	sizes := intList(t, "RECORD_SIZES", "1000,50000")
	window := duration(t, "RECORD_WINDOW", "60s")
	bin := buildStacktui(t)
	var rows []string
	for _, n := range sizes {
		h, err := testenv.StartHAProxy(hapConfig(n))
		if err != nil {
			t.Fatalf("HAProxy with %d servers: %v", n, err)
		}
		dir := t.TempDir()
		for _, run := range []struct {
			label string
			args  []string
			file  string
		}{
			{"pipeline alone (watch)", []string{"watch", "--read-only"}, ""},
			{"recording, gzip", []string{"record", "-o", filepath.Join(dir, "t.jsonl.gz")}, filepath.Join(dir, "t.jsonl.gz")},
			{"recording, plain", []string{"record", "-o", filepath.Join(dir, "t.jsonl")}, filepath.Join(dir, "t.jsonl")},
		} {
			load := loadavg()
			args := append(run.args, "--haproxy", h.Socket)
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_STATE_HOME="+dir, "XDG_CONFIG_HOME="+dir,
				"SYNAPSE_CONFIG="+filepath.Join(dir, "none"), "NERVE_CONFIG="+filepath.Join(dir, "none"))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(window)
			ticks, err := cpuTicks(cmd.Process.Pid)
			if err != nil {
				t.Fatal(err)
			}
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
			cpuSec := float64(ticks) / clkTck
			size := "—"
			if run.file != "" {
				size = fmt.Sprintf("%.1f MB", float64(fileSize(run.file))/1e6)
			}
			rows = append(rows, fmt.Sprintf("| %d | %s | %.2f s (%.2f%% of a core) | %s | %s |", n, run.label, cpuSec,
				100*cpuSec/window.Seconds(), size, load))
			t.Log(rows[len(rows)-1])
		}
		h.Stop()
	}
	fmt.Printf("\nRecording for %v at a 1 s interval (stacktui's CPU over the whole run, start-up included):\n\n", window)
	fmt.Println("| servers | run | CPU | trace size | load average |\n|---:|---|---:|---:|---|")
	fmt.Println(strings.Join(rows, "\n"))
}
