package ui

import (
	"bytes"
	"context"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// TestProgramLive runs the model in a real tea.Program on a real pipeline:
// the frame reader started by Init delivers registry and HAProxy updates
// and is re-armed after each, typing in the filter never quits, and q quits.
func TestProgramLive(t *testing.T) {
	reg := &fakeRegistry{ch: make(chan sources.Update, 4), cur: fixtureRegistry(t)}
	feed := newFakeFeed(fixtureHAProxy(t, "local"))
	// As the live sources do, each keeps its latest reading in its channel.
	reg.ch <- sources.Update{Snapshot: reg.cur}
	feed.ch <- *feed.snaps[0]
	p := live.New(live.Options{Registry: reg, HAProxy: feed})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); <-p.Done() }()
	go p.Run(ctx)
	m := newModel(Options{Feed: p, ReadOnly: true}, func() time.Time { return fixedNow })
	tm := teatest.NewTestModel(t, probed{m}, teatest.WithInitialTermSize(100, 30))
	// ask reads the model inside the program's goroutine.
	ask := func(f func(*Model) bool) bool {
		ch := make(chan bool, 1)
		tm.Send(probeMsg{f: f, ch: ch})
		select {
		case v := <-ch:
			return v
		case <-time.After(5 * time.Second):
			t.Fatal("program did not answer the probe")
		}
		return false
	}
	waitModel := func(f func(*Model) bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if ask(f) {
				return
			}
		}
		t.Fatal("condition not met within 5s")
	}
	out := tm.Output()
	waitScreen(t, out, "svc_c")

	// A registration removed shows up at once (twice: the reader is re-armed).
	for _, n := range []int{2, 1} {
		snap := fixtureRegistry(t)
		snap.Services[1].Registrations = snap.Services[1].Registrations[:n]
		reg.ch <- sources.Update{Snapshot: snap}
		waitModel(func(m *Model) bool { return m.joined.Services[1].Summary.Registered == n })
	}
	// An HAProxy snapshot from the channel is joined too.
	s := fixtureHAProxy(t, "local")
	for i := range s.Stats.Rows {
		if s.Stats.Rows[i].Proxy == "svc_b" && s.Stats.Rows[i].IsServer() {
			s.Stats.Rows[i].SetString(haproxy.ColStatus, "MAINT")
		}
	}
	feed.ch <- *s
	waitModel(func(m *Model) bool { return m.joined.Services[1].Summary.Up == 0 })

	// Filter typing never quits; esc leaves it; q quits.
	tm.Type("/qqq")
	if !ask(func(m *Model) bool { return m.mode == modeFilter && m.edit.String() == "qqq" }) {
		t.Fatal("typing q in the filter did not stay in the filter")
	}
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// probed wraps the model so a test can read it inside the program's
// goroutine (no data race with Update).
type probed struct{ *Model }

type probeMsg struct {
	f  func(*Model) bool
	ch chan bool
}

func (p probed) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if q, ok := msg.(probeMsg); ok {
		q.ch <- q.f(p.Model)
		return p, nil
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

func waitScreen(t *testing.T, out interface{ Read([]byte) (int, error) }, s string) {
	t.Helper()
	teatest.WaitFor(t, out, func(b []byte) bool {
		return bytes.Contains([]byte(ansi.Strip(string(b))), []byte(s))
	}, teatest.WithDuration(5*time.Second))
}
