package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every key binding of the console. The `?` help screen is
// generated from it, so a binding that is disabled (the action keys in
// read-only mode) vanishes from help as well as from use.
type KeyMap struct {
	Quit, ForceQuit, Help                 key.Binding
	View1, View2, View3, View4, View5     key.Binding
	View6                                 key.Binding // the fleet, with --fleet
	NextView, PrevView                    key.Binding
	Up, Down, Top, Bottom, PageUp, PageDn key.Binding
	Open, Back                            key.Binding
	Filter, Sort, SortReverse, Columns    key.Binding
	Mark, ClearMarks, Command, Diagnose   key.Binding

	// Replay (enabled only in `stacktui replay`).
	ReplayPause, ReplayNext, ReplayPrev, ReplayFaster, ReplaySlower key.Binding

	// Actions (disabled in read-only mode).
	Drain, Maint, Ready, Weight, Health, Agent, Shutdown key.Binding
	HacheckDown, HacheckUp, Reload                       key.Binding
	SerfTags, SerfEvent, ZKDelete                        key.Binding
}

// KeyGroup is one titled section of the help screen.
type KeyGroup struct {
	Title    string
	Bindings []key.Binding
}

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
		View6:       bind([]string{"6"}, "6", "fleet: every host's HAProxy (--fleet)"),
		NextView:    bind([]string{"tab"}, "tab", "next view"),
		PrevView:    bind([]string{"shift+tab"}, "shift+tab", "previous view"),
		Up:          bind([]string{"k", "up"}, "k/↑", "up"),
		Down:        bind([]string{"j", "down"}, "j/↓", "down"),
		Top:         bind([]string{"g", "home"}, "g", "top"),
		Bottom:      bind([]string{"G", "end"}, "G", "bottom"),
		PageUp:      bind([]string{"pgup", "ctrl+b"}, "pgup", "page up"),
		PageDn:      bind([]string{"pgdown", "ctrl+f"}, "pgdown", "page down"),
		Open:        bind([]string{"enter"}, "enter", "open"),
		Back:        bind([]string{"esc", "backspace"}, "esc", "back / clear filter"),
		Filter:      bind([]string{"/"}, "/", "filter (regex, ! inverts)"),
		Sort:        bind([]string{"s"}, "s", "next sort column"),
		SortReverse: bind([]string{"S"}, "S", "reverse sort"),
		Columns:     bind([]string{"c"}, "c", "HAProxy column set"),
		Mark:        bind([]string{"space"}, "space", "mark row"),
		ClearMarks:  bind([]string{"u"}, "u", "clear all marks"),
		Command:     bind([]string{":"}, ":", "command (:svc :zk :haproxy :events :q)"),
		Diagnose:    bind([]string{"D"}, "D", "diagnose service/instance"),

		Drain:       bind([]string{"d"}, "d", "drain server"),
		Maint:       bind([]string{"m"}, "m", "maintenance (HAProxy)"),
		Ready:       bind([]string{"r"}, "r", "ready (undo drain/maint)"),
		Weight:      bind([]string{"w"}, "w", "set weight (10 or 50%)"),
		Health:      bind([]string{"h"}, "h", "health: up/stopping/down, checks on/off"),
		Agent:       bind([]string{"a"}, "a", "agent: up/down, on/off"),
		Shutdown:    bind([]string{"x"}, "x", "shut down sessions"),
		HacheckDown: bind([]string{"M"}, "M", "durable maintenance on this host (hacheck or Nerve toggle)"),
		HacheckUp:   bind([]string{"U"}, "U", "end durable maintenance"),
		Reload:      bind([]string{"R"}, "R", "reload HAProxy / restart Synapse (output shown)"),
		SerfTags:    bind([]string{"t"}, "t", "set/delete a member's Serf tags"),
		SerfEvent:   bind([]string{"E"}, "E", "send Serf user event"),
		ZKDelete:    bind([]string{"X"}, "X", "delete znode (typed confirmation)"),

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

// isActionKey reports whether s is one of the action keys, enabled or not,
// so read-only mode can say why nothing happened.
func (k *KeyMap) isActionKey(s string) bool {
	for _, b := range k.actionBindings() {
		for _, ks := range b.Keys() {
			if ks == s {
				return true
			}
		}
	}
	return false
}

// Groups returns the help sections; disabled bindings are left out.
func (k KeyMap) Groups() []KeyGroup {
	all := []KeyGroup{
		{"General", []key.Binding{k.Help, k.Quit, k.ForceQuit, k.Command, k.Diagnose}},
		{"Views", []key.Binding{k.View1, k.View2, k.View3, k.View4, k.View5, k.View6, k.NextView, k.PrevView, k.Open, k.Back}},
		{"Navigation", []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDn}},
		{"Lists", []key.Binding{k.Filter, k.Sort, k.SortReverse, k.Columns, k.Mark, k.ClearMarks}},
		{"Replay", []key.Binding{k.ReplayPause, k.ReplayNext, k.ReplayPrev, k.ReplayFaster, k.ReplaySlower}},
		{"Actions (confirmed before anything is sent)", []key.Binding{k.Drain, k.Maint, k.Ready, k.Weight,
			k.Health, k.Agent, k.Shutdown, k.HacheckDown, k.HacheckUp, k.Reload, k.SerfTags, k.SerfEvent, k.ZKDelete}},
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
