package ui

import (
	"fmt"
	"reflect"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/internal/display"
)

// console is what the program runs: the Model, drawn through
// internal/display instead of Bubble Tea's renderer, which draws only on a
// fixed ticker (a key's frame waits for the next tick, and the ticker costs
// CPU forever). The program runs with its renderer off; a frame is drawn
// here, in Update, as soon as the pacer allows, and the view is computed
// only for a frame that is drawn.
type console struct {
	m    *Model
	scr  *display.Screen
	pace *display.Pacer
	now  func() time.Time

	sized   bool // the first size came: frames before it would say "too small"
	failed  bool // a write to the terminal failed (logged once)
	stopErr error
}

// drawDueMsg is the pacer's timer: the end of the frame interval a change
// came in.
type drawDueMsg struct{}

// sequenceMsg is an escape sequence a Bubble Tea command would have queued
// for its ticker (a clipboard write, a query): the console writes it at
// once, between frames.
type sequenceMsg string

func newConsole(m *Model, scr *display.Screen) *console {
	return &console{m: m, scr: scr, pace: display.NewPacer(display.Interval), now: time.Now}
}

func (c *console) Init() tea.Cmd { return c.m.Init() }

// View is empty: the renderer is off and the frame was drawn by Update.
func (c *console) View() tea.View { return tea.View{} }

func (c *console) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		// A panic here is the screen's, not the model's (it recovers its
		// own): log it and end the program, as Run does for its own.
		if r := recover(); r != nil {
			c.m.log.Error("panic while drawing", "panic", fmt.Sprint(r), "stack", stack())
			c.stopErr = fmt.Errorf("drawing the screen: %v", r)
			cmd = tea.Quit
		}
	}()
	switch msg := msg.(type) {
	case drawDueMsg:
		if c.pace.Due() {
			c.draw()
		}
		return c, nil
	case sequenceMsg:
		c.check(c.scr.Write(string(msg)))
		return c, nil
	case tea.WindowSizeMsg:
		c.scr.Resize(msg.Width, msg.Height)
		c.sized = true
	case tea.ColorProfileMsg:
		c.scr.SetColorProfile(msg.Profile)
	case tea.ModeReportMsg:
		// As Bubble Tea's renderer: synchronized output when the terminal
		// has it and it is off; grapheme widths when the terminal knows
		// the mode at all.
		switch msg.Mode {
		case ansi.ModeSynchronizedOutput:
			c.scr.SetSynchronized(msg.Value == ansi.ModeReset)
		case ansi.ModeUnicodeCore:
			c.scr.SetGraphemeWidth(msg.Value == ansi.ModeReset || msg.Value == ansi.ModeSet || msg.Value == ansi.ModePermanentlySet)
		}
	}
	_, cmd = c.m.Update(msg)
	if !c.sized {
		return c, cmd
	}
	switch d := c.pace.Changed(c.now()); {
	case d.Draw:
		c.draw()
	case d.Wait > 0:
		cmd = tea.Batch(cmd, tea.Tick(d.Wait, func(time.Time) tea.Msg { return drawDueMsg{} }))
	}
	return c, cmd
}

// draw computes the view and puts it on the terminal.
func (c *console) draw() {
	wrote, err := c.scr.Draw(c.m.View())
	c.pace.Drawn(c.now(), wrote)
	c.check(err)
}

// check logs the first failed write: the terminal may be gone (a hung-up
// SSH session), and the signal that follows ends the console.
func (c *console) check(err error) {
	if err != nil && !c.failed {
		c.failed = true
		c.m.log.Warn("writing to the terminal failed", "err", err)
	}
}

// Bubble Tea's commands that write to the terminal return messages of
// unexported types, which its event loop queues for its ticker: at one
// tick a second a clipboard copy or the background-colour query would wait
// up to a second. outputFilter turns them into sequenceMsg before Bubble Tea
// sees them.
var outputMsgs = map[reflect.Type]func(tea.Msg) string{
	reflect.TypeOf(tea.SetClipboard("")()): func(m tea.Msg) string {
		return ansi.SetSystemClipboard(reflect.ValueOf(m).String())
	},
	reflect.TypeOf(tea.SetPrimaryClipboard("")()): func(m tea.Msg) string {
		return ansi.SetPrimaryClipboard(reflect.ValueOf(m).String())
	},
	reflect.TypeOf(tea.RequestBackgroundColor()): func(tea.Msg) string { return ansi.RequestBackgroundColor },
}

// outputFilter is the program's message filter (see outputMsgs).
func outputFilter(_ tea.Model, msg tea.Msg) tea.Msg {
	if msg == nil {
		return nil
	}
	if seq, ok := outputMsgs[reflect.TypeOf(msg)]; ok {
		return sequenceMsg(seq(msg))
	}
	if raw, ok := msg.(tea.RawMsg); ok {
		return sequenceMsg(fmt.Sprint(raw.Msg))
	}
	return msg
}
