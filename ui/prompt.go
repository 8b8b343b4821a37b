package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// prompt asks for one line of text (submit) or one key from a menu
// (choices). While it is open every key belongs to it. info, when set, is
// shown in the body above the footer's input line: what the value is about
// (a member's current tags, where a file will be written).
type prompt struct {
	label   string
	info    []string
	submit  func(text string) tea.Cmd
	choices map[string]func() tea.Cmd
}

func (m *Model) ask(label, initial string, submit func(string) tea.Cmd) {
	m.askWith(label, initial, nil, submit)
}

// askWith is ask with info lines shown in the body while it is open.
func (m *Model) askWith(label, initial string, info []string, submit func(string) tea.Cmd) {
	m.prompt = &prompt{label: label, info: info, submit: submit}
	m.mode = modePrompt
	m.edit.set(initial)
}

func (m *Model) menu(label string, choices map[string]func() tea.Cmd) {
	m.prompt = &prompt{label: label, choices: choices}
	m.mode = modePrompt
	m.edit.set("")
}

func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.prompt
	if p == nil {
		m.mode = modeNormal
		return nil
	}
	k := msg.String()
	if k == "esc" {
		m.mode, m.prompt = modeNormal, nil
		m.setStatus("cancelled")
		return nil
	}
	if p.choices != nil {
		if f, ok := p.choices[k]; ok {
			m.mode, m.prompt = modeNormal, nil
			return f()
		}
		return nil
	}
	if k == "enter" {
		m.mode, m.prompt = modeNormal, nil
		return p.submit(strings.TrimSpace(m.edit.String()))
	}
	m.edit.key(k, keyText(msg))
	return nil
}

// render draws the prompt's info in the body; the input stays in the footer.
func (p *prompt) render(m *Model, w, h int) string {
	lines := wrapAll(p.info, w)
	if len(lines) > h {
		lines = append(lines[:h-1], m.st.Muted.Render("…"))
	}
	return strings.Join(lines, "\n")
}
