package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/internal/termtext"
)

// Confirm dialog focus positions. Focus starts on Cancel.
const (
	focusCancel = iota
	focusExecute
)

// confirmDialog shows an action's plan in full before anything is sent.
type confirmDialog struct {
	c       *common
	action  actions.Action
	plan    actions.Plan
	rebuild func(actions.Scope) (actions.Action, error) // HAProxy actions: re-plan for another scope
	scope   int
	counts  []string // per scope in actions.Scopes: the servers it reaches
	note    string   // first line: marked rows not on screen
	on      string   // the --ssh host every action changes, "" on this machine
	focus   int
	typed   lineEditor
	err     string
	offset  int
}

// confirmAction opens the dialog for a; rebuild (may be nil) re-plans it
// for another scope.
func (m *Model) confirmAction(a actions.Action, rebuild func(actions.Scope) (actions.Action, error)) {
	d := &confirmDialog{c: m.common, action: a, plan: a.Plan(), rebuild: rebuild, focus: focusCancel}
	if w := m.o.Durable.Where; w.Remote() {
		d.on = w.Describe() // every action, HAProxy's included, changes the SSH host
	}
	for i, s := range actions.Scopes {
		if s == d.plan.Scope {
			d.scope = i
		}
	}
	m.confirm = d
	m.mode = modeConfirm
}

// planFailed reports a plan that could not be built; one that belongs on
// another host or member opens a page with the commands to run there.
func (m *Model) planFailed(err error) tea.Cmd {
	if m.showElsewhere(err) {
		return nil
	}
	m.setError("cannot plan that: " + err.Error())
	return nil
}

// dialogVerdict is what a key in the confirm dialog decided.
type dialogVerdict int

const (
	dialogOpen dialogVerdict = iota
	dialogCancel
	dialogExecute
)

// confirmKey routes a key to the dialog and acts on its verdict.
func (m *Model) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	d := m.confirm
	if d == nil {
		m.mode = modeNormal
		return nil
	}
	switch d.update(msg) {
	case dialogCancel:
		return m.cancelConfirm()
	case dialogExecute:
		return m.executeConfirm()
	}
	return nil
}

// update handles a key in the dialog: focus, scope, scrolling and, for a
// typed confirmation, the text; every letter comes from the keymap. With a
// typed confirmation, keys that type text are text.
func (d *confirmDialog) update(msg tea.KeyPressMsg) dialogVerdict {
	k := d.c.keys
	typed := d.plan.ConfirmText != ""
	text := keyText(msg)
	switch {
	case key.Matches(msg, k.Dismiss):
		return dialogCancel
	case key.Matches(msg, k.ConfirmFocus) && (!typed || text == ""):
		d.focus = 1 - d.focus
		return dialogOpen
	case key.Matches(msg, k.Submit):
		if d.focus == focusCancel {
			return dialogCancel
		}
		return dialogExecute
	case key.Matches(msg, k.Up, k.PageUp) && (!typed || text == ""):
		d.offset = max(d.offset-1, 0)
		return dialogOpen
	case key.Matches(msg, k.Down, k.PageDn) && (!typed || text == ""):
		d.offset++
		return dialogOpen
	}
	if typed {
		if d.typed.key(&k.Edit, msg) {
			d.err = ""
		}
		return dialogOpen
	}
	switch {
	case key.Matches(msg, k.ConfirmYes):
		return dialogExecute
	case key.Matches(msg, k.ConfirmNo):
		return dialogCancel
	case key.Matches(msg, k.ConfirmScope):
		if d.rebuild == nil {
			return dialogOpen
		}
		next := (d.scope + 1) % len(actions.Scopes)
		a, err := d.rebuild(actions.Scopes[next])
		if err != nil {
			d.err = "scope " + string(actions.Scopes[next]) + ": " + err.Error()
			return dialogOpen
		}
		d.scope, d.action, d.plan, d.err = next, a, a.Plan(), ""
	}
	return dialogOpen
}

func (m *Model) cancelConfirm() tea.Cmd {
	m.mode, m.confirm = modeNormal, nil
	m.setStatus("cancelled: nothing was sent")
	return nil
}

func (m *Model) executeConfirm() tea.Cmd {
	d := m.confirm
	if d.plan.ConfirmText != "" && d.typed.String() != d.plan.ConfirmText {
		d.err = fmt.Sprintf("type %q exactly to confirm", d.plan.ConfirmText)
		d.focus = focusCancel
		return nil
	}
	m.mode, m.confirm = modeNormal, nil
	m.running = true
	m.setStatus("running: " + d.plan.Title + " …")
	return runAction(m.o.Executor, d.action)
}

