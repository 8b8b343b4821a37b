package ui

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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
	joinCost      time.Duration // the last command join's duration
	joinPace      int           // joinCPUShare; tests set 0
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
		shist: state.NewHistory(120),

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
	return tea.Batch(cmds...)
}

// Update handles one message. It recovers from its own panics: the stack
// goes to the log file and the status bar says so; the screen stays intact.
func (m *Model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("panic in Update", "panic", fmt.Sprint(r), "stack", stack())
			m.setError(fmt.Sprintf("internal error: %v (details in the log file)", r))
			cmd = nil
		}
	}()
	cmd = m.update(msg)
	m.layout()
	return m, cmd
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
		return tea.Batch(m.rejoin(true), waitRegistry(m.o.Registry))
	case registryClosedMsg:
		m.setError("registry source closed: showing last known state")
		return nil
	case haproxyMsg:
		m.storeHAProxy(msg.s)
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
// appends a new socket.
func (m *Model) storeHAProxy(s haproxy.Snapshot) {
	for i, old := range m.haps {
		if old != nil && old.Label == s.Label {
			m.haps[i] = &s
			return
		}
	}
	m.haps = append(m.haps, &s)
}

// asyncJoinRows is the size (HAProxy rows plus registrations) above which
// the join runs in a command instead of on the event loop, so a keypress is
// never queued behind a 50,000-server join. Smaller views join in Update at
// once.
const asyncJoinRows = 5000

// rejoin recomputes the joined view from the stored snapshots (in a command
// for large views) and marks the panes for rebuilding. With events it also
// records what changed in the events timeline. At most one join runs at a
// time; snapshots that arrive meanwhile are joined together afterwards.
func (m *Model) rejoin(events bool) tea.Cmd {
	if m.joinBusy {
		m.joinPending = true
		return nil
	}
	if m.joinScheduled {
		return nil // the scheduled join will read the newest snapshots
	}
	cfg := m.o.StateConfig
	cfg.Now = m.now()
	if cfg.History == nil {
		cfg.History = m.shist
	}
	var prev *state.View
	if events {
		prev = m.joined
	}
	if !events || m.size() < asyncJoinRows {
		m.applyJoin(computeJoin(m.reg, m.haps, cfg, prev))
		return nil
	}
	// Bound the join's share of the CPU: a join that costs c waits until
	// joinCPUShare*c after the previous one started (50,000 servers at a 1 s
	// refresh would otherwise keep a core busy with joins alone).
	if wait := time.Until(m.joinStart.Add(m.joinCost * time.Duration(m.joinPace))); wait > 0 {
		m.joinScheduled = true
		return tea.Tick(wait, func(time.Time) tea.Msg { return rejoinMsg{} })
	}
	m.joinBusy = true
	m.joinStart = time.Now()
	reg, haps := m.reg, append([]*haproxy.Snapshot(nil), m.haps...)
	return guard(func() tea.Msg {
		t0 := time.Now()
		j := computeJoin(reg, haps, cfg, prev)
		j.cost = time.Since(t0)
		return j
	})
}

// joinCPUShare: a large join runs at most once per joinCPUShare times its
// own duration, so joins take at most 1/joinCPUShare of one core.
const joinCPUShare = 10

// rejoinMsg runs a join that was postponed to bound its CPU share.
type rejoinMsg struct{}

// applyJoin installs a joined view.
func (m *Model) applyJoin(j joinedMsg) {
	m.events.addChanges(j.changes)
	m.joined = j.view
	m.hist.observe(j.view)
	m.services.dirty = true
	m.detail.dirty = true
	m.hap.dirty = true
	m.registry.dirty = true
}

// size is the number of HAProxy rows and registrations the join works on.
func (m *Model) size() int {
	n := 0
	for _, h := range m.haps {
		if h != nil && h.Stats != nil {
			n += len(h.Stats.Rows)
		}
	}
	if m.reg != nil {
		for i := range m.reg.Services {
			n += len(m.reg.Services[i].Registrations)
		}
	}
	return n
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

// View renders the whole screen from model state.
func (m *Model) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			m.log.Error("panic in View", "panic", fmt.Sprint(r), "stack", stack())
			v = tea.NewView(fmt.Sprintf("stacktui: internal error while drawing: %v\n(details in the log file; press q to quit)", r))
			v.AltScreen = true
		}
	}()
	v = tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "stacktui"
	return v
}

// render builds the screen text; split from View so tests and benchmarks
// can read it directly.
func (m *Model) render() string {
	if m.w < minWidth || m.h < minHeight {
		return ansi.Truncate(fmt.Sprintf("terminal too small (need %dx%d)", minWidth, minHeight), max(m.w, 1), "…")
	}
	var b strings.Builder
	b.Grow(m.w * m.h * 2)
	b.WriteString(m.clip(m.renderHeader()))
	b.WriteByte('\n')
	if bt := m.bannerText(); bt != "" {
		b.WriteString(m.clip(m.st.Banner.Render(bt)))
		b.WriteByte('\n')
	}
	b.WriteString(m.clip(m.renderTabs()))
	b.WriteByte('\n')
	bh := m.bodyHeight()
	body := m.renderBody(bh)
	writeLines(&b, body, bh, m.w)
	b.WriteString(m.clip(m.renderFooter()))
	return b.String()
}

// writeLines writes exactly n lines of body (padding with empty lines and
// truncating long ones) so the footer never moves.
func writeLines(b *strings.Builder, body string, n, w int) {
	lines := strings.Split(body, "\n")
	for i := 0; i < n; i++ {
		if i < len(lines) {
			l := safeLine(lines[i])
			if len(l) > w { // cheap check first: bytes >= cells
				if ansi.StringWidth(l) > w {
					l = ansi.Truncate(l, w, "")
				}
			}
			b.WriteString(l)
		}
		b.WriteByte('\n')
	}
}

// clip truncates one line to the terminal width.
func (m *Model) clip(s string) string {
	s = safeLine(s)
	if len(s) <= m.w {
		return s
	}
	if ansi.StringWidth(s) <= m.w {
		return s
	}
	return ansi.Truncate(s, m.w, "…")
}

func (m *Model) renderBody(h int) string {
	switch m.overlay {
	case overlayHelp, overlayDiagnose, overlayInspect:
		return m.text.render(&m.st, m.w, h)
	}
	var body string
	switch m.view {
	case viewServices:
		body = m.services.render(m, m.w, h)
	case viewDetail:
		body = m.detail.render(m, m.w, h)
	case viewHAProxy:
		body = m.hap.render(m, m.w, h)
	case viewRegistry:
		body = m.registry.render(m, m.w, h)
	case viewCluster:
		body = m.cluster.render(m, m.w, h)
	case viewEvents:
		body = m.events.render(m, m.w, h)
	}
	if m.mode == modeConfirm && m.confirm != nil {
		body = m.confirm.render(m, m.w, h)
	}
	return body
}
