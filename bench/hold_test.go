//go:build bench

package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/internal/testenv"
)

// TestHoldHAProxy keeps one HAProxy of SIZES[0] servers (the harness's
// config) running for hand measurements and profiles: it writes the admin
// socket's path to HOLD and stops HAProxy when that file is removed (or
// after an hour). Skipped unless HOLD is set.
func TestHoldHAProxy(t *testing.T) {
	path := os.Getenv("HOLD")
	if path == "" {
		t.Skip("HOLD=file not set: a tool for hand measurements, not a check (CI never sets HOLD)")
	}
	k := readKnobs(t)
	h, err := testenv.StartHAProxy(hapConfig(k.sizes[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	if err := os.WriteFile(path, []byte(h.Socket), 0o644); err != nil {
		t.Fatal(err)
	}
	holdWhile(path)
}

// TestHoldZooKeeper keeps one ZooKeeper holding ZKSIZES[0] registrations
// (the harness's layout, on one session kept open) for hand measurements:
// it writes ZooKeeper's address to HOLDZK and stops when that file is
// removed (or after an hour). Skipped unless HOLDZK is set.
func TestHoldZooKeeper(t *testing.T) {
	path := os.Getenv("HOLDZK")
	if path == "" {
		t.Skip("HOLDZK=file not set: a tool for hand measurements, not a check (CI never sets HOLDZK)")
	}
	k := readKnobs(t)
	z := testenv.ZooKeeper(t)
	c, err := z.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // the registrations are ephemeral: they go with the session
	if err := populate(c, k.zkSizes[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(z.Addr), 0o644); err != nil {
		t.Fatal(err)
	}
	holdWhile(path)
}

// holdWhile returns when the file at path is removed, or after an hour.
func holdWhile(path string) {
	for end := time.Now().Add(time.Hour); time.Now().Before(end); time.Sleep(time.Second) {
		if _, err := os.Stat(path); err != nil {
			return
		}
	}
}

// TestChurnZooKeeper changes the registry a held ZooKeeper (HOLDZK) holds,
// for hand measurements of change to screen (with --go-trace): CHANGES
// times, about a second apart, a registration of svc000 created, then
// deleted, as the harness does. Skipped unless HOLDZK is set.
func TestChurnZooKeeper(t *testing.T) {
	path := os.Getenv("HOLDZK")
	if path == "" {
		t.Skip("HOLDZK=file not set: a tool for hand measurements, not a check (CI never sets HOLDZK)")
	}
	addr, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k := readKnobs(t)
	c, _, err := zk.Connect([]string{string(addr)}, 10*time.Second, zk.WithLogInfo(false))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chg, err := newChanger(c)
	if err != nil {
		t.Fatal(err)
	}
	for range k.changes {
		time.Sleep(500*time.Millisecond + rand.N(time.Second))
		if _, err := chg.next(0); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFirstScreenInTurn times two stacktui binaries' first screens in turn
// on one HAProxy of SIZES[0] servers, STARTS rounds, each binary going
// first in every other round: on a host whose speed moves, a harness run
// per binary cannot tell a 20 % change from the host. BINS=new,old names
// them; skipped unless it is set. The name "floor" stands for the harness's
// first-screen floor (firstScreenFloor): BINS=new,floor times how far a
// binary's first screen is from what the host allows.
func TestFirstScreenInTurn(t *testing.T) {
	bins := twoBins(t)
	k := readKnobs(t)
	n := k.sizes[0]
	h, err := testenv.StartHAProxy(hapConfig(n))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	dir, starts := t.TempDir(), 0
	start := func(bin string) func() time.Duration {
		return func() time.Duration {
			starts++
			if bin == "floor" {
				took, err := floorStart(filepath.Join(dir, fmt.Sprint(starts)), h.Socket)
				if err != nil {
					t.Logf("floor: %v", err)
					return -1
				}
				return took
			}
			tm, first, _, err := startToScreen(filepath.Join(dir, fmt.Sprint(starts)), toolRuns(bin)[0], h, n)
			if err != nil {
				t.Logf("%s: %v", bin, err)
				return -1
			}
			tm.kill()
			return first
		}
	}
	var r rounds
	r.run(k.starts, start(bins[0]), start(bins[1]))
	a, b := r.medians()
	t.Logf("%d servers, first full screen, %d rounds in turn (load %s): %s median %s (%s-%s); %s median %s (%s-%s); per round %s, %s",
		n, len(r.ours), loadavg(), bins[0], ms(a), ms(quantile(r.ours, 0)), ms(quantile(r.ours, 1)),
		bins[1], ms(b), ms(quantile(r.floor, 0)), ms(quantile(r.floor, 1)), r.ratio(), r.over())
}

// twoBins is BINS=new,old, the two binaries compared in turn; the test is
// skipped without it.
func twoBins(t *testing.T) []string {
	bins := strings.Split(os.Getenv("BINS"), ",")
	if len(bins) != 2 {
		t.Skip("BINS=new,old not set: a tool for hand measurements, not a check (CI never sets BINS)")
	}
	return bins
}

// TestZooKeeperChangeInTurn times two stacktui binaries' change to screen
// side by side: both watch one ZooKeeper of ZKSIZES[0] registrations (and
// poll one HAProxy of ZKBUSY servers), and each of CHANGES changes is
// timed on both screens at once. On a host whose speed moves, separate
// harness runs cannot tell a p99 of 25 ms from one of 30. BINS=new,old
// names them; skipped unless it is set.
func TestZooKeeperChangeInTurn(t *testing.T) {
	bins := twoBins(t)
	k := readKnobs(t)
	n := k.zkSizes[0]
	c, args := zkInTurn(t, k)
	per := n / zkServices
	terms := make([]*term, len(bins))
	for i, bin := range bins {
		dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		tm, err := startTerm(dir, toolEnv(dir), append([]string{bin}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer tm.kill()
		if _, s, err := tm.waitScreen(time.Now(), 120*time.Second, false, func(s string) bool { return allAt(s, per) }); err != nil {
			t.Fatalf("%s never showed every service at %d: %s", bin, per, firstLines(s, 8))
		}
		terms[i] = tm
	}
	time.Sleep(2 * time.Second)
	chg, err := newChanger(c)
	if err != nil {
		t.Fatal(err)
	}
	times := make([][]time.Duration, len(bins))
	slower := 0
	for i := range k.changes {
		t0 := time.Now()
		want, err := chg.next(per)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]time.Duration, len(bins))
		errs := make(chan error, len(bins))
		for b, tm := range terms {
			go func() {
				d, s, err := tm.waitScreen(t0, 20*time.Second, false, func(s string) bool { n, ok := regCount(s, "svc000"); return ok && n == want })
				if err != nil {
					err = fmt.Errorf("%s: change %d never reached the screen: %s", bins[b], i, firstLines(s, 6))
				}
				got[b] = d
				errs <- err
			}()
		}
		for range bins {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for b := range bins {
			times[b] = append(times[b], got[b])
		}
		if got[0] > got[1] {
			slower++
		}
		time.Sleep(500*time.Millisecond + rand.N(time.Second))
	}
	for b, bin := range bins {
		t.Logf("%s: change to screen median %s p99 %s max %s", bin, ms(quantile(times[b], 0.5)), ms(quantile(times[b], 0.99)), ms(quantile(times[b], 1)))
	}
	t.Logf("%d changes at %d registrations, %d HAProxy servers (load %s): %s was the slower in %d",
		k.changes, n, k.zkBusy, loadavg(), bins[0], slower)
}

// TestZooKeeperFirstScreenInTurn times two stacktui binaries' first full
// screens in turn (every visible service at its full count) on one
// ZooKeeper of ZKSIZES[0] registrations and one HAProxy of ZKBUSY servers
// (none when 0), STARTS rounds: with both sources the start-up reads share
// the two cores. It also reports when every counter was read (the header's
// "reading counters" gone). BINS=new,old names them; skipped unless it is
// set.
func TestZooKeeperFirstScreenInTurn(t *testing.T) {
	bins := twoBins(t)
	k := readKnobs(t)
	n := k.zkSizes[0]
	_, args := zkInTurn(t, k)
	per := n / zkServices
	dir, starts := t.TempDir(), 0
	counters := map[string][]time.Duration{}
	start := func(bin string) func() time.Duration {
		return func() time.Duration {
			starts++
			sub := filepath.Join(dir, fmt.Sprint(starts))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			tm, err := startTerm(sub, toolEnv(sub), append([]string{bin}, args...)...)
			if err != nil {
				t.Logf("%s: %v", bin, err)
				return -1
			}
			defer tm.kill()
			d, s, err := tm.waitScreen(t0, 120*time.Second, false, func(s string) bool { return allAt(s, per) })
			if err != nil {
				t.Logf("%s never showed every service at %d: %s", bin, per, firstLines(s, 8))
				return -1
			}
			if strings.Contains(s, "reading counters") {
				c, s, err := tm.waitScreen(t0, 120*time.Second, false, func(s string) bool { return !strings.Contains(s, "reading counters") })
				if err != nil {
					t.Logf("%s never read every counter: %s", bin, firstLines(s, 8))
					return -1
				}
				counters[bin] = append(counters[bin], c)
			}
			return d
		}
	}
	var r rounds
	r.run(k.starts, start(bins[0]), start(bins[1]))
	a, b := r.medians()
	t.Logf("%d registrations, %d HAProxy servers, first full screen, %d rounds in turn (load %s): %s median %s (%s-%s); %s median %s (%s-%s); per round %s, %s",
		n, k.zkBusy, len(r.ours), loadavg(), bins[0], ms(a), ms(quantile(r.ours, 0)), ms(quantile(r.ours, 1)),
		bins[1], ms(b), ms(quantile(r.floor, 0)), ms(quantile(r.floor, 1)), r.ratio(), r.over())
	for _, bin := range bins {
		if c := counters[bin]; len(c) > 0 {
			t.Logf("%s: every counter read, median %s (%s-%s, %d starts)", bin, ms(quantile(c, 0.5)), ms(quantile(c, 0)), ms(quantile(c, 1)), len(c))
		}
	}
}

// zkInTurn starts what the ZooKeeper comparisons in turn run against: a
// ZooKeeper holding ZKSIZES[0] registrations on the returned session (open
// until the test ends: they are ephemeral) and, with ZKBUSY, an HAProxy of
// that many servers. It returns the console's flags for both.
func zkInTurn(t *testing.T, k knobs) (*zk.Conn, []string) {
	z := testenv.ZooKeeper(t)
	c, err := z.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := populate(c, k.zkSizes[0]); err != nil {
		t.Fatal(err)
	}
	if k.zkBusy == 0 {
		return c, zkArgs(z.Addr)
	}
	h, err := testenv.StartHAProxy(hapConfig(k.zkBusy))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Stop)
	return c, append(zkArgs(z.Addr), "--haproxy", h.Socket)
}
