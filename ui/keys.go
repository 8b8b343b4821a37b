package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is every key binding of the console, and the only place a key's
// letter is written: keys are matched with key.Matches against it, and the
// help page, the footer, the hints line, menus, dialogs and the plans'
// "press …" texts take their letters from it, so rebinding a key changes
// all of them together. A disabled binding (the action keys in read-only
// mode) matches nothing and vanishes from help and hints.
type KeyMap struct {
	Quit, ForceQuit, Help                 key.Binding
	View1, View2, View3, View4, View5     key.Binding
	View6                                 key.Binding // the fleet, with --fleet
	NextView, PrevView                    key.Binding
	Up, Down, Top, Bottom, PageUp, PageDn key.Binding
	Open, Back                            key.Binding
	Filter, Sort, SortReverse, Columns    key.Binding
	Mark, ClearMarks, Command, Diagnose   key.Binding
	Copy                                  key.Binding

	// Editors (filter, command line, prompts) and dialogs.
	Submit, Dismiss, Complete, HistoryPrev, HistoryNext       key.Binding
	ConfirmYes, ConfirmNo, ConfirmScope, ConfirmFocus         key.Binding
	HealthUp, HealthStopping, HealthDown, ChecksOn, ChecksOff key.Binding
	AgentUp, AgentDown, AgentOn, AgentOff                     key.Binding
	ReloadHAProxy, RestartSynapse                             key.Binding

	// The line editor's keys (filter, command line, prompts, typed
	// confirmations), readline's; every other key it gets is text.
	Edit EditKeys

	// hatop's function keys: not actions here, but answered with the keys
	// stacktui uses instead (its users reach for them first).
	HatopEnableAll, HatopDisableAll, HatopWeightFull, HatopWeightStep, HatopEnable, HatopDisable key.Binding

	// Replay (enabled only in `stacktui replay`).
	ReplayPause, ReplayNext, ReplayPrev, ReplayFaster, ReplaySlower key.Binding

	// Actions (disabled in read-only mode).
	Drain, Maint, Ready, Weight, Health, Agent, Shutdown key.Binding
	HacheckDown, HacheckUp, Reload                       key.Binding
	SerfTags, SerfEvent, ZKDelete                        key.Binding
}

// EditKeys are the line editor's editing keys.
type EditKeys struct {
	DeleteBack, DeleteFwd, Left, Right, Home, End, KillToStart, KillWord key.Binding
}

// KeyGroup is one titled section of the help screen.
type KeyGroup struct {
	Title    string
	Bindings []key.Binding
}

