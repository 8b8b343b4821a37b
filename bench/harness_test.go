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

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopAll()
	os.Exit(code)
}

// TestWholeProgram runs the whole-program benchmarks (issue #9) and writes
// BENCHMARKS.md. Settings come from the environment: see run.sh.
func TestWholeProgram(t *testing.T) {
	k := readKnobs(t)
	for _, bin := range []string{"tmux", "hatop", "haproxy"} {
		testenv.Need(t, bin)
	}
	testenv.Need(t, "zookeeper")
	bin := k.bin
	if bin == "" {
		bin = buildStacktui(t)
	}
	began := time.Now().UTC()
	loadBefore := loadavg()

	var hs []hapSize
	if !k.skipHAP {
		for _, n := range k.sizes {
			hs = append(hs, benchHAProxy(t, k, bin, n))
		}
	}
	var zs []*zkResult
	zkVersion := ""
	if !k.skipZK {
		z := testenv.ZooKeeper(t)
		if s, err := z.FourLetter("srvr"); err == nil {
			if l, _, _ := strings.Cut(s, "\n"); strings.HasPrefix(l, "Zookeeper version: ") {
				zkVersion, _, _ = strings.Cut(strings.TrimPrefix(l, "Zookeeper version: "), "-")
			}
		}
		var busy *testenv.HAP
		if k.zkBusy > 0 { // the same changes while the console also polls a large HAProxy
			var err error
			if busy, err = testenv.StartHAProxy(hapConfig(k.zkBusy)); err != nil {
				t.Fatalf("HAProxy with %d servers: %v", k.zkBusy, err)
			}
			defer busy.Stop()
		}
		for _, n := range k.zkSizes {
			runs := []*testenv.HAP{nil}
			if busy != nil {
				runs = append(runs, busy)
			}
			for _, h := range runs {
				r := benchZK(t, k, bin, z, n, h, k.zkBusy)
				t.Logf("zk %d (HAProxy %d): snapshot %v, TUI %v, floor %v, screen %v/%v, notify %v/%v; %s", n, r.busy, r.snapshot, r.tuiFirst, r.floor,
					r.screenMed, r.screenP99, r.notifyMed, r.notifyP99, strings.Join(r.notes, "; "))
				zs = append(zs, r)
			}
		}
	}
	load := fmt.Sprintf("%s at the start, %s at the end", loadBefore, loadavg())
	doc := report(k, began, time.Since(began), load, hs, zs, zkVersion)
	if k.skipHAP && k.skipZK { // only refresh the micro-benchmark section
		doc = replaceMicro(k.out, doc)
	}
	fmt.Println(doc)
	if err := os.WriteFile(k.out, []byte(doc), 0o644); err != nil {
		t.Fatalf("write %s: %v", k.out, err)
	}
	t.Logf("wrote %s", k.out)
}

// buildStacktui builds the binary under test from the repository root as
// `make build` and the releases do (no cgo, so no libc mapped; stripped):
// what is measured is what people run.
func buildStacktui(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "stacktui")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build stacktui: %v\n%s", err, out)
	}
	return bin
}

const (
	microBegin = "<!-- micro:begin -->"
	microEnd   = "<!-- micro:end -->"
)

