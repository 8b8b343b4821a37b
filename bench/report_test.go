//go:build bench

package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// machine describes where the figures come from.
func machine() string {
	model, mem := "unknown CPU", "unknown memory"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	kernel, _ := exec.Command("uname", "-r").Output()
	return fmt.Sprintf("%d cores (%s), %s RAM, Linux %s", runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)))
}

// versions lists what was measured.
func versions(zkVersion string) string {
	commit, _ := exec.Command("git", "-C", "..", "describe", "--always", "--dirty").Output()
	pkgs, _ := exec.Command("dpkg-query", "-W", "-f", "${Package} ${Version}, ", "haproxy", "hatop", "zookeeper", "tmux").Output()
	s := fmt.Sprintf("stacktui %s; %s; %s", strings.TrimSpace(string(commit)), strings.TrimSuffix(strings.TrimSpace(string(pkgs)), ","), runtime.Version())
	if zkVersion != "" {
		s += "; ZooKeeper server reports " + zkVersion
	}
	return s
}

// f1 formats a measured float, "n/m" when not measured.
func f1(v float64, unit string) string {
	if v < 0 {
		return "n/m"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f%s", v, unit)
	}
	return fmt.Sprintf("%.1f%s", v, unit)
}

// f2 is f1 with two decimals below 10 (CPU shares near a goal of 1.2 %).
func f2(v float64, unit string) string {
	if v >= 0 && v < 10 {
		return fmt.Sprintf("%.2f%s", v, unit)
	}
	return f1(v, unit)
}

func dur(d time.Duration) string {
	if d < 0 {
		return "n/m"
	}
	return ms(d)
}

func df(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return float64(d)
}

// firstScreen is the median start to first screen, with the range of the
// starts when there were several.
func firstScreen(r *hapResult) string { return startsFigure(r.first, r.firsts) }

// startsFigure is med, the median of starts, with their range when there
// were several.
func startsFigure(med time.Duration, starts []time.Duration) string {
	if med < 0 || len(starts) < 2 {
		return dur(med)
	}
	lo, hi := dur(quantile(starts, 0)), dur(quantile(starts, 1))
	if u := " ms"; strings.HasSuffix(lo, u) && strings.HasSuffix(hi, u) {
		lo = strings.TrimSuffix(lo, u)
	}
	return fmt.Sprintf("%s (%s-%s, %d starts)", dur(med), lo, hi, len(starts))
}

// hapTable is the HAProxy comparison, one block per size: stacktui and
// hatop at the same interval side by side, each ratio stacktui ÷ hatop.
func hapTable(sizes []hapSize) string {
	var b strings.Builder
	b.WriteString("| servers | figure | stacktui 1s (default) | hatop -i 1 | ratio | stacktui 3s | hatop 3s (default) | ratio |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|\n")
	type fig struct {
		name string
		str  func(*hapResult) string
		val  func(*hapResult) float64
	}
	figs := []fig{
		{"start to first full screen", firstScreen, func(r *hapResult) float64 { return df(r.first) }},
		{"start to every counter read", func(r *hapResult) string { return dur(r.counters) }, func(r *hapResult) float64 { return df(r.counters) }},
		{"page-down to screen, median", func(r *hapResult) string { return dur(r.keyMed) }, func(r *hapResult) float64 { return df(r.keyMed) }},
		{"page-down to screen, p95", func(r *hapResult) string { return dur(r.keyP95) }, func(r *hapResult) float64 { return df(r.keyP95) }},
		{"CPU at idle", func(r *hapResult) string { return f2(r.cpuPct, " %") }, func(r *hapResult) float64 { return r.cpuPct }},
		{"RSS at idle (max)", func(r *hapResult) string { return f1(r.rssMB, " MB") }, func(r *hapResult) float64 { return r.rssMB }},
		{"RSS peak, start-up included (VmHWM)", func(r *hapResult) string { return f1(r.rssPeakMB, " MB") }, func(r *hapResult) float64 { return r.rssPeakMB }},
		{"bytes to the terminal at idle", func(r *hapResult) string { return f1(r.bytesPerSec, " B/s") }, func(r *hapResult) float64 { return r.bytesPerSec }},
		{"HAProxy CPU serving it", func(r *hapResult) string { return f1(r.hapMsPerMin, " ms/min") }, func(r *hapResult) float64 { return r.hapMsPerMin }},
		{"servers it can show", func(r *hapResult) string {
			if r.shown < 0 {
				return "n/m"
			}
			return fmt.Sprint(r.shown)
		}, func(r *hapResult) float64 { return float64(r.shown) }},
	}
	for _, s := range sizes {
		if len(s.runs) != 4 {
			continue
		}
		for i, f := range figs {
			size := ""
			if i == 0 {
				size = fmt.Sprintf("%d", s.servers)
			}
			a, h, c, d := s.runs[0], s.runs[1], s.runs[2], s.runs[3]
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", size, f.name,
				f.str(a), f.str(h), ratio(f.val(a), f.val(h)), f.str(c), f.str(d), ratio(f.val(c), f.val(d)))
		}
	}
	return b.String()
}

