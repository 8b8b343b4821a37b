package ui

import (
	"fmt"
	"path/filepath"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// replayKey handles the replay keys; ok is false for any other key.
func (m *Model) replayKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	k := m.keys
	r := m.o.Replay
	switch {
	case key.Matches(msg, k.ReplayPause):
		r.TogglePause()
	case key.Matches(msg, k.ReplayNext):
		r.Step(1)
	case key.Matches(msg, k.ReplayPrev):
		r.Step(-1)
	case key.Matches(msg, k.ReplayFaster):
		r.Speed(2)
	case key.Matches(msg, k.ReplaySlower):
		r.Speed(0.5)
	default:
		return nil, false
	}
	return nil, true
}

// replayBadge is the header's badge in a replay, "" when live.
func (m *Model) replayBadge() string {
	if m.o.Replay == nil {
		return ""
	}
	return m.st.Badge.Render(" REPLAY ")
}

// replayBanner says where the replay stands — the trace's clock, the
// position in it, the speed, whether it plays — then the file and the
// keys; "" when live.
func (m *Model) replayBanner() string {
	r := m.frame.Replay
	if m.o.Replay == nil || r == nil {
		return ""
	}
	pos := "+" + secs1(m.frame.At.Sub(r.Start))
	if !r.End.IsZero() {
		pos += "/" + secs1(r.End.Sub(r.Start))
	}
	line := fmt.Sprintf("line %d", r.Line)
	if r.Lines > 0 {
		line += fmt.Sprintf("/%d", r.Lines)
	}
	state := "playing"
	switch {
	case r.Done:
		state = "end of trace"
	case r.Paused:
		state = "paused"
	}
	k := m.keys
	return plainf("%s UTC  %s  %s  ×%s %s · %s · %s pause, %s %s next/previous change, %s %s speed",
		m.frame.At.UTC().Format("15:04:05.0"), pos, line, speedText(r.Speed), state, filepath.Base(r.File),
		keyName(k.ReplayPause), keyName(k.ReplayNext), keyName(k.ReplayPrev), keyName(k.ReplayFaster), keyName(k.ReplaySlower))
}

// secs1 is a duration in seconds with one decimal: "12.5s".
func secs1(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// speedText is a replay speed: "1", "4", "0.25".
func speedText(s float64) string {
	if s == float64(int64(s)) {
		return fmt.Sprint(int64(s))
	}
	return fmt.Sprint(s)
}
