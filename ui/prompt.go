package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"

	tea "charm.land/bubbletea/v2"
)

// prompt asks for one line of text (submit) or one key from a menu
// (choices). While it is open every key belongs to it. info, when set, is
// shown in the body above the footer's input line: what the value is about
// (a member's current tags, where a file will be written).
type prompt struct {
	c       *common
	label   string
	info    []string
	submit  func(text string) tea.Cmd
	choices []menuItem
}

// menuItem is one choice of a menu: the key that picks it and what it does.
type menuItem struct {
	b   key.Binding
	run func() tea.Cmd
}

func (m *Model) ask(label, initial string, submit func(string) tea.Cmd) {
	m.askWith(label, initial, nil, submit)
}

// askWith is ask with info lines shown in the body while it is open.
func (m *Model) askWith(label, initial string, info []string, submit func(string) tea.Cmd) {
	m.prompt = &prompt{c: m.common, label: label, info: info, submit: submit}
	m.mode = modePrompt
	m.edit.set(initial)
}

// menu offers choices by key; its label is the title and each choice's
// key from the keymap ("health: u up · s stopping …").
func (m *Model) menu(title string, choices []menuItem) {
	bs := make([]key.Binding, len(choices))
	for i, c := range choices {
		bs[i] = c.b
	}
	m.prompt = &prompt{c: m.common, label: title + ": " + hints(bs...), choices: choices}
	m.mode = modePrompt
	m.edit.set("")
}

func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	if p == nil {
		m.mode = modeNormal
		return nil
	}
	if key.Matches(msg, m.keys.Dismiss) {
		m.mode, m.prompt = modeNormal, nil
		m.setStatus("cancelled")
		return nil
	}
	if p.choices != nil {
		for _, c := range p.choices {
			if key.Matches(msg, c.b) {
				m.mode, m.prompt = modeNormal, nil
				return c.run()
			}
		}
		return nil
	}
	if key.Matches(msg, m.keys.Submit) {
		m.mode, m.prompt = modeNormal, nil
		return p.submit(strings.TrimSpace(m.edit.String()))
	}
	m.edit.key(&m.keys.Edit, msg)
	return nil
}

// render draws the prompt's info in the body; the input stays in the footer.
func (p *prompt) view(w, h int) string {
	lines := wrapAll(p.info, w)
	if len(lines) > h {
		lines = append(lines[:h-1], p.c.st.Muted.Render("…"))
	}
	return strings.Join(lines, "\n")
}