// floorTable sets stacktui's keys against less and its snapshot against
// the raw read, each size in the same run.
func floorTable(sizes []hapSize) string {
	var b strings.Builder
	b.WriteString("| servers | figure | stacktui 1s (default) | stacktui 3s | floor | ratio at 1s | ratio at 3s |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|\n")
	for _, s := range sizes {
		if len(s.runs) != 4 {
			continue
		}
		a, c := s.runs[0], s.runs[2]
		fmt.Fprintf(&b, "| %d | start to first full screen (floor: a fresh tmux whose shell reads the preview's `show stat -1 3 -1` and `show servers state` through socat and prints a line) | %s | %s | %s | %s | %s |\n",
			s.servers, dur(a.first), dur(c.first), dur(s.screen.med), ratio(df(a.first), df(s.screen.med)), ratio(df(c.first), df(s.screen.med)))
		fmt.Fprintf(&b, "| | page-down to screen, median (floor: `less`, %d lines) | %s | %s | %s | %s | %s |\n", lessLines,
			dur(a.keyMed), dur(c.keyMed), dur(s.less.med), ratio(df(a.keyMed), df(s.less.med)), ratio(df(c.keyMed), df(s.less.med)))
		fmt.Fprintf(&b, "| | page-down to screen, p95 (floor: `less`) | %s | %s | %s | %s | %s |\n",
			dur(a.keyP95), dur(c.keyP95), dur(s.less.p95), ratio(df(a.keyP95), df(s.less.p95)), ratio(df(c.keyP95), df(s.less.p95)))
		fmt.Fprintf(&b, "| | `snapshot --json`, process start to exit (floor: the raw `show stat`, %.1f MB) | %s | | %s | %s | |\n",
			float64(s.snap.bytes)/1e6, dur(s.snap.snapshot), dur(s.snap.raw), s.snap.rounds.ratio())
	}
	for _, s := range sizes {
		if s.less.note != "" {
			fmt.Fprintf(&b, "\n- %d servers, less: %s", s.servers, s.less.note)
		}
		if s.snap.note != "" {
			fmt.Fprintf(&b, "\n- %d servers, snapshot: %s", s.servers, s.snap.note)
		}
		if s.screen.note != "" {
			fmt.Fprintf(&b, "\n- %d servers, first screen floor: %s", s.servers, s.screen.note)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// hapNotes lists the baselines and every run's notes.
func hapNotes(sizes []hapSize) string {
	var b strings.Builder
	for _, s := range sizes {
		fmt.Fprintf(&b, "- %d servers: HAProxy alone used %.0f ms CPU/min (the baseline subtracted above).\n", s.servers, s.baselineMs)
		for i, r := range s.runs {
			if len(r.notes) > 0 {
				fmt.Fprintf(&b, "  - %s: %s\n", s.labels[i], strings.Join(r.notes, "; "))
			}
		}
	}
	return b.String()
}

// zkTable is stacktui against ZooKeeper's floors.
func zkTable(rs []*zkResult) string {
	var b strings.Builder
	b.WriteString("| registrations | figure | stacktui | floor | ratio |\n|---:|---|---:|---:|---:|\n")
	for _, r := range rs {
		regs := fmt.Sprint(r.regs)
		if r.busy > 0 {
			regs += fmt.Sprintf(" and %d HAProxy servers polled", r.busy)
		} else {
			fmt.Fprintf(&b, "| %s | first full snapshot: `stacktui snapshot --json` (process start to exit) | %s | %s | %s |\n",
				regs, dur(r.snapshot), dur(r.floor), r.rounds.ratio())
			if ours, floor := r.rounds.quartiles(); ours > 0 {
				fmt.Fprintf(&b, "| | the same, first quartile of each side's rounds (the host's fast mode, see below) | %s | %s | %s |\n",
					dur(ours), dur(floor), ratio(df(ours), df(floor)))
			}
			if ours, floor := r.rounds4.medians(); ours > 0 {
				fmt.Fprintf(&b, "| | the same against the floor client over 4 sessions, as stacktui reads | %s | %s | %s |\n",
					dur(ours), dur(floor), r.rounds4.ratio())
			}
			regs = ""
		}
		fmt.Fprintf(&b, "| %s | first full screen: TUI start until all 100 services listed and every visible row at its full count | %s | %s | %s |\n",
			regs, startsFigure(r.tuiFirst, r.tuiFirsts), dur(r.floor), ratio(df(r.tuiFirst), df(r.floor)))
		fmt.Fprintf(&b, "| | change to screen, median (%d changes) | %s | %s | %s |\n",
			r.changes, dur(r.screenMed), dur(r.notifyMed), ratio(df(r.screenMed), df(r.notifyMed)))
		fmt.Fprintf(&b, "| | change to screen, p99 | %s | %s | %s |\n",
			dur(r.screenP99), dur(r.notifyP99), ratio(df(r.screenP99), df(r.notifyP99)))
	}
	for _, r := range rs {
		if len(r.notes) > 0 {
			fmt.Fprintf(&b, "\n- %d registrations (HAProxy servers polled: %d): %s", r.regs, r.busy, strings.Join(r.notes, "; "))
		}
	}
	return b.String()
}

// microLines keeps the goos/pkg headers and Benchmark lines of a
// `go test -bench` output.
func microLines(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	cpuSeen := false
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "cpu: ") {
			if !cpuSeen {
				b.WriteString(l + "\n")
			}
			cpuSeen = true
			continue
		}
		if strings.HasPrefix(l, "pkg: ") || strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "--- FAIL") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// preserved returns the text between the markers of an existing report,
// so that a run without MICRO_OUT keeps the last micro-benchmark section.
func preserved(path, begin, end string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return ""
	}
	return s[i+len(begin) : j]
}
