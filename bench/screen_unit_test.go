package bench

import (
	"bufio"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProcTicks(t *testing.T) {
	// A real line from /proc/<pid>/stat with a name holding ") (".
	line := "4242 (odd) (name) S 1 4242 4242 0 -1 4194560 2150 0 0 0 37 12 0 0 20 0 3 0 12345 123456789 3000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
	got, err := procTicks(line)
	if err != nil || got != 49 {
		t.Fatalf("procTicks = %d, %v; want 49", got, err)
	}
	if _, err := procTicks("4242 (short) S 1"); err == nil {
		t.Fatal("procTicks accepted a truncated line")
	}
	if _, err := procTicks("garbage"); err == nil {
		t.Fatal("procTicks accepted a line without ')'")
	}
}

func TestProcRSS(t *testing.T) {
	got, err := procRSSKB("Name:\tx\nVmPeak:\t  100 kB\nVmRSS:\t   5120 kB\nThreads: 3\n")
	if err != nil || got != 5120 {
		t.Fatalf("procRSSKB = %d, %v; want 5120", got, err)
	}
	if hwm, err := procStatusKB("VmHWM:\t  9000 kB\nVmRSS:\t   5120 kB\n", "VmHWM"); err != nil || hwm != 9000 {
		t.Fatalf("procStatusKB(VmHWM) = %d, %v; want 9000", hwm, err)
	}
	if _, err := procRSSKB("Name:\tkthreadd\n"); err == nil {
		t.Fatal("procRSSKB found RSS where there is none")
	}
}

func TestFooterAndServers(t *testing.T) {
	screen := "stacktui  RO\n    s00042_127.1.0.42:80   1 UP\n    s00355_127.1.1.99:80  1 UP\n..7.1.0.12:80  1 -\n\n? help · q quit        17/1020\n\n"
	k, n, ok := footerPos(screen)
	if !ok || k != 17 || n != 1020 {
		t.Fatalf("footerPos = %d/%d %v", k, n, ok)
	}
	if _, _, ok := footerPos("no counter here\n"); ok {
		t.Fatal("footerPos found a counter in a line without one")
	}
	c, max := serverLines(screen)
	if c != 3 || max != 355 {
		t.Fatalf("serverLines = %d, %d; want 3, 355", c, max)
	}
	if c, max := serverLines("nothing\n"); c != 0 || max != -1 {
		t.Fatalf("serverLines(empty) = %d, %d", c, max)
	}
}

func TestCursorSig(t *testing.T) {
	a := " HATop 06:31:11\nNAME\n\x1b[7ms00001_127.0.0.2:8080    1 UP   12\x1b[0m\ns00002_127.0.0.3:8080    1 UP   3\n"
	refreshed := strings.NewReplacer("06:31:11", "06:31:14", "   12", "   99").Replace(a)
	if cursorSig(a) != cursorSig(refreshed) {
		t.Fatal("a refresh (clock and counters) changed the signature")
	}
	moved := " HATop 06:31:11\nNAME\ns00001_127.0.0.2:8080    1 UP   12\n\x1b[1;7ms00002_127.0.0.3:8080    1 UP   3\x1b[0m\n"
	if cursorSig(a) == cursorSig(moved) {
		t.Fatal("moving the reverse-video cursor did not change the signature")
	}
}

func TestRegCount(t *testing.T) {
	screen := "  SERVICE   REG   UP WORST\n> svc000     10    0 ok\n  svc001     11    0 ok\n"
	if n, ok := regCount(screen, "svc001"); !ok || n != 11 {
		t.Fatalf("regCount = %d %v", n, ok)
	}
	if _, ok := regCount(screen, "svc009"); ok {
		t.Fatal("regCount found a missing service")
	}
}

func TestQuantileAndFormat(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if q := quantile(ds, 0.5); q != 50*time.Millisecond {
		t.Fatalf("median = %v", q)
	}
	if q := quantile(ds, 0.99); q != 99*time.Millisecond {
		t.Fatalf("p99 = %v", q)
	}
	if quantile(nil, 0.5) != 0 {
		t.Fatal("quantile of nothing is not 0")
	}
	if r := ratio(1, 4); r != "×0.25" {
		t.Fatalf("ratio = %q", r)
	}
	if r := ratio(1, 0); r != "—" {
		t.Fatalf("ratio by zero = %q", r)
	}
}

func TestBenchNs(t *testing.T) {
	out := "pkg: x\nBenchmarkParseStat50k-2   37  28488479 ns/op  576.86 MB/s\nBenchmarkJoin5k   535  2721800 ns/op\nPASS\n"
	m := benchNs(out)
	if m["BenchmarkParseStat50k"] != 28488479 || m["BenchmarkJoin5k"] != 2721800 || len(m) != 2 {
		t.Fatalf("benchNs = %v", m)
	}
}

func TestCtlReply(t *testing.T) {
	out := "%session-changed $0 b\n%begin 1 7 1\n%end 1 7 1\n" + // the attach's own reply
		"%output %1 \\033[H\n" +
		"%begin 2 8 1\nline one\n%end 9 9 1 is a pane line\n%output %1 a pane line too\nlast\n%end 2 8 1\n" +
		"%begin 3 9 1\nno such pane\n%error 3 9 1\n"
	r := bufio.NewReader(strings.NewReader(out))
	var notes []string
	note := func(line string) { notes = append(notes, line) }
	if s, err := ctlReply(r, note); err != nil || s != "" {
		t.Fatalf("first reply = %q, %v", s, err)
	}
	s, err := ctlReply(r, note)
	if want := "line one\n%end 9 9 1 is a pane line\n%output %1 a pane line too\nlast\n"; err != nil || s != want {
		t.Fatalf("second reply = %q, %v; want %q", s, err, want)
	}
	if want := []string{"%session-changed $0 b\n", "%output %1 \\033[H\n"}; !slices.Equal(notes, want) {
		t.Fatalf("notifications %q, want %q", notes, want)
	}
	if _, err := ctlReply(r, nil); err == nil || !strings.Contains(err.Error(), "no such pane") {
		t.Fatalf("an error reply gave %v", err)
	}
	if _, err := ctlReply(r, nil); err == nil {
		t.Fatal("no error at the end of the output")
	}
}

// A round's ratio is taken within the round: a burst that slows both sides
// of one round does not move the median ratio, where it moves each median.
func TestRoundsRatio(t *testing.T) {
	var r rounds
	if got := r.ratio(); got != "—" {
		t.Errorf("no rounds: %q", got)
	}
	ms := time.Millisecond
	r.add(110*ms, 100*ms)
	r.add(330*ms, 300*ms) // a burst: both sides three times slower
	r.add(-1, 100*ms)     // stacktui failed: no round
	r.add(105*ms, 100*ms)
	r.add(120*ms, 100*ms)
	if got, want := r.ratio(), "×1.10 (×1.05-1.10, 4 rounds)"; got != want {
		t.Errorf("ratio %q, want %q", got, want)
	}
	if o, f := r.medians(); o != 110*ms || f != 100*ms {
		t.Errorf("medians %v %v, want 110ms 100ms", o, f)
	}
	// Differences 10, 30, 5, 20 ms: median (nearest rank) 10, middle half 5-20.
	if got, want := r.over(), "+10.0 ms (+5.0 to +20.0)"; got != want {
		t.Errorf("over %q, want %q", got, want)
	}
	if got := (&rounds{}).over(); got != "—" {
		t.Errorf("no rounds: over %q", got)
	}
}

// Each side goes first in every other round, and a failed side drops only
// its round.
func TestRoundsRunAlternates(t *testing.T) {
	var order []string
	n := 0
	ours := func() time.Duration {
		order = append(order, "ours")
		n++
		if n == 2 {
			return -1
		}
		return 2 * time.Millisecond
	}
	floor := func() time.Duration { order = append(order, "floor"); return time.Millisecond }
	var r rounds
	r.run(4, ours, floor)
	if got, want := strings.Join(order, " "), "floor ours ours floor floor ours ours floor"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	if len(r.ours) != 3 || len(r.floor) != 3 {
		t.Errorf("%d and %d rounds kept, want 3", len(r.ours), len(r.floor))
	}
}
