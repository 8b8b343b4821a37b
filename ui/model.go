package ui

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/state"
)

// viewID names a pane.
type viewID int

// The top-level views (keys 1-5) and the service detail below Services.
const (
	viewServices viewID = iota
	viewHAProxy
	viewRegistry
	viewCluster
	viewEvents
	viewDetail
	viewFleet // 6, with --fleet
)

var viewNames = [...]string{"Services", "HAProxy", "Registry", "Cluster", "Events", "Detail", "Fleet"}

// mode is the input state machine: in every mode but modeNormal, keys are
// text for the editor or the dialog, never commands.
type mode int

const (
	modeNormal mode = iota
	modeFilter
	modeCommand
	modePrompt
	modeConfirm
)

// overlayID is a full-screen text page over the current view.
type overlayID int

const (
	overlayNone overlayID = iota
	overlayHelp
	overlayDiagnose
	overlayInspect
	overlayOutput // an action's output, or a refusal with what to run where
)

// Minimum usable terminal size.
const (
	minWidth  = 60
	minHeight = 12
)

// Model is the console's root model. Only it returns a tea.View; panes
// render strings from the state it holds.
type Model struct {
	*common
	o Options

	view    viewID
	overlay overlayID
	text    textPane

	mode    mode
	edit    lineEditor
	history []string // command-line history, oldest first
	histPos int

	sub *live.Subscription

	services servicesPane
	detail   detailPane
	hap      haproxyPane
	registry registryPane
	cluster  clusterPane
	events   eventsPane
	fleet    fleetPane

	prompt  *prompt
	confirm *confirmDialog
	running bool // an action is executing

	firstViewDone bool                 // Options.FirstView was called
	watching      []string             // backends on screen, as last passed to Feed.Watch
	mono, dark    bool                 // NO_COLOR; the terminal's background
	profile       colorprofile.Profile // the terminal's colours, as the program detected them
}

// New builds the root model from the options.
func New(o Options) *Model { return newModel(o, time.Now) }

// newModel is New with a clock, so tests render fixed ages.
func newModel(o Options, now func() time.Time) *Model {
	if o.Refresh <= 0 {
		o.Refresh = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Replay != nil:
		// A replay changes nothing by construction: it has no executor at
		// all, read-only or not.
		o.Executor, o.ReadOnly = nil, true
	case o.Executor == nil:
		o.Executor = actions.NewReadOnlyExecutor()
	}
	if o.Executor == nil || o.Executor.ReadOnly() {
		o.ReadOnly = true
	}
	keys := DefaultKeyMap(o.ReadOnly)
	if o.Keys != nil {
		keys = *o.Keys
		if o.ReadOnly {
			for _, b := range keys.actionBindings() {
				b.SetEnabled(false)
			}
		}
	}
	m := &Model{
		common: &common{
			keys:     &keys,
			w:        80,
			h:        24,
			now:      now,
			log:      o.Logger,
			readOnly: o.ReadOnly,
			zkMode:   o.Browser != nil,
			hist:     newHistory(),
			shist:    state.NewHistory(2), // until the first frame brings the pipeline's
		},
		o:       o,
		mono:    NoColorRequested(),
		dark:    true,
		profile: colorprofile.TrueColor, // until the program says (the renderer downsamples meanwhile)
	}
	if o.Replay != nil {
		// The trace's clock: ages are as they were then, not as of now.
		m.now = func() time.Time { return m.frame.At }
		m.keys.EnableReplay()
	}
	m.st = m.makeStyles()
	c := m.common
	m.services = newServicesPane(c)
	m.detail = newDetailPane(c)
	m.hap = newHAProxyPane(c)
	m.registry = newRegistryPane(c, o.Browser)
	m.cluster = clusterPane{c: c, ensemble: o.Health != nil}
	m.events = newEventsPane(c)
	m.fleet = newFleetPane(c)
	m.keys.View6.SetEnabled(o.Fleet)
	m.text = textPane{c: c}
	if o.Feed != nil {
		m.sub = o.Feed.Subscribe()
		if f, ok := m.sub.TryNext(); ok {
			m.applyFrame(f)
		}
	}
	m.layout()
	return m
}

func (m *Model) makeStyles() Styles {
	p := PaletteColor
	if m.mono {
		p = PaletteMono
	}
	return NewStylesFor(p, m.dark, m.profile)
}

// Init starts the channel readers, the clock and the first reads.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, tickEvery(time.Second)}
	if m.sub != nil {
		cmds = append(cmds, waitFrame(m.sub))
	}
	if m.o.Health != nil {
		cmds = append(cmds, pollHealth(m.o.Health))
	}
	if m.o.Browser != nil {
		cmds = append(cmds, loadChildren(m.o.Browser, m.registry.path))
	}
	if m.o.Audit != nil {
		cmds = append(cmds, readAudit(m.o.Audit))
	}
	return tea.Batch(cmds...)
}

