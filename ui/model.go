package ui

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
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
)

var viewNames = [...]string{"Services", "HAProxy", "Registry", "Cluster", "Events", "Detail"}

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
	o    Options
	keys KeyMap
	st   Styles
	mono bool
	dark bool
	w, h int
	now  func() time.Time
	log  *slog.Logger

	view    viewID
	overlay overlayID
	text    textPane

	mode    mode
	edit    lineEditor
	history []string // command-line history, oldest first
	histPos int

	reg    *sources.Snapshot
	haps   []*haproxy.Snapshot
	maint  *sources.Maintenance // this host's durable maintenance, as last read
	joined *state.View
	hist   *history       // per-service trends for the services view
	shist  *state.History // per-instance history (flapping, detail sparklines)

	services servicesPane
	detail   detailPane
	hap      haproxyPane
	registry registryPane
	cluster  clusterPane
	events   eventsPane

	status    string
	statusErr bool

	prompt  *prompt
	confirm *confirmDialog
	running bool // an action is executing

	joinBusy      bool // a join runs in a command
	joinPending   bool // snapshots arrived while it ran
	joinScheduled bool // a postponed join is due (rejoinMsg)
	joinStart     time.Time
	joinCost      time.Duration   // the last command join's duration
	joinPace      int             // joinCPUShare; tests set 0
	joinUrgent    bool            // the next join is not paced (a registry change)
	observed      <-chan struct{} // closed once the last join is in shist
	firstViewDone bool            // Options.FirstView was called
	newer         newerRows       // rows read after their socket's Stats
	watching      []string        // backends on screen, as last passed to HAProxyFeed.Watch
	unclean       int             // screen lines guardLine had to escape: must stay 0
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
	if o.Executor == nil {
		o.Executor = actions.NewReadOnlyExecutor()
	}
	if o.Executor.ReadOnly() {
		o.ReadOnly = true
	}
	m := &Model{
		o:     o,
		keys:  DefaultKeyMap(o.ReadOnly),
		mono:  NoColorRequested(),
		dark:  true,
		w:     80,
		h:     24,
		now:   now,
		log:   o.Logger,
		hist:  newHistory(),
		shist: state.NewHistory(historySamples),

		joinPace: joinCPUShare,
	}
	m.st = m.makeStyles()
	m.services = newServicesPane()
	m.detail = newDetailPane()
	m.hap = newHAProxyPane()
	m.registry = newRegistryPane()
	m.cluster = clusterPane{}
	m.events = newEventsPane()
	if o.Registry != nil {
		s := o.Registry.Current()
		m.reg = &s
	}
	if o.HAProxy != nil {
		m.haps = append([]*haproxy.Snapshot(nil), o.HAProxy.Current()...)
	}
	m.rejoin(false)
	m.layout()
	return m
}

func (m *Model) makeStyles() Styles {
	p := PaletteColor
	if m.mono {
		p = PaletteMono
	}
	return NewStyles(p, m.dark)
}