// report is the whole BENCHMARKS.md.
func report(k knobs, began time.Time, took time.Duration, load string, hs []hapSize, zs []*zkResult, zkVersion string) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\nWhole-program figures measured side by side on one machine in one run by `bench/run.sh`\n")
	b.WriteString("(`make bench`); the harness is `bench/*_test.go` behind the `bench` build tag. Re-run it to refresh\nthis file; the micro-benchmark section is kept unless `MICRO_OUT` names a new `go test -bench` output.\n\n")
	fmt.Fprintf(&b, "- Date: %s (run took %v)\n", began.Format("2006-01-02 15:04 UTC"), took.Round(time.Second))
	fmt.Fprintf(&b, "- Machine: %s\n", machine())
	fmt.Fprintf(&b, "- Load average (1, 5, 15 min): %s; other work on the machine shares the 2 cores, so read the ratios\n", load)
	fmt.Fprintf(&b, "- Versions: %s\n", versions(zkVersion))
	fmt.Fprintf(&b, "- Settings: SIZES=%s IDLE=%v PRESSES=%d PRESS_GAP=%v ZKSIZES=%s CHANGES=%d; every tool in its own tmux %dx%d (TERM=screen-256color, LANG=C.UTF-8)\n\n",
		ints(k.sizes), k.idle, k.presses, k.pressGap, ints(k.zkSizes), k.changes, termW, termH)

	if len(hs) > 0 {
		b.WriteString("## HAProxy: stacktui against Debian's hatop\n\n")
		b.WriteString("A real HAProxy per size (Synapse-style config from `internal/testenv`: one frontend and backend per service,\n")
		fmt.Fprintf(&b, "%d servers a backend, health checks off, `global maxconn 1024`, admin unix socket). Each ratio is stacktui ÷ hatop at\n", perBackend)
		b.WriteString("the same refresh interval: below 1 stacktui is cheaper/faster, except for \"servers it can show\" where higher is better.\n\n")
		b.WriteString(hapTable(hs))
		b.WriteString("\n")
		b.WriteString(hapNotes(hs))
		b.WriteString("\nAgainst the floors, in the same run:\n\n")
		b.WriteString(floorTable(hs))
		b.WriteString(hapMethod)
	}
	if len(zs) > 0 {
		b.WriteString("\n## ZooKeeper: stacktui against the floors\n\n")
		fmt.Fprintf(&b, "A real ZooKeeper (`internal/testenv`) holding Nerve-style registrations (ephemeral-sequential `<name>_<seq>` with Nerve's JSON)\n")
		fmt.Fprintf(&b, "spread over %d services under `%s/<svc>/services`. stacktui runs `--read-only --zk ADDR --zk-path %s`.\n\n", zkServices, zkRoot, zkRoot)
		b.WriteString(zkTable(zs))
		b.WriteString("\n")
		b.WriteString(zkMethod)
	}
	if f := preserved(k.out, fleetBegin, fleetEnd); f != "" { // written by TestFleetScale
		b.WriteString("\n" + fleetBegin + f + fleetEnd + "\n")
	}
	b.WriteString("\n## Micro-benchmarks\n\n")
	micro := ""
	if k.microOut != "" {
		if l := microLines(k.microOut); l != "" {
			micro = fmt.Sprintf("\n`go test -run '^$' -bench . -benchmem ./haproxy/... ./state/... ./ui/... ./sources/...`, %s, same machine, same run:\n\n%s\n```\n%s```\n",
				began.Format("2006-01-02"), microKeys(benchNs(l)), l)
		}
	}
	if micro == "" {
		micro = preserved(k.out, microBegin, microEnd)
	}
	if micro == "" {
		micro = "\nNot run in this pass (run.sh with MICRO=1 runs them).\n"
	}
	b.WriteString(microBegin + micro + microEnd + "\n")
	return b.String()
}

// replaceMicro keeps the existing report at path and puts doc's
// micro-benchmark section in place of its own.
func replaceMicro(path, doc string) string {
	old, err := os.ReadFile(path)
	i := strings.Index(string(old), microBegin)
	j := strings.Index(doc, microBegin)
	if err != nil || i < 0 || j < 0 {
		return doc
	}
	return string(old[:i]) + doc[j:]
}

// microKeys sums up the micro-benchmarks the issue names.
func microKeys(ns map[string]float64) string {
	var b strings.Builder
	show := func(label, name string) {
		if v, ok := ns[name]; ok {
			fmt.Fprintf(&b, "- %s: %s per op\n", label, ms(time.Duration(v)))
		}
	}
	if p, ok := ns["BenchmarkParseStat50k"]; ok {
		if c, ok := ns["BenchmarkEncodingCSV50k"]; ok {
			fmt.Fprintf(&b, "- `show stat` of 50,000 servers: haproxy.ParseStat %s against encoding/csv %s (%s)\n",
				ms(time.Duration(p)), ms(time.Duration(c)), ratio(p, c))
		}
	}
	show("Join of 50,000 servers (state)", "BenchmarkJoin50k")
	show("Render of the 50,000-server HAProxy view (ui)", "BenchmarkRender50k")
	show("Render of the Services view over 50,000 servers (ui)", "BenchmarkRender50kServices")
	show("Update with a new 50,000-server snapshot (ui)", "BenchmarkUpdate50k")
	show("Initial ZooKeeper snapshot of 10,000 registrations (sources/zookeeper)", "BenchmarkInitialSnapshot10k")
	return b.String()
}

// loadavg is the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func ints(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