// actionDone shows the result, refreshes HAProxy at once and says how to
// undo.
func (m *Model) actionDone(r actions.Result) tea.Cmd {
	m.running = false
	m.events.addResult(r)
	if k := r.Plan.Kind; (k == actions.KindReload || k == actions.KindRestart) && len(r.Steps) > 0 {
		m.showResult(r) // the whole output and the exit code, until dismissed
	}
	msg := m.keys.expand(r.Summary())
	for _, s := range r.Steps {
		if out := strings.TrimSpace(s.Output); out != "" {
			msg += " — reply: " + strings.ReplaceAll(out, "\n", " ")
			break
		}
		if s.ExitCode != 0 {
			msg += fmt.Sprintf(" — exit code %d", s.ExitCode)
			break
		}
	}
	if r.Err != nil {
		m.setError(msg)
	} else {
		m.setStatus(msg)
	}
	// Marks served their purpose once the action ran.
	m.detail.marks = map[string]bool{}
	m.hap.marks = map[string]bool{}
	if m.o.Feed != nil {
		// A poll at once, and this host's maintenance re-read (after M/U).
		feed := m.o.Feed
		return guard(func() tea.Msg { feed.Refresh(); return nil })
	}
	return nil
}

// render draws the dialog in the body: title, targets in full, the exact
// commands, the scope selector, durability, alternative, warning, buttons.
func (d *confirmDialog) view(w, h int) string {
	k := d.c.keys
	p := displayPlan(d.plan, k)
	st := &d.c.st
	var l []string
	if d.note != "" {
		l = append(l, st.Bad.Render("Note: "+d.note))
	}
	l = append(l, st.Section.Render("Confirm: "+p.Title))
	if d.on != "" {
		l = append(l, st.Warn.Render("On host: "+termtext.Clean(d.on)))
	}
	l = append(l, "")
	if p.Kind == actions.KindHAProxy {
		var opts []string
		for i, s := range actions.Scopes {
			box := "( )"
			if i == d.scope {
				box = "(•)"
			}
			o := box + " " + string(s)
			if i < len(d.counts) {
				o += " — " + d.counts[i]
			}
			opts = append(opts, o)
		}
		l = append(l, "Scope ("+keyName(k.ConfirmScope)+" changes it):")
		for _, o := range opts {
			l = append(l, "  "+o)
		}
	}
	if p.Durable {
		l = append(l, "Durable: yes")
	} else if p.Transient != "" {
		l = append(l, st.Warn.Render("Transient: "+p.Transient))
	}
	if p.Alternative != "" {
		l = append(l, "Durable alternative: "+p.Alternative)
	}
	if p.Warning != "" {
		l = append(l, st.Bad.Render("Warning: "+p.Warning))
	}
	if p.Undo != "" {
		l = append(l, "Undo: "+p.Undo)
	}
	l = append(l, fmt.Sprintf("Targets (%d):", len(p.Targets)))
	for _, t := range p.Targets {
		l = append(l, "  "+t)
	}
	l = append(l, fmt.Sprintf("Exact commands (%d):", len(p.Commands)))
	for _, c := range p.Commands {
		l = append(l, "  "+c)
	}
	l = wrapAll(l, w)
	// Footer part of the dialog: confirmation input, error, buttons.
	var foot []string
	if p.ConfirmText != "" {
		foot = append(foot, fmt.Sprintf("Type %q to confirm: %s", p.ConfirmText, d.typed.view()))
	}
	if d.err != "" {
		foot = append(foot, st.Error.Render(termtext.Clean(d.err)))
	}
	cancel, exec := "[ Cancel ]", "[ Execute ]"
	if d.focus == focusCancel {
		cancel = st.ButtonFocus.Render("> Cancel <")
		exec = st.Button.Render(exec)
	} else {
		cancel = st.Button.Render(cancel)
		exec = st.ButtonFocus.Render("> Execute <")
	}
	foot = append(foot, cancel+"  "+exec)
	avail := max(h-len(foot), 1)
	if len(l) > avail {
		d.offset = min(d.offset, len(l)-avail+1)
		more := fmt.Sprintf("… %d more lines (%s/%s scroll)", len(l)-avail+1, keyName(k.Up), keyName(k.Down))
		l = append(append([]string(nil), l[d.offset:d.offset+avail-1]...), st.Muted.Render(more))
	} else {
		d.offset = 0
	}
	for len(l) < avail {
		l = append(l, "")
	}
	return strings.Join(append(l, foot...), "\n")
}
