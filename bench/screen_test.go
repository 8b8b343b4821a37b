package bench

import (
	"bufio"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Pure helpers of the harness: reading /proc, reading screens, statistics.
// They carry no build tag so that `go test ./bench` checks them in CI.

// procTicks returns utime+stime (clock ticks) from a /proc/<pid>/stat line.
// The command name may hold spaces and parentheses, so fields are counted
// from the last ')'.
func procTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat %q: no ')' after the command name", trim(stat))
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat %q: %d fields after the name, want >= 13", trim(stat), len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc stat %q: utime/stime are not numbers", trim(stat))
	}
	return u + s, nil
}

// procRSSKB returns VmRSS in kB from /proc/<pid>/status.
func procRSSKB(status string) (int64, error) { return procStatusKB(status, "VmRSS") }

// procStatusKB returns a kB figure of /proc/<pid>/status: VmRSS (resident
// now) or VmHWM (the most ever resident: the peak, start-up included).
func procStatusKB(status, key string) (int64, error) {
	for _, line := range strings.Split(status, "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("proc status: no %s line (process gone or a kernel thread?)", key)
}

// trim shortens s for error messages.
func trim(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

var footerRE = regexp.MustCompile(`(\d+)/(\d+)\s*$`)

// footerPos reads stacktui's "k/N" cursor position from the last non-blank
// line of a screen.
func footerPos(screen string) (k, n int, ok bool) {
	lines := strings.Split(strings.TrimRight(screen, "\n "), "\n")
	if len(lines) == 0 {
		return 0, 0, false
	}
	m := footerRE.FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		return 0, 0, false
	}
	k, _ = strconv.Atoi(m[1])
	n, _ = strconv.Atoi(m[2])
	return k, n, true
}

// serverRE finds a generated server by the last three octets of its
// address 127.a.b.c:80 (hatop shows only a name's last 16 characters).
var serverRE = regexp.MustCompile(`(\d+)\.(\d+)\.(\d+):80\b`)

// serverLines counts lines naming a generated server and returns the
// highest server index seen (-1 when none). Server i is at
// 127.(1+i>>16).(i>>8&255).(i&255):80.
func serverLines(screen string) (count, maxIdx int) {
	maxIdx = -1
	for _, line := range strings.Split(screen, "\n") {
		m := serverRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		count++
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		c, _ := strconv.Atoi(m[3])
		if i := (a-1)<<16 | b<<8 | c; i > maxIdx {
			maxIdx = i
		}
	}
	return count, maxIdx
}

var sgrRE = regexp.MustCompile(`\x1b\[[0-9;:]*[A-Za-z]`)

// reverseRE matches an SGR sequence that turns reverse video on.
var reverseRE = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?7(?:;[0-9;]*)?m`)

// cursorSig sums up where the cursor and the page are on a screen captured
// with escapes (capture-pane -e): the first sigCols columns of every line,
// which hold the names and the cursor marker but not the counters a
// refresh changes, plus whether the line is in reverse video (hatop's
// cursor). A page-down changes it; an idle refresh does not.
func cursorSig(escaped string) string {
	const sigCols = 26
	var b strings.Builder
	for i, line := range strings.Split(escaped, "\n") {
		if i == 0 {
			continue // title bars carry clocks
		}
		plain := []rune(sgrRE.ReplaceAllString(line, ""))
		if len(plain) > sigCols {
			plain = plain[:sigCols]
		}
		b.WriteString(string(plain))
		if reverseRE.MatchString(line) {
			b.WriteString("|R")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// regCount finds the row of service name in stacktui's Services view and
// returns its REG column (the first number after the name).
func regCount(screen, name string) (int, bool) {
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(line)
		for i := 0; i+1 < len(f); i++ {
			// A row new or changed in the last seconds carries a mark ("~svc000").
			if strings.TrimLeft(f[i], "+~*>") != name {
				continue
			}
			n, err := strconv.Atoi(f[i+1])
			return n, err == nil
		}
	}
	return 0, false
}

// quantile is the q-quantile (0..1) of ds by nearest rank; 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	r := int(q*float64(len(s))+0.999999) - 1
	if r < 0 {
		r = 0
	}
	if r >= len(s) {
		r = len(s) - 1
	}
	return s[r]
}

// ratio formats a/b as "×N.NN", or "—" when either side is missing.
func ratio(a, b float64) string {
	if a < 0 || b <= 0 {
		return "—"
	}
	r := a / b
	switch {
	case r >= 100:
		return fmt.Sprintf("×%.0f", r)
	case r >= 10:
		return fmt.Sprintf("×%.1f", r)
	default:
		return fmt.Sprintf("×%.2f", r)
	}
}

// ms formats a duration in milliseconds with sensible precision.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f ms", f)
	case f >= 10:
		return fmt.Sprintf("%.1f ms", f)
	default:
		return fmt.Sprintf("%.2f ms", f)
	}
}

// benchNs maps each benchmark of a `go test -bench` output to its ns/op,
// the name without the -GOMAXPROCS suffix.
func benchNs(out string) map[string]float64 {
	m := map[string]float64{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		if v, err := strconv.ParseFloat(f[2], 64); err == nil {
			m[name] = v
		}
	}
	return m
}

// tmuxError is tmux's answer to a command it refused.
type tmuxError struct{ msg string }

func (e *tmuxError) Error() string { return "tmux: " + e.msg }

// ctlReply reads the reply to one command from a tmux control-mode client's
// output: the lines between "%begin T N F" and the "%end T N F" (or
// "%error T N F") with the same arguments. Lines outside a block are
// notifications ("%output %1 ...": the pane wrote), handed to note when it
// is not nil. A pane line inside the block that happens to start with
// "%end" does not end it: only the begin's own arguments do.
func ctlReply(r *bufio.Reader, note func(line string)) (string, error) {
	var b strings.Builder
	args := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return b.String(), fmt.Errorf("tmux control client: %w", err)
		}
		if args == "" {
			if rest, ok := strings.CutPrefix(line, "%begin "); ok {
				args = strings.TrimRight(rest, "\r\n")
			} else if note != nil {
				note(line)
			}
			continue
		}
		body := strings.TrimRight(line, "\r\n")
		if end, ok := strings.CutPrefix(body, "%end "); ok && end == args {
			return b.String(), nil
		}
		if e, ok := strings.CutPrefix(body, "%error "); ok && e == args {
			return b.String(), &tmuxError{strings.TrimSpace(b.String())}
		}
		b.WriteString(line)
	}
}

// rounds is a figure timed against its floor in rounds, one of each per
// round, close in time. This host's speed moves from second to second
// (steal): the ratio of medians over 5-7 rounds moved by a third between
// runs of one binary. A round's own ratio is less exposed to a burst that
// slows both sides alike, and the middle half of the rounds' ratios,
// reported with their median, says how far the noise reached.
type rounds struct{ ours, floor []time.Duration }

// run times n rounds of ours and floor, each going first in every other
// round (a server warms up within a round too). A side that fails returns
// a negative time, which drops its round.
func (r *rounds) run(n int, ours, floor func() time.Duration) {
	for i := range n {
		if i%2 == 0 {
			f := floor()
			r.add(ours(), f)
		} else {
			o := ours()
			r.add(o, floor())
		}
	}
}

// add records one round; a side that failed (negative) drops the round.
func (r *rounds) add(ours, floor time.Duration) {
	if ours >= 0 && floor >= 0 {
		r.ours, r.floor = append(r.ours, ours), append(r.floor, floor)
	}
}

// medians are each side's median time, -1 without a round.
func (r *rounds) medians() (ours, floor time.Duration) {
	if len(r.ours) == 0 {
		return -1, -1
	}
	return quantile(r.ours, 0.5), quantile(r.floor, 0.5)
}

// quartiles are each side's first quartile, -1 without a round: where a
// figure is bimodal (ZooKeeper's reads), what each takes when the host lets it.
func (r *rounds) quartiles() (ours, floor time.Duration) {
	if len(r.ours) == 0 {
		return -1, -1
	}
	return quantile(r.ours, 0.25), quantile(r.floor, 0.25)
}

// over is the median of the rounds' differences, with the middle half of
// them: "+45.1 ms (+30.2 to +60.0)"; "—" without a round.
func (r *rounds) over() string {
	if len(r.ours) == 0 {
		return "—"
	}
	ds := make([]time.Duration, len(r.ours))
	for i := range r.ours {
		ds[i] = r.ours[i] - r.floor[i]
	}
	q := func(p float64) float64 { return float64(quantile(ds, p)) / 1e6 }
	return fmt.Sprintf("%+.1f ms (%+.1f to %+.1f)", q(0.5), q(0.25), q(0.75))
}

// ratio is the median of the rounds' ratios, with the middle half of them:
// "×1.05 (×0.98-1.12, 15 rounds)"; "—" without a round.
func (r *rounds) ratio() string {
	if len(r.ours) == 0 {
		return "—"
	}
	// Ratios as durations (×1000) to share quantile's nearest rank.
	rs := make([]time.Duration, len(r.ours))
	for i := range r.ours {
		rs[i] = time.Duration(1000 * float64(r.ours[i]) / float64(max(r.floor[i], 1)))
	}
	q := func(p float64) float64 { return float64(quantile(rs, p)) / 1000 }
	return fmt.Sprintf("×%.2f (×%.2f-%.2f, %d rounds)", q(0.5), q(0.25), q(0.75), len(rs))
}
