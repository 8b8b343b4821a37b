package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/report"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// TestSameWordsEverywhere: on a trace recorded from the real daemons, the
// console says what watch and snapshot say, word for word, at the same
// instant: one backend crashed, Nerve deregistered it and Synapse disabled
// it (zk-service-crash, +1.69 s after the first note).
func TestSameWordsEverywhere(t *testing.T) {
	const server = "host1_127.0.0.1:22002"
	path := tracetest.Path(t, "zk-service-crash")

	// watch: the event Synapse's move made.
	var move string
	for _, e := range watchReplay(t, path) {
		if e["instance"] == server && e["to"] == "MAINT" {
			move = e["text"]
		}
	}
	if !strings.Contains(move, "Synapse disabled it") {
		t.Fatalf("watch --replay: the move to MAINT is %q", move)
	}

	// snapshot at +3 s: the instance's diagnosis.
	cmd := exec.Command(binary, "snapshot", "--json", "--replay", path, "--after-note", "1", "--at", "+3s")
	cmd.Env = isolatedEnv(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("snapshot --replay: %v\n%s", err, out)
	}
	var doc report.Document
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var diag string
	for _, s := range doc.Services {
		for _, in := range s.Instances {
			if in.Server == server && len(in.Diagnoses) > 0 {
				diag = string(in.Diagnoses[0].Code) + "] " + in.Diagnoses[0].Text
			}
		}
	}
	if !strings.HasPrefix(diag, "deregistered] ") {
		t.Fatalf("snapshot --replay at +3s: %s is %q", server, diag)
	}

	// The console, stepped to the same moment (the trace's clock past
	// 02:40:38.1, before the restart's note at 02:40:41.4).
	term := startTerm(t, 240, 40, tuiEnv(t), binary, "replay", "--paused", path)
	term.WaitText(5*time.Second, "REPLAY", "paused")
	for i := 0; ; i++ {
		if strings.Contains(term.Screen(), "02:40:38.1 UTC") {
			break
		}
		if i == 12 {
			t.Fatalf("] never reached 02:40:38.1:\n%s", term.Screen())
		}
		before := term.Screen()
		term.Keys("]")
		term.WaitFor("the next change", 5*time.Second, func(s string) bool { return s != before })
	}
	term.Keys("5")
	term.WaitFor("watch's words in the Events view", 5*time.Second, func(s string) bool { return strings.Contains(s, move) })
	term.Keys("1", "Enter")
	selectRow(t, term, server)
	term.Keys("D")
	term.WaitFor("snapshot's words in the walkthrough", 5*time.Second, func(s string) bool {
		return strings.Contains(flat(s), flat(diag))
	})
	term.Keys("q")
}

// flat is text with every run of white space (a wrapped line's break and
// indentation) made one space.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }
