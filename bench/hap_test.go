//go:build bench

package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// perBackend servers in every generated backend (500 x 100 = 50,000).
const perBackend = 100

// hapConfig is a Synapse-style config of n servers, perBackend to a
// backend, checks off; server i is "s<i>_127.a.b.c:80", its index readable
// from the address even in hatop's 16-column name (see serverLines).
func hapConfig(n int) testenv.HAProxyConfig {
	var cfg testenv.HAProxyConfig
	for i := 0; i < n; i++ {
		if i%perBackend == 0 {
			cfg.Services = append(cfg.Services, testenv.HAService{Name: fmt.Sprintf("svc%03d", i/perBackend)})
		}
		s := &cfg.Services[len(cfg.Services)-1]
		s.Servers = append(s.Servers, testenv.HAServer{
			Name: fmt.Sprintf("s%05d", i),
			Addr: fmt.Sprintf("127.%d.%d.%d:80", 1+i>>16, (i>>8)&255, i&255),
		})
	}
	return cfg
}

// toolRun is one program at one interval against one HAProxy.
type toolRun struct {
	label    string // column header
	stacktui bool
	argv     func(sock string) []string
}

// toolRuns are the four columns: each tool at 1 s and at 3 s (hatop's
// default; stacktui's default is 1 s).
func toolRuns(bin string) []toolRun {
	st := func(iv string) func(string) []string {
		return func(sock string) []string {
			argv := []string{bin, "--read-only", "--haproxy", sock, "--refresh", iv}
			if dir := os.Getenv("RECORD_DIR"); dir != "" { // the console also records (--record)
				argv = append(argv, "--record", filepath.Join(dir, fmt.Sprintf("stacktui-%s-%d.jsonl.gz", iv, time.Now().UnixNano())))
			}
			return argv
		}
	}
	return []toolRun{
		{"stacktui 1s (default)", true, st("1s")},
		{"hatop -i 1", false, func(sock string) []string { return append(hatop(), "-s", sock, "-i", "1") }},
		{"stacktui 3s", true, st("3s")},
		{"hatop 3s (default)", false, func(sock string) []string { return append(hatop(), "-s", sock) }},
	}
}

// hatop runs Debian's hatop as the package installs it: its script under
// Debian's own /usr/bin/python3 (the script says `env python3`, and another
// python3 earlier in PATH changes its figures).
func hatop() []string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		if p, err := exec.LookPath("hatop"); err == nil {
			return []string{"/usr/bin/python3", p}
		}
	}
	return []string{"hatop"}
}

// hapResult holds one tool run's figures; negative means not measured
// (notes say why).
type hapResult struct {
	first       time.Duration   // median of firsts
	firsts      []time.Duration // start to first full screen, each start
	counters    time.Duration   // start until every counter was read (stacktui's preview is over), median
	keyMed      time.Duration
	keyP95      time.Duration
	keyN        int
	cpuPct      float64
	rssMB       float64 // the most resident over the idle window
	rssPeakMB   float64 // the most ever resident (VmHWM): start-up included
	bytesPerSec float64
	hapMsPerMin float64 // HAProxy CPU ms per minute above the baseline
	shown       int
	notes       []string
}

func (r *hapResult) note(f string, a ...any) { r.notes = append(r.notes, fmt.Sprintf(f, a...)) }

// hapSize is every run at one size.
type hapSize struct {
	servers    int
	baselineMs float64 // HAProxy CPU ms per minute with no client
	less       keyFloor
	snap       snapFigure
	screen     screenFloor
	runs       []*hapResult
	labels     []string
}

