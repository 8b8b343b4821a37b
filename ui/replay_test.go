package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/live/replay"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// fakeReplay records the replay keys' controls.
type fakeReplay struct {
	calls []string
	sub   *live.Subscription
}

func (r *fakeReplay) Subscribe() *live.Subscription { return r.sub }
func (r *fakeReplay) Refresh()                      {}
func (r *fakeReplay) Watch([]string)                {}
func (r *fakeReplay) TogglePause()                  { r.calls = append(r.calls, "pause") }
func (r *fakeReplay) Step(dir int)                  { r.calls = append(r.calls, fmt.Sprint("step ", dir)) }
func (r *fakeReplay) Speed(f float64)               { r.calls = append(r.calls, fmt.Sprint("speed ", f)) }

// replayModel is the console on the real trace zk-operator-maint-then-ready
// replayed to 0.5 s after its first note (the operator's MAINT), paused.
func replayModel(t *testing.T, w, h int) (*Model, *fakeReplay) {
	t.Helper()
	path := tracetest.Path(t, "zk-operator-maint-then-ready")
	rp, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	f, err := rp.Until(replay.At{Set: true, Note: 1, Offset: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.Replay = &live.ReplayStatus{File: "/var/tmp/" + "zk-operator-maint-then-ready.jsonl.gz", Start: rp.Start(),
		End: rp.Start().Add(26800 * time.Millisecond), Line: rp.Line(), Lines: 96, Speed: 1, Paused: true}
	r := &fakeReplay{sub: live.NewSubscription()}
	r.sub.Publish(f)
	m := newModel(Options{Feed: r, Replay: r, Executor: nil}, func() time.Time { return time.Now() })
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, r
}

// TestGoldenReplay: the REPLAY badge, the trace's clock and position, and
// the operator's note in the Events view, on a real trace.
func TestGoldenReplay(t *testing.T) {
	for _, view := range []string{"1", "5"} {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("view%s_%dx%d", view, sz[0], sz[1]), func(t *testing.T) {
				m, _ := replayModel(t, sz[0], sz[1])
				press(m, view)
				out := screen(m)
				checkFrame(t, out, sz[0], sz[1])
				golden.RequireEqual(t, out)
			})
		}
	}
}

// TestReplayKeys: the replay keys drive the replay, the action keys do
// nothing (there is no executor), and ages are on the trace's clock.
func TestReplayKeys(t *testing.T) {
	m, r := replayModel(t, 120, 30)
	press(m, "p", "]", "[", "+", "-")
	want := []string{"pause", "step 1", "step -1", "speed 2", "speed 0.5"}
	if strings.Join(r.calls, ",") != strings.Join(want, ",") {
		t.Fatalf("controls %v, want %v", r.calls, want)
	}
	if m.o.Executor != nil || !m.o.ReadOnly {
		t.Fatal("a replay console has an executor")
	}
	press(m, "enter", "d")
	if !strings.Contains(m.status, "read-only") {
		t.Fatalf("d in a replay: %q", m.status)
	}
	if !m.now().Equal(m.frame.At) {
		t.Fatalf("the console's clock is %s, the trace's %s", m.now(), m.frame.At)
	}
	press(m, "?")
	if out := screen(m); !strings.Contains(out, "step to the next change") {
		t.Fatalf("help lacks the replay keys:\n%s", out)
	}
	// A live console has none of them.
	live := newTestModel(t, 120, 30)
	press(live, "?")
	if out := screen(live); strings.Contains(out, "step to the next change") {
		t.Fatal("the live console's help lists the replay keys")
	}
}
