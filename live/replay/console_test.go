package replay

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
	"github.com/stacktui/stacktui/trace/tracetest"
)

// nextFrame waits for the subscription's next frame matching ok.
func nextFrame(t *testing.T, sub *live.Subscription, what string, ok func(live.Frame) bool) live.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		f, more := sub.Next(ctx)
		if !more {
			t.Fatalf("no frame with %s within 20s", what)
		}
		if ok(f) {
			return f
		}
	}
}

func noteTexts(evs []state.Event) []string {
	var out []string
	for _, e := range evs {
		if e.Kind == state.EventNote {
			out = append(out, e.Text)
		}
	}
	return out
}

// TestConsoleStepsPausesAndPlays drives a console replay as the keys do:
// it starts paused at the trace's start, steps to each change, steps back
// (the timeline restarts with the events up to there), then plays to the
// end at the highest speed.
func TestConsoleStepsPausesAndPlays(t *testing.T) {
	const name = "zk-operator-maint-then-ready"
	notes := tracetest.Notes(t, name)
	c, err := NewConsole(tracetest.Path(t, name), Options{Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	sub := c.Subscribe()
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); <-c.Done() }()
	go c.Run(ctx)

	f := nextFrame(t, sub, "the start", func(f live.Frame) bool { return f.Replay != nil })
	if !f.Replay.Paused || f.Replay.Line != 0 || !f.At.Equal(f.Replay.Start) {
		t.Fatalf("start: %+v at %s", f.Replay, f.At)
	}
	f = nextFrame(t, sub, "the prescan", func(f live.Frame) bool { return f.Replay.Lines > 0 })
	if f.Replay.Lines != 96 || f.Replay.End.IsZero() {
		t.Fatalf("prescan: %+v", f.Replay)
	}
	// Step forward: the connections, then each note, then its effect.
	c.Step(1)
	f = nextFrame(t, sub, "the first change", func(f live.Frame) bool { return f.Replay.Line > 0 })
	if len(f.Events) == 0 || f.Events[0].Kind != state.EventConnection || !f.Replay.Paused {
		t.Fatalf("first change at line %d: %v", f.Replay.Line, f.Events)
	}
	var lines []int
	for range 4 {
		c.Step(1)
		prev := f.Replay.Line
		f = nextFrame(t, sub, "the next change", func(f live.Frame) bool { return f.Replay.Line > prev })
		lines = append(lines, f.Replay.Line)
		if len(f.Events) == 0 || !f.At.Equal(f.View.At) {
			t.Fatalf("step to line %d: no events, or the clock (%s) is not the line's (%s)", f.Replay.Line, f.At, f.View.At)
		}
	}
	// Back one change: the timeline restarts with everything up to it.
	c.Step(-1)
	f = nextFrame(t, sub, "a step back", func(f live.Frame) bool { return f.Reset })
	if f.Replay.Line != lines[2] {
		t.Fatalf("stepped back to line %d, want %d (changes at %v)", f.Replay.Line, lines[2], lines)
	}
	if got := noteTexts(f.Events); len(got) != 1 || got[0] != notes[0].Note.Text {
		t.Fatalf("notes after stepping back: %q", got)
	}
	// Play to the end at the highest speed.
	c.Speed(1000)
	c.TogglePause()
	f = nextFrame(t, sub, "the end", func(f live.Frame) bool { return f.Replay.Done })
	if f.Replay.Speed != MaxSpeed || f.Replay.Line != 96 || f.View.Services[0].Instances[1].HAProxy[0].Row.Status() != "UP" {
		t.Fatalf("end: %+v", f.Replay)
	}
}

// TestConsoleBrowser: the registry view of a ZooKeeper replay browses the
// znodes of the trace at the replay's instant.
func TestConsoleBrowser(t *testing.T) {
	c, err := NewConsole(tracetest.Path(t, "zk-service-crash"), Options{Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	sub := c.Subscribe()
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); <-c.Done() }()
	go c.Run(ctx)
	c.Step(1)
	nextFrame(t, sub, "the first change", func(f live.Frame) bool { return f.Replay.Line > 0 })
	b := c.Browser()
	kids, err := b.Children("/nerve/services")
	if err != nil || len(kids) != 2 || kids[0] != "svc_a" {
		t.Fatalf("services: %v %v", kids, err)
	}
	nodes, err := b.Children("/nerve/services/svc_a/services")
	if err != nil || len(nodes) != 3 {
		t.Fatalf("svc_a's registrations: %v %v", nodes, err)
	}
	data, st, err := b.Get("/nerve/services/svc_a/services/" + nodes[0])
	if err != nil || len(data) == 0 || st.EphemeralOwner == 0 || st.Ctime.IsZero() {
		t.Fatalf("znode: %q %+v %v", data, st, err)
	}
	if _, err := b.Children("/nope"); err == nil {
		t.Fatal("a path the trace does not have")
	}
}

// TestConsoleSkipsABadLine: a line that cannot be read shows as an error
// event naming it, and the replay goes on to the end.
func TestConsoleSkipsABadLine(t *testing.T) {
	lines := fixtureLines(t, "zk-service-crash")
	lines[4] = "{not json\n"
	path := filepath.Join(t.TempDir(), "broken.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := NewConsole(path, Options{Speed: MaxSpeed})
	if err != nil {
		t.Fatal(err)
	}
	sub := c.Subscribe()
	ctx, cancel := context.WithCancel(t.Context())
	defer func() { cancel(); <-c.Done() }()
	go c.Run(ctx)
	var errs []state.Event
	f := nextFrame(t, sub, "the end", func(f live.Frame) bool {
		for _, e := range f.Events {
			if e.Kind == "error" {
				errs = append(errs, e)
			}
		}
		return f.Replay.Done
	})
	if len(errs) != 1 || !strings.Contains(errs[0].Text, "line 5") || f.Replay.Line != len(lines) {
		t.Fatalf("errors %+v, ended at line %d of %d", errs, f.Replay.Line, len(lines))
	}
}