const hapMethod = `
How each figure is taken:
- *screens*: every tool runs in its own tmux server, read and driven through one tmux control-mode client
  (` + "`tmux -C attach -f ignore-size`" + `): a look at the screen is a line written to that client and its reply
  (0.1-0.7 ms here, by load), where forking a ` + "`tmux capture-pane`" + ` per look costs 1-10 ms, which blurred every latency
  and took CPU from the program measured. A wait for the screen looks again each time the program has written to the
  terminal (the client's ` + "`%output`" + ` notifications), and at least every second: it no longer polls on a clock (every
  millisecond, and back to back for the first 100 ms, before 2026-12-03 12:40 UTC), which kept tmux busy on one of the two
  cores while the program measured started or answered a key.
- *start to first full screen*: from ` + "`tmux new-session`" + ` until the screen shows the loaded default view (stacktui:
  the Services view listing every backend, its footer counting all of them; hatop: at least 20 server rows); the median
  of STARTS starts (7 by default), each in a fresh tmux server with fresh directories, with their range. From 10,000 servers
  stacktui's first screen is a preview from ` + "`show servers state`" + ` and the proxy rows (every state and service figure, no
  per-server counters; its header says ` + "`reading counters`" + `). Its floor, taken the same way just before the tools
  (STARTS starts): a fresh tmux server whose shell sends ` + "`show stat -1 3 -1; show servers state`" + ` through socat, reads
  the replies to their end and prints one line; what the host allows a program that reads what the preview reads.
- *start to every counter read*: the same (median of the same starts), until stacktui's header no longer says ` + "`reading counters`" + ` (for hatop, its first
  screen).
- *page-down to screen*: ` + "`send-keys NPage`" + ` until the screen's cursor or page changes (first 26 columns of every row
  plus reverse video, so an idle refresh does not count); stacktui in its server view (` + "`2`" + `). Presses come at random
  gaps of 0.5-1.5 x PRESS_GAP, so they meet every phase of the refresh (and stacktui's full reads). hatop moves its cursor
  10 rows per page-down, stacktui a page. The floor is ` + "`less`" + ` paging a 50,000-line file of server-like rows, timed the
  same way in the same tmux size just before the tools, in the same run.
- *CPU, RSS*: utime+stime and VmRSS (read every second; the table has the most) from /proc of the program (the tmux pane's
  process) over the idle window (IDLE, 5 minutes by default: at 50,000 servers that holds several full ` + "`show stat`" + ` reads
  and garbage collections), in the server view. *RSS peak* is VmHWM at the end of that window: the most the process ever
  had resident, start-up included.
- *bytes to the terminal*: ` + "`tmux pipe-pane`" + ` output over the idle window.
- *HAProxy CPU*: utime+stime of the haproxy process over the idle window minus HAProxy alone over a minute (baseline).
  Why stacktui asks less of HAProxy: above 2,000 rows it reads the full ` + "`show stat`" + ` every 10th poll (51st at 51,000 rows) and only the
  frontend and backend rows (` + "`show stat -1 3 -1`" + `) and the servers of the backends on screen in between (` + "`sources/hapoll`" + `
  DefaultStrategy); hatop reads the whole reply every poll (and parses its first 1,000 lines).
- *servers it can show*: the highest server index visible after End/G, +1. hatop reads at most 1,000 lines of
  ` + "`show stat`" + ` (HAPROXY_CLI_MAXLINES: header, frontend and backend rows count too), so it lists 999 rows, 980 of them
  servers, and silently drops the rest: its own "stat parser limit" warning (1,000 services) is never reached.
- *hatop* is Debian's package run as it installs it: its script under Debian's own ` + "`/usr/bin/python3`" + `.
- *` + "`snapshot --json`" + `*: the whole process (start, connect, read, join, JSON written to a file, exit) against a bare client
  that connects to the same socket, sends ` + "`show stat`" + ` and reads the reply to its end, in 31 rounds, each going first
  in every other round. The times are medians; the ratio is the median of the rounds' own ratios, with the middle half
  of them in brackets: this host's load comes in bursts that slow both sides of a round alike. The harness then checks
  that the JSON lists every server.
`

const zkMethod = `
How each figure is taken:
- *floor (snapshot)*: a minimal go-zookeeper client in the harness: connect, list the services, list each service's
  registrations and read every znode with 64 requests in flight on one session (connect included), in 31 rounds with
  ` + "`stacktui snapshot --json`" + ` (whole process, connect and JSON included; the count is checked), each going first in
  every other round. Medians of the times; the ratio is the median of the rounds' own ratios with the middle half in
  brackets (as for HAProxy's snapshot). On this 2-core host the same reads take either about 0.4 s or about 0.85 s on
  one session, and which one a round gets is chance: the first quartiles say what each takes in the fast mode.
  stacktui's one-shot read spreads the registrations over 4 sessions (ZooKeeper answers one session's requests in
  order, different sessions' side by side), so it is also timed against the same floor client over 4 sessions.
- *first full screen*: the TUI in tmux until the footer counts 100 services and every visible row's REG equals the
  registrations per service (the floor is the same client figure as above).
- *change to screen*: alternately create and delete a registration of svc000 (ephemeral-sequential, Nerve's JSON) and time
  from the request until the Services view shows the new REG count (screen polled as above); the floor is a second client's
  child watch on the same node, armed before each change, timed from the same instant (ZooKeeper's own notification latency).
- *and N HAProxy servers polled*: the same TUI figures with the console also given ` + "`--haproxy`" + ` of a real HAProxy of N
  servers (ZKBUSY), so that the registry's changes meet its polls, full reads and joins.
`