// benchHAProxy runs every tool against a fresh HAProxy of n servers.
func benchHAProxy(t *testing.T, k knobs, bin string, n int) hapSize {
	cfg := hapConfig(n)
	start := time.Now()
	h, err := testenv.StartHAProxy(cfg)
	if err != nil {
		t.Fatalf("HAProxy with %d servers: %v", n, err)
	}
	defer h.Stop()
	t.Logf("%d servers: HAProxy pid %d up in %v", n, h.Pid(), time.Since(start).Round(time.Millisecond))
	out := hapSize{servers: n}

	// Baseline: HAProxy alone (nearly nothing: a minute tells).
	time.Sleep(2 * time.Second)
	a, err := cpuTicks(h.Pid())
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	time.Sleep(min(k.idle, time.Minute))
	b, err := cpuTicks(h.Pid())
	if err != nil {
		t.Fatal(err)
	}
	out.baselineMs = perMinute(b-a, time.Since(t0))
	t.Logf("%d servers: HAProxy alone %.0f ms CPU/min", n, out.baselineMs)

	// The floor for keys, in the same run: less paging a 50,000-line file.
	out.less = lessFloor(t, k)
	t.Logf("%d servers: less page-down median %v p95 %v (n=%d) %s", n, out.less.med, out.less.p95, out.less.n, out.less.note)
	// snapshot --json against the raw `show stat` it is made from.
	out.snap = snapshotVsRaw(bin, h.Socket, n)
	t.Logf("%d servers: snapshot --json %v, raw show stat %v %s", n, out.snap.snapshot, out.snap.raw, out.snap.note)
	// The first screen's floor, right before the tools' first screens.
	out.screen = firstScreenFloor(h.Socket, k.starts)
	t.Logf("%d servers: first screen floor %v %v %s", n, out.screen.med, out.screen.starts, out.screen.note)

	for _, tr := range toolRuns(bin) {
		r := notMeasured()
		if k.wants(tr.label) {
			r = runTool(t, k, tr, h, n)
		} else {
			r.note("not run (TOOLS)")
		}
		if r.hapMsPerMin >= 0 {
			r.hapMsPerMin -= out.baselineMs
		}
		t.Logf("%d servers, %s: first %v, key median %v p95 %v (n=%d), cpu %.2f%%, rss %.1f MB (peak %.1f MB), %.0f B/s, haproxy %+.0f ms/min, shows %d; %s",
			n, tr.label, r.first, r.keyMed, r.keyP95, r.keyN, r.cpuPct, r.rssMB, r.rssPeakMB, r.bytesPerSec, r.hapMsPerMin, r.shown, strings.Join(r.notes, "; "))
		out.runs = append(out.runs, r)
		out.labels = append(out.labels, tr.label)
	}
	return out
}

// perMinute turns clock ticks over d into CPU milliseconds per minute.
func perMinute(ticks int64, d time.Duration) float64 {
	return float64(ticks) * 1000 / clkTck * float64(time.Minute) / float64(d)
}

// notMeasured is a result with no figure yet.
func notMeasured() *hapResult {
	return &hapResult{first: -1, counters: -1, keyMed: -1, keyP95: -1, cpuPct: -1, rssMB: -1, rssPeakMB: -1, bytesPerSec: -1, hapMsPerMin: -1, shown: -1}
}

// runTool measures one program: first screen, idle costs, keypresses and
// how many servers it can show. Failures become notes, not test failures,
// so one tool's trouble does not hide the other figures.
func runTool(t *testing.T, k knobs, tr toolRun, h *testenv.HAP, n int) *hapResult {
	r := notMeasured()
	dir, err := os.MkdirTemp("", "stb-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// 1. First full screen and every counter read, from k.starts starts in
	// fresh tmux servers, the last one kept for what follows: a single
	// start on a shared host moved by ±50 ms from run to run.
	var firsts, counters []time.Duration
	var tm *term
	for i := range k.starts {
		st, first, count, err := startToScreen(filepath.Join(dir, fmt.Sprint(i)), tr, h, n)
		if err != nil {
			r.note("%v", err)
			return r
		}
		firsts, counters = append(firsts, first), append(counters, count)
		if i < k.starts-1 {
			st.kill()
			continue
		}
		tm = st
	}
	defer tm.kill()
	r.first, r.firsts = quantile(firsts, 0.5), firsts
	r.counters = quantile(counters, 0.5)

	// stacktui opens on Services; its server list is view 2.
	if tr.stacktui {
		if err := tm.keys("2"); err == nil {
			_, _, err = tm.waitScreen(time.Now(), 30*time.Second, false, func(s string) bool { c, _ := serverLines(s); return c >= 20 })
		}
		if err != nil {
			r.note("server view (2): %v", err)
			return r
		}
	}
	time.Sleep(2 * time.Second)

	// 2. Idle: CPU, RSS, bytes to the terminal, HAProxy's CPU.
	idle(t, k, tm, h, r)

	// 3. Keypress to screen.
	keypresses(k, tm, r)

	// 4. How many servers it can show: go to the bottom and read the last one.
	before := cursorSig(tm.capture(true))
	if err := tm.keys("End"); err == nil {
		_, _, err = tm.waitScreen(time.Now(), 30*time.Second, true, func(s string) bool { return cursorSig(s) != before })
	}
	time.Sleep(500 * time.Millisecond)
	last := tm.capture(false)
	if _, max := serverLines(last); max >= 0 {
		r.shown = max + 1
	}
	if strings.Contains(last, "stat parser limit") {
		r.note("hatop: \"reached the stat parser limit (1000)\"")
	}
	if tr.stacktui {
		if k, tot, ok := footerPos(last); ok {
			r.note("bottom row %d/%d", k, tot)
		}
	}
	return r
}

// startToScreen starts the tool in a fresh tmux server, with its own
// directories under dir, and times its first full screen and, for stacktui,
// the screen where every counter is read. The term is the caller's to kill.
func startToScreen(dir string, tr toolRun, h *testenv.HAP, n int) (*term, time.Duration, time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, 0, err
	}
	envv := toolEnv(dir)
	start := time.Now()
	tm, err := startTerm(dir, envv, tr.argv(h.Socket)...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("did not start: %v", err)
	}
	services := (n + perBackend - 1) / perBackend
	ready := func(s string) bool {
		if tr.stacktui { // default Services view, every backend listed
			_, total, ok := footerPos(s)
			return ok && total == services
		}
		c, _ := serverLines(s) // hatop's default view: a screen of server rows
		return c >= 20
	}
	first, screen, err := tm.waitScreen(start, 180*time.Second, false, ready)
	if err != nil {
		tm.kill()
		return nil, 0, 0, fmt.Errorf("no full screen: %v", firstLines(screen, 6))
	}
	counters := first
	if tr.stacktui && strings.Contains(screen, "reading counters") { // a preview: states in, counters follow
		counters, screen, err = tm.waitScreen(start, 180*time.Second, false, func(s string) bool { return ready(s) && !strings.Contains(s, "reading counters") })
		if err != nil {
			tm.kill()
			return nil, 0, 0, fmt.Errorf("counters never read: %v", firstLines(screen, 6))
		}
	}
	return tm, first, counters, nil
}

