//go:build bench

package bench

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// knobs are the harness settings, from the environment (see run.sh).
type knobs struct {
	sizes    []int         // HAProxy servers (SIZES)
	idle     time.Duration // idle window (IDLE)
	presses  int           // page-downs per tool (PRESSES)
	starts   int           // starts timed to the first screen, per tool (STARTS)
	pressGap time.Duration // mean time between page-downs (PRESS_GAP)
	zkSizes  []int         // ZooKeeper registrations (ZKSIZES)
	changes  int           // znode changes (CHANGES)
	zkBusy   int           // HAProxy servers polled during the ZooKeeper changes too (ZKBUSY; 0: none)
	out      string        // report path (OUT)
	microOut string        // file holding micro-benchmark output (MICRO_OUT)
	skipHAP  bool          // SKIP_HAPROXY=1
	skipZK   bool          // SKIP_ZK=1
	tools    []string      // TOOLS: run only the tool columns whose label contains one of these (empty: all)
	bin      string        // BIN: a prebuilt stacktui to measure (another commit); empty builds this tree
}

// wants reports whether the tool column labelled label is to run.
func (k knobs) wants(label string) bool {
	if len(k.tools) == 0 {
		return true
	}
	for _, t := range k.tools {
		if strings.Contains(label, t) {
			return true
		}
	}
	return false
}

// readKnobs reads the environment, with the defaults.
func readKnobs(t *testing.T) knobs {
	k := knobs{
		sizes:    intList(t, "SIZES", "1000,10000,50000"),
		idle:     duration(t, "IDLE", "5m"),
		presses:  intList(t, "PRESSES", "50")[0],
		starts:   max(1, intList(t, "STARTS", "7")[0]),
		pressGap: duration(t, "PRESS_GAP", "1s"),
		zkSizes:  intList(t, "ZKSIZES", "1000,10000"),
		changes:  intList(t, "CHANGES", "100")[0],
		zkBusy:   intList(t, "ZKBUSY", "50000")[0],
		out:      env("OUT", "../BENCHMARKS.md"),
		microOut: os.Getenv("MICRO_OUT"),
		skipHAP:  os.Getenv("SKIP_HAPROXY") == "1",
		skipZK:   os.Getenv("SKIP_ZK") == "1",
		bin:      os.Getenv("BIN"),
	}
	for _, t := range strings.Split(os.Getenv("TOOLS"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			k.tools = append(k.tools, t)
		}
	}
	return k
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func intList(t *testing.T, name, def string) []int {
	var out []int
	for _, f := range strings.Split(env(name, def), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			t.Fatalf("%s=%q: want comma-separated non-negative integers", name, env(name, def))
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		out = []int{0}
	}
	return out
}

func duration(t *testing.T, name, def string) time.Duration {
	d, err := time.ParseDuration(env(name, def))
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive Go duration such as 60s", name, env(name, def))
	}
	return d
}
