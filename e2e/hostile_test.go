package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/internal/testenv"
)

// hostileName is the Nerve instance name issue 14 registered: a line break
// that made a fake row, screen clearing, a window title, colours and a
// right-to-left override.
const hostileName = "web-1\nweb-9 FAKE-ROW\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31mred\x1b[0m\u202erev"

// hostileEnv registers, with a real ZooKeeper, one instance under that name
// (and labels) in a service whose own znode name carries a bidi override
// (ZooKeeper refuses controls in node names, not format characters).
func hostileEnv(t *testing.T) (*testenv.ZK, string) {
	z := testenv.ZooKeeper(t)
	svc := "svc_\u202eevil"
	data, err := json.Marshal(map[string]any{"host": "127.0.0.1", "port": 31001, "name": hostileName,
		"labels": map[string]string{"az\x1b[8m": "hidden\x1b[8m"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := z.Put("/nerve/services/"+svc+"/services/web_0000000001", data); err != nil {
		t.Fatal(err)
	}
	return z, svc
}

// TestHostileNamesInSnapshotAndCheck: `snapshot` printed such a name raw and
// cleared the terminal of whoever ran it; `check` must keep to one line.
func TestHostileNamesInSnapshotAndCheck(t *testing.T) {
	z, _ := hostileEnv(t)
	out, errOut, code := run(t, nil, "snapshot", "--zk", z.Addr, "--timeout", "20s")
	if code != 0 {
		t.Fatalf("snapshot exit %d: %s", code, errOut)
	}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !termtext.IsClean(l) {
			t.Errorf("snapshot line %d is not printable: %q", i, l)
		}
		if strings.HasPrefix(strings.TrimSpace(l), "web-9 FAKE-ROW") {
			t.Errorf("the name's line break made a row: %q", l)
		}
	}
	if !strings.Contains(out, `web-1\nweb-9 FAKE-ROW\x1b[2J`) {
		t.Errorf("the name is not shown escaped:\n%s", out)
	}
	js, _, code := run(t, nil, "snapshot", "--json", "--zk", z.Addr, "--timeout", "20s")
	if code != 0 || !termtext.IsClean(strings.ReplaceAll(js, "\n", "")) {
		t.Errorf("snapshot --json (exit %d) is not printable: %q", code, js)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(js), &doc); err != nil || !strings.Contains(fmt.Sprint(doc), hostileName) {
		t.Errorf("snapshot --json lost the raw name (%v):\n%s", err, js)
	}

	line, _, _ := run(t, nil, "check", "--zk", z.Addr, "--timeout", "20s", "--crit-up-below", "5")
	if strings.Count(line, "\n") != 1 || !termtext.IsClean(strings.TrimSuffix(line, "\n")) {
		t.Errorf("check's status line is not one printable line: %q", line)
	}
}

// TestHostileNamesInConsole: in the console the name is text: no fake row,
// no cleared screen, no window title, the footer stays on the last line.
func TestHostileNamesInConsole(t *testing.T) {
	z, svc := hostileEnv(t)
	term := startTerm(t, 100, 24, tuiEnv(t), binary, "--zk", z.Addr, "--read-only")
	term.WaitText(10*time.Second, `svc_\u202eevil`)
	term.Keys("Enter")
	s := term.WaitText(5*time.Second, `web-1\nweb-9`)
	checkHostileScreen(t, term, s)
	term.Keys("Enter") // inspect: the name in full, the labels
	s = term.WaitText(5*time.Second, `web-1\nweb-9 FAKE-ROW\x1b[2J\x1b[H\x1b]0;pwned`, `az\x1b[8m=hidden\x1b[8m`)
	checkHostileScreen(t, term, s)
	// A registration made while it runs is in the events view, by name.
	data, _ := json.Marshal(map[string]any{"host": "127.0.0.1", "port": 31002, "name": hostileName})
	if err := z.Put("/nerve/services/"+svc+"/services/web_0000000002", data); err != nil {
		t.Fatal(err)
	}
	term.Keys("Escape", "5")
	s = term.WaitText(5*time.Second, "registered", `web-1\nweb-9`)
	checkHostileScreen(t, term, s)
	if strings.Contains(s, svc) {
		t.Errorf("the bidi override is on screen raw:\n%s", s)
	}
	term.Keys("q")
	term.WaitExit(5*time.Second, 0)
}

func checkHostileScreen(t *testing.T, term *Term, s string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 24 || !strings.Contains(lines[23], "esc") {
		t.Errorf("the footer is not on the last of 24 lines (%d lines):\n%s", len(lines), s)
	}
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " >*"), "web-9 FAKE-ROW") {
			t.Errorf("the name's line break made a row:\n%s", s)
		}
		if strings.ContainsRune(l, '\u202e') {
			t.Errorf("a right-to-left override is on screen: %q", l)
		}
	}
	if title := strings.TrimSpace(term.tmux("display-message", "-p", "-t", term.name, "#{pane_title}")); strings.Contains(title, "pwned") {
		t.Errorf("a registration set the window title: %q", title)
	}
	if !strings.Contains(s, "stacktui") {
		t.Errorf("the screen was cleared:\n%s", s)
	}
}

// TestHostileNamesInWatch: watch's JSON lines escape what encoding/json
// leaves raw (the bidi override), and decode to the raw name.
func TestHostileNamesInWatch(t *testing.T) {
	z, svc := hostileEnv(t)
	cmd := exec.Command(binary, "watch", "--zk", z.Addr)
	cmd.Env = isolatedEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// The first line (the session's connection or resync) says watch is
	// reading; then a registration arrives.
	select {
	case <-lines:
	case <-time.After(20 * time.Second):
		t.Fatal("watch printed nothing")
	}
	data, _ := json.Marshal(map[string]any{"host": "127.0.0.1", "port": 31002, "name": hostileName})
	if err := z.Put("/nerve/services/"+svc+"/services/web_0000000002", data); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("watch ended")
			}
			if !termtext.IsClean(l) {
				t.Fatalf("watch line is not printable: %q", l)
			}
			var m map[string]string
			if json.Unmarshal([]byte(l), &m) == nil && m["kind"] == "registered" {
				if !strings.Contains(m["instance"], hostileName) || m["service"] != svc {
					t.Fatalf("registered line lost the raw names: %q", l)
				}
				return
			}
		case <-timeout:
			t.Fatal("no registered line")
		}
	}
}