// Init starts the channel readers, the clock and the first reads.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, tickEvery(time.Second)}
	if m.o.Registry != nil {
		cmds = append(cmds, waitRegistry(m.o.Registry))
	}
	if m.o.HAProxy != nil {
		cmds = append(cmds, waitHAProxy(m.o.HAProxy))
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
	if m.o.Maintenance != nil {
		cmds = append(cmds, readMaintenance(m.o.Maintenance, 0))
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
	if m.o.HAProxy == nil {
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
		m.o.HAProxy.Watch(want)
	}
}

// rearm returns the reader a feed message must re-arm, for when handling
// the message failed half-way.
func (m *Model) rearm(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case registryMsg:
		return waitRegistry(m.o.Registry)
	case haproxyMsg:
		return waitHAProxy(m.o.HAProxy)
	case tickMsg:
		return tickEvery(time.Second)
	case healthMsg:
		return scheduleHealth(max(m.o.Refresh, 5*time.Second))
	case maintMsg:
		return readMaintenance(m.o.Maintenance, maintEvery)
	case joinedMsg:
		m.joinBusy = false
	}
	return nil
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		return nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.st = m.makeStyles()
		return nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		return m.handleWheel(msg)
	case tea.MouseClickMsg:
		return m.handleClick(msg)
	case registryMsg:
		s := msg.u.Snapshot
		m.reg = &s
		m.events.addRegistry(msg.u.Events)
		// A registration change is news: it skips the CPU pacing that keeps
		// large HAProxy polls in check.
		m.joinUrgent = true
		return tea.Batch(m.rejoin(true), waitRegistry(m.o.Registry))
	case registryClosedMsg:
		m.setError("registry source closed: showing last known state")
		return nil
	case haproxyMsg:
		if !m.storeHAProxy(msg.s) {
			// Same server rows as before (a light poll): only `show info`
			// and the frontend and backend rows moved. Nothing to join
			// again; the services' traffic follows the new proxy rows.
			m.retraffic()
			return waitHAProxy(m.o.HAProxy)
		}
		return tea.Batch(m.rejoin(true), waitHAProxy(m.o.HAProxy))
	case haproxyClosedMsg:
		m.setError("HAProxy feed closed: showing last known state")
		return nil
	case tickMsg:
		return tickEvery(time.Second)
	case healthMsg:
		m.cluster.health = msg.h
		m.cluster.at = m.now()
		return scheduleHealth(max(m.o.Refresh, 5*time.Second))
	case healthTickMsg:
		if m.o.Health != nil {
			return pollHealth(m.o.Health)
		}
		return nil
	case childrenMsg:
		return m.registry.gotChildren(m, msg)
	case nodeMsg:
		m.registry.gotNode(msg)
		return nil
	case auditMsg:
		if msg.err != nil {
			m.log.Warn("reading audit log", "err", msg.err)
			return nil
		}
		m.events.addAudit(msg.recs)
		return nil
	case actionDoneMsg:
		return m.actionDone(msg.r)
	case maintMsg:
		return m.gotMaintenance(msg)
	case rejoinMsg:
		m.joinScheduled = false
		return m.rejoin(true)
	case joinedMsg:
		m.joinBusy = false
		m.joinCost = msg.cost
		m.applyJoin(msg)
		if m.joinPending {
			m.joinPending = false
			return m.rejoin(true)
		}
		return nil
	case panicMsg:
		m.joinBusy = false // a panicking join must not stop all later ones
		m.log.Error("panic in command", "panic", fmt.Sprint(msg.val), "stack", msg.stack)
		m.setError(fmt.Sprintf("internal error: %v (details in the log file)", msg.val))
		return nil
	}
	return nil
}

// storeHAProxy replaces the snapshot of the socket with the same label, or
// appends a new socket. It reports whether the join must be redone: not
// when the poller handed back the very same rows (it keeps its last `show
// stat` when no proxy changed) and the socket is still healthy.
func (m *Model) storeHAProxy(s haproxy.Snapshot) bool {
	for i, old := range m.haps {
		if old != nil && old.Label == s.Label {
			m.haps[i] = &s
			same := old.Stats != nil && old.Stats == s.Stats && old.Preview == s.Preview && old.Err == nil && s.Err == nil && old.Level == s.Level
			return !same
		}
	}
	m.haps = append(m.haps, &s)
	return true
}

// layout sizes the lists for the current terminal and rebuilds the rows of
// the visible pane when their data changed.
func (m *Model) layout() {
	bh := m.bodyHeight()
	m.services.height = bh - 1
	m.detail.height = max(bh-1-detailFooterLines, 1)
	m.hap.height = bh - 1 - haproxyHeaderLines
	m.registry.list.height = bh - 1
	if m.zkMode() {
		m.registry.list.height = m.registry.listHeight(bh)
	}
	m.events.height = bh - 1
	m.text.height = bh
	switch m.view {
	case viewServices:
		m.services.rebuild(m)
	case viewDetail:
		m.detail.rebuild(m)
	case viewHAProxy:
		m.hap.rebuild(m)
	case viewRegistry:
		m.registry.rebuild(m)
	case viewEvents:
		m.events.rebuild()
	}
	for _, l := range []*list{&m.services.list, &m.detail.list, &m.hap.list, &m.registry.list, &m.events.list} {
		l.clamp()
	}
}

// topLines is the number of lines above the pane body.
func (m *Model) topLines() int {
	n := 2 // header + tabs
	if m.bannerText() != "" {
		n++
	}
	return n
}

// bodyHeight is the pane body's height: everything but header and footer.
func (m *Model) bodyHeight() int { return max(m.h-m.topLines()-1, 1) }

func (m *Model) setStatus(s string) { m.status, m.statusErr = s, false }
func (m *Model) setError(s string)  { m.status, m.statusErr = s, true }