// Update handles one message. It recovers from its own panics: the stack
// goes to the log file and the status bar says so; the screen stays intact.
func (m *Model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("panic in Update", "panic", fmt.Sprint(r), "stack", stack())
			m.setError(fmt.Sprintf("internal error: %v (details in the log file)", r))
			cmd = m.rearm(msg) // keep the live feeds flowing whatever went wrong
		}
	}()
	cmd = m.update(msg)
	m.layout()
	m.watchOnScreen()
	return m, cmd
}

// watchOnScreen tells the poller which backends have servers on screen,
// so that it re-reads them at every poll: at scale, full reads are spaced
// out, and the rows someone is looking at must still move every refresh.
func (m *Model) watchOnScreen() {
	if m.o.Feed == nil || len(m.haps) == 0 {
		return
	}
	var want []string
	add := func(r *haproxy.Row) {
		if r != nil && r.Type != haproxy.TypeFrontend && !slices.Contains(want, r.Proxy) {
			want = append(want, r.Proxy)
		}
	}
	switch m.view {
	case viewHAProxy:
		from, to := m.hap.visible()
		for i := from; i < to; i++ {
			add(m.hap.rows[i].row)
		}
	case viewDetail:
		from, to := m.detail.visible()
		for i := from; i < to; i++ {
			for _, seen := range m.detail.rows[i].HAProxy {
				add(seen.Row)
			}
		}
	}
	if !slices.Equal(want, m.watching) {
		m.watching = want
		m.o.Feed.Watch(want)
	}
}

// rearm returns the reader a feed message must re-arm, for when handling
// the message failed half-way.
func (m *Model) rearm(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case frameMsg:
		return waitFrame(m.sub)
	case tickMsg:
		return tickEvery(time.Second)
	case healthMsg:
		return scheduleHealth(max(m.o.Refresh, 5*time.Second))
	}
	return nil
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return nil
	case tea.ColorProfileMsg:
		m.profile = msg.Profile
		m.st = m.makeStyles()
		return nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = m.makeStyles()
		return nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		if m.overlay != overlayNone {
			return m.text.update(msg)
		}
		if m.mode != modeNormal {
			return nil
		}
		return m.active().update(msg)
	case tea.MouseClickMsg:
		return m.handleClick(msg)
	case frameMsg:
		m.applyFrame(msg.f)
		return waitFrame(m.sub)
	case feedClosedMsg:
		m.setError("the live feed stopped: showing the last known state")
		return nil
	case tickMsg:
		return tickEvery(time.Second)
	case healthMsg:
		m.cluster.update(msg)
		return scheduleHealth(max(m.o.Refresh, 5*time.Second))
	case healthTickMsg:
		if m.o.Health != nil {
			return pollHealth(m.o.Health)
		}
		return nil
	case childrenMsg, nodeMsg:
		return m.registry.update(msg)
	case auditMsg:
		if msg.err != nil {
			m.log.Warn("reading audit log", "err", msg.err)
			return nil
		}
		m.events.addAudit(msg.recs)
		return nil
	case actionDoneMsg:
		return m.actionDone(msg.r)
	case panicMsg:
		m.log.Error("panic in command", "panic", fmt.Sprint(msg.val), "stack", msg.stack)
		m.setError(fmt.Sprintf("internal error: %v (details in the log file)", msg.val))
		return nil
	}
	return nil
}

// layout sizes the panes for the current terminal and rebuilds the rows
// of the visible pane when their data changed.
func (m *Model) layout() {
	bh := m.bodyHeight()
	m.services.height = bh - 1
	m.detail.height = max(bh-1-detailFooterLines, 1)
	m.hap.height = bh - 2 - haproxyHeaderLines // column titles, hints line
	m.registry.height = bh - 1
	if m.zkMode {
		m.registry.height = m.registry.listHeight(bh)
	}
	m.events.height = bh - 2 // column titles, the follow line
	m.fleet.height = bh - 2  // its header line, column titles
	m.cluster.height = bh
	m.text.height = bh
	if lp, ok := m.active().(listPane); ok {
		lp.rebuild()
	}
	for _, lp := range m.lists() {
		lp.lst().clamp()
	}
}

// lists are the panes with rows.
func (m *Model) lists() []listPane {
	return []listPane{&m.services, &m.detail, &m.hap, &m.registry, &m.events, &m.fleet}
}

// active is the pane of the current view.
func (m *Model) active() pane {
	switch m.view {
	case viewDetail:
		return &m.detail
	case viewHAProxy:
		return &m.hap
	case viewRegistry:
		return &m.registry
	case viewCluster:
		return &m.cluster
	case viewEvents:
		return &m.events
	case viewFleet:
		return &m.fleet
	}
	return &m.services
}

// topLines is the number of lines above the pane body.
func (m *Model) topLines() int {
	return 2 + len(m.bannerLines()) // header, banner, tabs
}

// bodyHeight is the pane body's height: everything but header and footer.
func (m *Model) bodyHeight() int { return max(m.h-m.topLines()-1, 1) }
