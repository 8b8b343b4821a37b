package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// prompt asks for one line of text (submit) or one key from a menu
// (choices). While it is open every key belongs to it.
type prompt struct {
	label   string
	submit  func(text string) tea.Cmd
	choices map[string]func() tea.Cmd
}

func (m *Model) ask(label, initial string, submit func(string) tea.Cmd) {
	m.prompt = &prompt{label: label, submit: submit}
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