// bind makes a binding; desc is "short (more)": hints show the short part,
// help all of it.
func bind(keys []string, help, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// DefaultKeyMap returns the bindings; with readOnly the action keys are
// disabled.
func DefaultKeyMap(readOnly bool) KeyMap {
	k := KeyMap{
		Quit:        bind([]string{"q"}, "q", "quit"),
		ForceQuit:   bind([]string{"ctrl+c"}, "ctrl+c", "quit from anywhere"),
		Help:        bind([]string{"?"}, "?", "help"),
		View1:       bind([]string{"1"}, "1", "services"),
		View2:       bind([]string{"2"}, "2", "HAProxy"),
		View3:       bind([]string{"3"}, "3", "registry"),
		View4:       bind([]string{"4"}, "4", "cluster"),
		View5:       bind([]string{"5"}, "5", "events"),
		View6:       bind([]string{"6"}, "6", "fleet (every host's HAProxy, --fleet)"),
		NextView:    bind([]string{"tab"}, "tab", "next view"),
		PrevView:    bind([]string{"shift+tab"}, "shift+tab", "previous view"),
		Up:          bind([]string{"k", "up"}, "k/↑", "up"),
		Down:        bind([]string{"j", "down"}, "j/↓", "down"),
		Top:         bind([]string{"g", "home"}, "g", "top"),
		Bottom:      bind([]string{"G", "end"}, "G", "bottom"),
		PageUp:      bind([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDn:      bind([]string{"pgdown", "ctrl+f"}, "pgdown", "page down"),
		Open:        bind([]string{"enter"}, "enter", "open"),
		Back:        bind([]string{"esc", "backspace"}, "esc", "back (or clear the filter)"),
		Filter:      bind([]string{"/"}, "/", "filter (regex, ! inverts)"),
		Sort:        bind([]string{"s"}, "s", "sort (next sort column)"),
		SortReverse: bind([]string{"S"}, "S", "reverse sort"),
		Columns:     bind([]string{"c"}, "c", "columns (HAProxy column set)"),
		Mark:        bind([]string{"space"}, "space", "mark (row, for one plan over all marked)"),
		ClearMarks:  bind([]string{"u"}, "u", "clear all marks"),
		Command:     bind([]string{":"}, ":", "command (:svc :zk :haproxy :events :q, tab completes)"),
		Diagnose:    bind([]string{"D"}, "D", "diagnose (service/instance walkthrough)"),
		Copy:        bind([]string{"y"}, "y", "copy (the name, to the clipboard: OSC 52)"),

		Submit:       bind([]string{"enter"}, "enter", "ok / press the focused button"),
		Dismiss:      bind([]string{"esc"}, "esc", "cancel / close"),
		Complete:     bind([]string{"tab"}, "tab", "complete (command line)"),
		HistoryPrev:  bind([]string{"up"}, "↑", "earlier command (command line)"),
		HistoryNext:  bind([]string{"down"}, "↓", "later command (command line)"),
		ConfirmYes:   bind([]string{"y", "Y"}, "y", "execute"),
		ConfirmNo:    bind([]string{"n", "N", "q"}, "n", "cancel"),
		ConfirmScope: bind([]string{"s"}, "s", "change scope"),
		ConfirmFocus: bind([]string{"tab", "shift+tab", "left", "right"}, "tab", "move focus"),

		HealthUp:       bind([]string{"u"}, "u", "up"),
		HealthStopping: bind([]string{"s"}, "s", "stopping"),
		HealthDown:     bind([]string{"d"}, "d", "down"),
		ChecksOn:       bind([]string{"o"}, "o", "checks on"),
		ChecksOff:      bind([]string{"f"}, "f", "checks off"),
		AgentUp:        bind([]string{"u"}, "u", "up"),
		AgentDown:      bind([]string{"d"}, "d", "down"),
		AgentOn:        bind([]string{"o"}, "o", "on"),
		AgentOff:       bind([]string{"f"}, "f", "off"),
		ReloadHAProxy:  bind([]string{"r"}, "r", "reload HAProxy (reload command)"),
		RestartSynapse: bind([]string{"s"}, "s", "restart Synapse"),

		Drain:       bind([]string{"d"}, "d", "drain (server: sessions finish, no new ones)"),
		Maint:       bind([]string{"m"}, "m", "maint (HAProxy maintenance)"),
		Ready:       bind([]string{"r"}, "r", "ready (undo drain/maint)"),
		Weight:      bind([]string{"w"}, "w", "weight (10 or 50%)"),
		Health:      bind([]string{"h"}, "h", "health (up/stopping/down, checks on/off)"),
		Agent:       bind([]string{"a"}, "a", "agent (up/down, on/off)"),
		Shutdown:    bind([]string{"x"}, "x", "kill sessions (shut down the server's sessions)"),
		HacheckDown: bind([]string{"M"}, "M", "durable maint (on this host: hacheck or Nerve toggle)"),
		HacheckUp:   bind([]string{"U"}, "U", "end durable (maintenance on this host)"),
		Reload:      bind([]string{"R"}, "R", "reload HAProxy / restart Synapse (output shown)"),
		SerfTags:    bind([]string{"t"}, "t", "Serf tags (set/delete a member's tags)"),
		SerfEvent:   bind([]string{"E"}, "E", "send Serf user event"),
		ZKDelete:    bind([]string{"X"}, "X", "delete znode (typed confirmation)"),

		Edit: EditKeys{
			DeleteBack:  bind([]string{"backspace", "ctrl+h"}, "backspace", "delete back"),
			DeleteFwd:   bind([]string{"delete", "ctrl+d"}, "delete", "delete forward"),
			Left:        bind([]string{"left", "ctrl+b"}, "←", "cursor left"),
			Right:       bind([]string{"right", "ctrl+f"}, "→", "cursor right"),
			Home:        bind([]string{"home", "ctrl+a"}, "home", "to the start"),
			End:         bind([]string{"end", "ctrl+e"}, "end", "to the end"),
			KillToStart: bind([]string{"ctrl+u"}, "ctrl+u", "delete to the start"),
			KillWord:    bind([]string{"ctrl+w"}, "ctrl+w", "delete the word before"),
		},

		HatopEnableAll:  bind([]string{"f1"}, "F1", "hatop: enable everywhere"),
		HatopDisableAll: bind([]string{"f2"}, "F2", "hatop: disable everywhere"),
		HatopWeightFull: bind([]string{"f4"}, "F4", "hatop: weight 100%"),
		HatopWeightStep: bind([]string{"f5", "f6", "f7", "f8"}, "F5-F8", "hatop: weight -10/-1/+1/+10"),
		HatopEnable:     bind([]string{"f9"}, "F9", "hatop: enable this backend"),
		HatopDisable:    bind([]string{"f10"}, "F10", "hatop: disable this backend"),

		ReplayPause:  bind([]string{"p"}, "p", "pause / resume the replay"),
		ReplayNext:   bind([]string{"]"}, "]", "step to the next change"),
		ReplayPrev:   bind([]string{"["}, "[", "step back to the previous change"),
		ReplayFaster: bind([]string{"+", "="}, "+", "replay faster (x2)"),
		ReplaySlower: bind([]string{"-"}, "-", "replay slower (/2)"),
	}
	for _, b := range k.replayBindings() {
		b.SetEnabled(false)
	}
	if readOnly {
		for _, b := range k.actionBindings() {
			b.SetEnabled(false)
		}
	}
	return k
}

// replayBindings returns pointers to the replay's bindings.
func (k *KeyMap) replayBindings() []*key.Binding {
	return []*key.Binding{&k.ReplayPause, &k.ReplayNext, &k.ReplayPrev, &k.ReplayFaster, &k.ReplaySlower}
}

// EnableReplay turns the replay keys on (`stacktui replay`).
func (k *KeyMap) EnableReplay() {
	for _, b := range k.replayBindings() {
		b.SetEnabled(true)
	}
}

// actionBindings returns pointers to the mutating bindings.
func (k *KeyMap) actionBindings() []*key.Binding {
	return []*key.Binding{&k.Drain, &k.Maint, &k.Ready, &k.Weight, &k.Health, &k.Agent,
		&k.Shutdown, &k.HacheckDown, &k.HacheckUp, &k.Reload, &k.SerfTags, &k.SerfEvent, &k.ZKDelete}
}

// isActionKey reports whether msg is one of the action keys, enabled or
// not, so read-only mode can say why nothing happened.
func (k *KeyMap) isActionKey(msg tea.KeyPressMsg) bool {
	s := msg.String()
	for _, b := range k.actionBindings() {
		for _, ks := range b.Keys() {
			if ks == s {
				return true
			}
		}
	}
	return false
}

// bound reports whether any enabled binding is for exactly msg's key
// (alt included): an esc-prefixed key no binding claims is Esc then the key.
func (k *KeyMap) bound(msg tea.KeyPressMsg) bool {
	s := msg.String()
	for _, b := range k.all() {
		if !b.Enabled() {
			continue
		}
		for _, ks := range b.Keys() {
			if ks == s {
				return true
			}
		}
	}
	return false
}

// all returns every binding of the map.
func (k *KeyMap) all() []*key.Binding {
	out := []*key.Binding{&k.Quit, &k.ForceQuit, &k.Help, &k.View1, &k.View2, &k.View3, &k.View4, &k.View5, &k.View6,
		&k.NextView, &k.PrevView, &k.Up, &k.Down, &k.Top, &k.Bottom, &k.PageUp, &k.PageDn, &k.Open, &k.Back,
		&k.Filter, &k.Sort, &k.SortReverse, &k.Columns, &k.Mark, &k.ClearMarks, &k.Command, &k.Diagnose, &k.Copy,
		&k.Submit, &k.Dismiss, &k.Complete, &k.HistoryPrev, &k.HistoryNext, &k.ConfirmYes, &k.ConfirmNo, &k.ConfirmScope, &k.ConfirmFocus,
		&k.HealthUp, &k.HealthStopping, &k.HealthDown, &k.ChecksOn, &k.ChecksOff,
		&k.AgentUp, &k.AgentDown, &k.AgentOn, &k.AgentOff, &k.ReloadHAProxy, &k.RestartSynapse,
		&k.HatopEnableAll, &k.HatopDisableAll, &k.HatopWeightFull, &k.HatopWeightStep, &k.HatopEnable, &k.HatopDisable,
		&k.Edit.DeleteBack, &k.Edit.DeleteFwd, &k.Edit.Left, &k.Edit.Right, &k.Edit.Home, &k.Edit.End, &k.Edit.KillToStart, &k.Edit.KillWord}
	out = append(out, k.replayBindings()...)
	return append(out, k.actionBindings()...)
}

// Groups returns the help sections; disabled bindings are left out.
func (k KeyMap) Groups() []KeyGroup {
	all := []KeyGroup{
		{"General", []key.Binding{k.Help, k.Quit, k.ForceQuit, k.Command, k.Diagnose, k.Copy}},
		{"Views", []key.Binding{k.View1, k.View2, k.View3, k.View4, k.View5, k.View6, k.NextView, k.PrevView, k.Open, k.Back}},
		{"Navigation", []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDn}},
		{"Lists", []key.Binding{k.Filter, k.Sort, k.SortReverse, k.Columns, k.Mark, k.ClearMarks}},
		{"Replay", []key.Binding{k.ReplayPause, k.ReplayNext, k.ReplayPrev, k.ReplayFaster, k.ReplaySlower}},
		{"Actions (confirmed before anything is sent)", []key.Binding{k.Drain, k.Maint, k.Ready, k.Weight,
			k.Health, k.Agent, k.Shutdown, k.HacheckDown, k.HacheckUp, k.Reload, k.SerfTags, k.SerfEvent, k.ZKDelete}},
		{"Confirm dialog (focus starts on Cancel)", []key.Binding{k.ConfirmYes, k.ConfirmNo, k.ConfirmScope, k.ConfirmFocus, k.Submit}},
	}
	if !k.Drain.Enabled() && !k.ZKDelete.Enabled() {
		all = all[:len(all)-1] // no action, no dialog
	}
	out := all[:0]
	for _, g := range all {
		var bs []key.Binding
		for _, b := range g.Bindings {
			if b.Enabled() {
				bs = append(bs, b)
			}
		}
		if len(bs) > 0 {
			out = append(out, KeyGroup{g.Title, bs})
		}
	}
	return out
}

// keyName is the key a binding is pressed with (its first), for prose,
// hints and dialogs; the help page shows Help().Key with the alternatives.
func keyName(b key.Binding) string {
	if ks := b.Keys(); len(ks) > 0 {
		return ks[0]
	}
	return b.Help().Key
}

// shortDesc is the part of a binding's description before " (".
func shortDesc(b key.Binding) string {
	d := b.Help().Desc
	if i := strings.Index(d, " ("); i > 0 {
		return d[:i]
	}
	return d
}

// hints is "d drain · m maint …" for the enabled bindings among bs.
func hints(bs ...key.Binding) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		if b.Enabled() {
			parts = append(parts, keyName(b)+" "+shortDesc(b))
		}
	}
	return strings.Join(parts, " · ")
}

// planKeys maps the key names a plan's text uses ({ready}, see
// actions.Key) to the bindings they stand for.
func (k *KeyMap) planKeys() map[string]key.Binding {
	return map[string]key.Binding{
		"drain": k.Drain, "maint": k.Maint, "ready": k.Ready, "weight": k.Weight, "health": k.Health,
		"agent": k.Agent, "durable": k.HacheckDown, "end-durable": k.HacheckUp, "tags": k.SerfTags,
		"checks-on": k.ChecksOn, "checks-off": k.ChecksOff, "agent-on": k.AgentOn, "agent-off": k.AgentOff,
	}
}

// expand replaces a plan text's {name} key references with this keymap's
// keys.
func (k *KeyMap) expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	for name, b := range k.planKeys() {
		s = strings.ReplaceAll(s, "{"+name+"}", keyName(b))
	}
	return s
}
