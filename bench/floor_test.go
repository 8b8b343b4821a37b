//go:build bench

package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyFloor is `less` paging a file as large as the largest server list:
// what a terminal program that only has to draw the next page needs, on
// this machine, in this tmux, at this moment of the run.
type keyFloor struct {
	med, p95 time.Duration
	n        int
	note     string
}

// lessLines is the size of the file less pages: 50,000 servers' worth.
const lessLines = 50000

// lessFloor times k.presses page-downs of `less` on a lessLines-line file
// exactly as the tools' are timed (keypresses), in a tmux of the same size.
func lessFloor(t *testing.T, k knobs) keyFloor {
	dir, err := os.MkdirTemp("", "stb-less-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "servers.txt")
	var b strings.Builder
	for i := range lessLines {
		// Rows shaped like a server list: the name and address first.
		fmt.Fprintf(&b, "    s%05d_127.%d.%d.%d:80   1 UP       L4OK    1   0     0     0      0      0      0 %7d\n",
			i, 1+i>>16, (i>>8)&255, i&255, i*7)
	}
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	f := keyFloor{med: -1, p95: -1}
	tm, err := startTerm(dir, []string{"LANG=C.UTF-8", "LESS=", "LESSHISTFILE=-"}, "less", file)
	if err != nil {
		f.note = fmt.Sprintf("less did not start: %v", err)
		return f
	}
	defer tm.kill()
	if _, _, err := tm.waitScreen(time.Now(), 20*time.Second, false, func(s string) bool { return strings.Contains(s, "s00040_") }); err != nil {
		f.note = fmt.Sprintf("less showed no page: %v", err)
		return f
	}
	r := &hapResult{keyMed: -1, keyP95: -1}
	keypresses(k, tm, r)
	f.med, f.p95, f.n, f.note = r.keyMed, r.keyP95, r.keyN, strings.Join(r.notes, "; ")
	return f
}

// screenFloor is what a first screen cannot beat on this host at this
// moment: a fresh tmux server starts a shell that reads what stacktui's
// preview reads (`show stat -1 3 -1` and `show servers state`, through
// socat) and prints one line, timed like the tools' first screens, so a
// slow host's first screen can be told from a slow program's.
type screenFloor struct {
	med    time.Duration
	starts []time.Duration
	note   string
}

// firstScreenFloor times n such starts.
func firstScreenFloor(sock string, n int) screenFloor {
	f := screenFloor{med: -1}
	dir, err := os.MkdirTemp("", "stb-floor-")
	if err != nil {
		f.note = err.Error()
		return f
	}
	defer os.RemoveAll(dir)
	for i := range n {
		took, err := floorStart(filepath.Join(dir, fmt.Sprint(i)), sock)
		if err != nil {
			f.note = err.Error()
			return f
		}
		f.starts = append(f.starts, took)
	}
	f.med = quantile(f.starts, 0.5)
	return f
}

// floorStart times one start of the floor's shell in a fresh tmux under dir.
func floorStart(dir, sock string) (time.Duration, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	const done = "preview-read"
	script := "echo 'show stat -1 3 -1; show servers state' | socat - UNIX-CONNECT:" + sock + " >/dev/null && echo " + done + "; exec sleep 600"
	start := time.Now()
	tm, err := startTerm(dir, toolEnv(dir), "sh", "-c", script)
	if err != nil {
		return 0, fmt.Errorf("did not start: %v", err)
	}
	defer tm.kill()
	took, screen, err := tm.waitScreen(start, 60*time.Second, false, func(s string) bool { return strings.Contains(s, done) })
	if err != nil {
		return 0, fmt.Errorf("the preview's replies were never read: %s", firstLines(screen, 4))
	}
	return took, nil
}

// snapFigure is `stacktui snapshot --json` against the raw `show stat`
// fetch it is built from, in snapRounds rounds.
type snapFigure struct {
	snapshot, raw time.Duration // medians
	rounds        rounds
	bytes         int
	note          string
}

// snapRounds is how many rounds each snapshot figure takes: with 5-7, the
// ratio moved by a third between runs of one binary (see rounds); with 15,
// ZooKeeper's still moved from ×0.80 to ×1.12 in seven runs of one binary
// within two hours: the same 10,000 reads take either about 0.4 s or about
// 0.85 s, the floor's alike, and which one a round gets is chance.
const snapRounds = 31

// snapshotVsRaw times the whole `snapshot --json` process (start, connect,
// read, join, JSON, exit) against a bare client that connects, sends `show
// stat` and reads the reply to its end, each going first in every other
// round.
func snapshotVsRaw(bin, sock string, servers int) snapFigure {
	f := snapFigure{snapshot: -1, raw: -1}
	raw := func() time.Duration {
		d, n, err := rawShowStat(sock)
		if err != nil {
			f.note = err.Error()
			return -1
		}
		f.bytes = n
		return d
	}
	snap := func() time.Duration {
		d, err := snapshotJSON(bin, sock, servers)
		if err != nil {
			f.note = err.Error()
			return -1
		}
		return d
	}
	f.rounds.run(snapRounds, snap, raw)
	f.snapshot, f.raw = f.rounds.medians()
	return f
}

// rawShowStat is the floor: connect, `show stat`, read to the end.
func rawShowStat(sock string) (time.Duration, int, error) {
	t0 := time.Now()
	c, err := net.Dial("unix", sock)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "show stat\n"); err != nil {
		return 0, 0, err
	}
	n, err := io.Copy(io.Discard, c)
	return time.Since(t0), int(n), err
}

// snapshotJSON runs the snapshot and checks it listed every server.
func snapshotJSON(bin, sock string, servers int) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "stb-snap-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	out, err := os.Create(filepath.Join(dir, "snap.json"))
	if err != nil {
		return 0, err
	}
	defer out.Close()
	cmd := exec.Command(bin, "snapshot", "--json", "--read-only", "--haproxy", sock)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	cmd.Stdout = out
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	err = cmd.Run()
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("snapshot --json: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	var doc struct {
		Services []struct {
			Instances []json.RawMessage `json:"instances"`
		} `json:"services"`
	}
	if err := json.NewDecoder(out).Decode(&doc); err != nil {
		return 0, fmt.Errorf("snapshot JSON: %v", err)
	}
	got := 0
	for _, s := range doc.Services {
		got += len(s.Instances)
	}
	if got != servers {
		return 0, fmt.Errorf("snapshot --json listed %d instances, want %d", got, servers)
	}
	return d, nil
}