// idle measures the quiet program over k.idle.
func idle(t *testing.T, k knobs, tm *term, h *testenv.HAP, r *hapResult) {
	file := filepath.Join(tm.dir, "pty.out")
	if err := tm.pipe(file); err != nil {
		r.note("pipe-pane: %v", err)
		return
	}
	defer tm.unpipe()
	time.Sleep(100 * time.Millisecond)
	size0 := fileSize(file)
	c0, err1 := cpuTicks(tm.pid)
	h0, err2 := cpuTicks(h.Pid())
	if err1 != nil || err2 != nil {
		r.note("idle: %v %v", err1, err2)
		return
	}
	t0 := time.Now()
	var maxRSS int64
	for time.Since(t0) < k.idle {
		time.Sleep(min(time.Second, k.idle-time.Since(t0)))
		if kb, err := rssKB(tm.pid, "VmRSS"); err == nil && kb > maxRSS {
			maxRSS = kb
		}
	}
	if kb, err := rssKB(tm.pid, "VmHWM"); err == nil {
		r.rssPeakMB = float64(kb) / 1024
	}
	c1, err1 := cpuTicks(tm.pid)
	h1, err2 := cpuTicks(h.Pid())
	el := time.Since(t0)
	size1 := fileSize(file)
	if err1 != nil || err2 != nil {
		r.note("idle: %v %v", err1, err2)
		return
	}
	r.cpuPct = float64(c1-c0) / clkTck / el.Seconds() * 100
	r.rssMB = float64(maxRSS) / 1024
	r.bytesPerSec = float64(size1-size0) / el.Seconds()
	r.hapMsPerMin = perMinute(h1-h0, el)
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// keypresses times k.presses page-downs, each from send-keys until the
// cursor or page (cursorSig) changes, about k.pressGap apart. At the bottom a page-down changes
// nothing: then Home (untimed) and go on.
func keypresses(k knobs, tm *term, r *hapResult) {
	var ds []time.Duration
	phase := time.Now()
	resets := 0
	for len(ds) < k.presses && time.Since(phase) < 4*time.Minute+time.Duration(k.presses)*k.pressGap {
		screen := tm.capture(true)
		if at, total, ok := footerPos(sgrRE.ReplaceAllString(screen, "")); ok && total-at < 2*termH {
			// stacktui near the bottom: back to the top, untimed.
			_ = tm.keys("Home")
			_, screen, _ = tm.waitScreen(time.Now(), 20*time.Second, true, func(s string) bool { return cursorSig(s) != cursorSig(screen) })
			time.Sleep(30 * time.Millisecond)
			screen = tm.capture(true)
		}
		before := cursorSig(screen)
		t0 := time.Now()
		if err := tm.keys("NPage"); err != nil {
			r.note("send-keys: %v", err)
			break
		}
		d, _, err := tm.waitScreen(t0, 20*time.Second, true, func(s string) bool { return cursorSig(s) != before })
		if err == nil {
			ds = append(ds, d)
			// Presses at random times 0.5-1.5 s apart, as a person's
			// are: they land at every phase of the refresh cycle, and
			// 50 of them span several of stacktui's full reads.
			time.Sleep(k.pressGap/2 + time.Duration(rand.Int64N(int64(k.pressGap))))
			continue
		}
		if resets++; resets > 3+k.presses/5 {
			r.note("page-down stopped changing the screen after %d presses", len(ds))
			break
		}
		before = cursorSig(tm.capture(true))
		_ = tm.keys("Home")
		_, _, _ = tm.waitScreen(time.Now(), 20*time.Second, true, func(s string) bool { return cursorSig(s) != before })
	}
	if len(ds) < k.presses {
		r.note("%d of %d page-downs measured", len(ds), k.presses)
	}
	if len(ds) > 0 {
		r.keyMed, r.keyP95, r.keyN = quantile(ds, 0.5), quantile(ds, 0.95), len(ds)
	}
}

// firstLines is the start of a screen, for notes.
func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " / ")
}
