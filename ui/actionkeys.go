package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/actions"
	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/state"
)

// actionKey builds the plan for an action key and opens its confirm dialog
// (through a prompt or menu first when the action needs a value). Nothing is
// sent before the user confirms. ok is false when msg is no (enabled)
// action key.
func (m *Model) actionKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	k := m.keys
	var act func() tea.Cmd
	switch {
	case key.Matches(msg, k.Drain):
		act = func() tea.Cmd { return m.serverAction(actions.OpDrain, "") }
	case key.Matches(msg, k.Maint):
		act = func() tea.Cmd { return m.serverAction(actions.OpMaint, "") }
	case key.Matches(msg, k.Ready):
		act = func() tea.Cmd { return m.serverAction(actions.OpReady, "") }
	case key.Matches(msg, k.Shutdown):
		act = func() tea.Cmd { return m.serverAction(actions.OpShutdownSessions, "") }
	case key.Matches(msg, k.Weight):
		act = m.weightKey
	case key.Matches(msg, k.Health):
		act = func() tea.Cmd {
			return m.serverMenu("health", []choice{
				{k.HealthUp, actions.OpHealthUp}, {k.HealthStopping, actions.OpHealthStopping}, {k.HealthDown, actions.OpHealthDown},
				{k.ChecksOn, actions.OpChecksOn}, {k.ChecksOff, actions.OpChecksOff}})
		}
	case key.Matches(msg, k.Agent):
		act = func() tea.Cmd {
			return m.serverMenu("agent", []choice{
				{k.AgentUp, actions.OpAgentUp}, {k.AgentDown, actions.OpAgentDown}, {k.AgentOn, actions.OpAgentOn}, {k.AgentOff, actions.OpAgentOff}})
		}
	case key.Matches(msg, k.HacheckDown):
		act = m.durableDown
	case key.Matches(msg, k.HacheckUp):
		act = m.durableUp
	case key.Matches(msg, k.Reload):
		act = m.reloadKey
	case key.Matches(msg, k.SerfTags):
		act = m.tagsKey
	case key.Matches(msg, k.SerfEvent):
		act = m.serfEventKey
	case key.Matches(msg, k.ZKDelete):
		act = m.zkDeleteKey
	default:
		return nil, false
	}
	if m.running {
		m.setError("an action is still running: wait for its result")
		return nil, true
	}
	return act(), true
}

// choice is one entry of a menu: its key and the server operation it plans.
type choice struct {
	b  key.Binding
	op actions.ServerOp
}

// weightKey asks for the weight, then plans it.
func (m *Model) weightKey() tea.Cmd {
	if _, err := m.targets(); err != nil {
		return m.planFailed(err)
	}
	m.ask("weight (e.g. 10 or 50%):", "", func(v string) tea.Cmd { return m.serverAction(actions.OpWeight, v) })
	return nil
}

// serverMenu offers server operations by key (health, agent).
func (m *Model) serverMenu(title string, cs []choice) tea.Cmd {
	if _, err := m.targets(); err != nil {
		return m.planFailed(err)
	}
	items := make([]menuItem, len(cs))
	for i, c := range cs {
		op := c.op
		items[i] = menuItem{c.b, func() tea.Cmd { return m.serverAction(op, "") }}
	}
	m.menu(title, items)
	return nil
}

// durableUp is U: end this host's durable maintenance of the instance.
func (m *Model) durableUp() tea.Cmd {
	in, err := m.durableInstance()
	if err != nil {
		return m.planFailed(err)
	}
	a, err := m.durable().Up(in)
	if err != nil {
		return m.planFailed(err)
	}
	m.confirmAction(a, nil)
	return nil
}

// serfEventKey is E: a Serf user event, name and payload.
func (m *Model) serfEventKey() tea.Cmd {
	m.ask("Serf user event (name [payload]):", "", func(v string) tea.Cmd {
		name, payload, _ := strings.Cut(v, " ")
		a, err := actions.NewSerfEvent(m.o.Durable.Where, name, []byte(payload), true)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
		return nil
	})
	return nil
}

// zkDeleteKey is X: delete a registration znode, typed confirmation.
func (m *Model) zkDeleteKey() tea.Cmd {
	path, name, err := m.zkDeleteTarget()
	if err != nil {
		return m.planFailed(err)
	}
	a, err := actions.NewZKDelete(path, name)
	if err != nil {
		return m.planFailed(err)
	}
	m.confirmAction(a, nil)
	return nil
}

// serverAction plans op on the marked rows (or the selected one) with the
// narrowest scope, and opens the confirm dialog where the scope can widen:
// each scope shows how many servers it reaches before it is chosen.
func (m *Model) serverAction(op actions.ServerOp, arg string) tea.Cmd {
	targets, err := m.targets()
	if err != nil {
		return m.planFailed(err)
	}
	haps := m.haps
	setup := actions.WithSetup(m.setup(targets[0]))
	rebuild := func(s actions.Scope) (actions.Action, error) {
		return actions.NewServerAction(op, arg, targets, s, haps, setup)
	}
	a, err := rebuild(actions.ScopeBackend)
	if err != nil {
		return m.planFailed(err)
	}
	m.confirmAction(a, rebuild)
	for _, s := range actions.Scopes {
		n, err := actions.CountScope(targets, s, haps)
		switch {
		case err != nil:
			m.confirm.counts = append(m.confirm.counts, "not available")
		default:
			m.confirm.counts = append(m.confirm.counts, nServers(n))
		}
	}
	m.confirm.note = m.marksNote()
	return nil
}

func nServers(n int) string {
	if n == 1 {
		return "1 server"
	}
	return strconv.Itoa(n) + " servers"
}

// setup is what the plan's advice depends on: the flavour and the durable
// way to take the target's instance out here.
func (m *Model) setup(t actions.Target) actions.Setup {
	s := actions.Setup{}
	if m.reg != nil {
		s.Flavour = m.reg.Kind
	}
	in := actions.Instance{Service: t.Service}
	if in.Service == "" {
		in.Service = t.Backend
	}
	if h, p, ok := actions.ServerAddr(t.Addr, t.Server); ok {
		in.Host, in.Port = h, p
	}
	s.Durable = m.durable().Alternative(s.Flavour, in)
	return s
}

// targets are the HAProxy servers the action keys act on: the marked rows
// of the current view (on screen or not: marksNote says which are not),
// else the selected row.
func (m *Model) targets() ([]actions.Target, error) {
	var out []actions.Target
	switch m.view {
	case viewDetail:
		ins := m.detail.marked()
		if len(ins) == 0 {
			if in := m.detail.selected(); in != nil {
				ins = append(ins, in)
			}
		}
		for _, in := range ins {
			si, seen := firstRow(in)
			if seen == nil {
				return nil, fmt.Errorf("%s is not in any HAProxy socket, so there is no server to act on", instName(in))
			}
			out = append(out, actions.Target{Socket: m.socketLabel(si), Backend: seen.Row.Proxy, Server: seen.Row.Name(),
				Service: m.detail.service, Addr: seen.Row.Addr()})
		}
	case viewHAProxy:
		rows := m.hap.marked()
		if len(rows) == 0 {
			if r := m.hap.selected(); r != nil {
				rows = append(rows, *r)
			}
		}
		for _, r := range rows {
			if !r.row.IsServer() {
				return nil, fmt.Errorf("%s/%s is not a server: select a server row", r.row.Proxy, r.row.Name())
			}
			t := actions.Target{Socket: m.haps[r.sock].Label, Backend: r.row.Proxy, Server: r.row.Name(), Addr: r.row.Addr()}
			if svc, _ := m.findInstance(&r); svc != nil {
				t.Service = svc.Name
			}
			out = append(out, t)
		}
	default:
		return nil, fmt.Errorf("server actions work on servers: open a service (%s) or the HAProxy view (%s)", keyName(m.keys.Open), keyName(m.keys.View2))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no server selected")
	}
	return out, nil
}

// marked returns the marked instances: those on the filtered list in display
// order, then those the filter hides.
func (p *detailPane) marked() []*state.Instance {
	if len(p.marks) == 0 || p.svc == nil {
		return nil
	}
	var out []*state.Instance
	for _, in := range p.rows {
		if p.marks[in.Key] {
			out = append(out, in)
		}
	}
	for i := range p.svc.Instances {
		in := &p.svc.Instances[i]
		if p.marks[in.Key] && !slices.Contains(out, in) {
			out = append(out, in)
		}
	}
	return out
}

// marked returns the marked rows: those on the filtered list in display
// order, then those the filter hides, in socket order.
func (p *haproxyPane) marked() []hapRow {
	if len(p.marks) == 0 {
		return nil
	}
	keyAt := p.keyAt
	var out []hapRow
	listed := map[string]bool{}
	for i := range p.rows {
		if k := keyAt(i); p.marks[k] {
			out = append(out, p.rows[i])
			listed[k] = true
		}
	}
	for si, s := range p.c.haps {
		if s == nil || s.Stats == nil {
			continue
		}
		for i := range s.Stats.Rows {
			r := &s.Stats.Rows[i]
			if k := s.Label + "|" + r.Proxy + "/" + r.Name(); p.marks[k] && !listed[k] {
				out = append(out, hapRow{si, r})
				listed[k] = true
			}
		}
	}
	return out
}

// marksNote says, for the dialog's first line, how many of the marked rows
// the plan covers are not on screen: hidden by the filter, or scrolled out
// of view. "" when every marked row is visible (or none is marked).
func (m *Model) marksNote() string {
	l, keyAt := m.curList()
	if l == nil || len(l.marks) == 0 || (m.view != viewDetail && m.view != viewHAProxy) {
		return ""
	}
	from, to := l.visible()
	onScreen, listed := 0, 0
	for i := 0; i < l.n; i++ {
		if l.marks[keyAt(i)] {
			listed++
			if i >= from && i < to {
				onScreen++
			}
		}
	}
	total := len(l.marks)
	if onScreen == total {
		return ""
	}
	var why []string
	if n := listed - onScreen; n > 0 {
		why = append(why, fmt.Sprintf("%d scrolled out of view", n))
	}
	if n := total - listed; n > 0 {
		why = append(why, fmt.Sprintf("%d hidden by the filter or gone", n))
	}
	return fmt.Sprintf("this acts on marked rows not on screen: %d of %d (%s)", total-onScreen, total, strings.Join(why, ", "))
}

// clearMarks unmarks every row of every list.
func (m *Model) clearMarks() {
	n := 0
	for _, lp := range m.lists() {
		l := lp.lst()
		n += len(l.marks)
		l.marks = map[string]bool{}
	}
	m.setStatus(fmt.Sprintf("cleared %d mark%s", n, map[bool]string{true: "", false: "s"}[n == 1]))
}

// durable is how M and U work on this host.
func (m *Model) durable() actions.Durable {
	d := m.o.Durable
	if d.SpoolDir == "" {
		d.SpoolDir = m.o.SpoolDir
	}
	return d
}

// durableInstance is the instance M and U act on: the selected one (detail
// view, or a server row of the HAProxy view).
func (m *Model) durableInstance() (actions.Instance, error) {
	var svc *state.Service
	var in *state.Instance
	switch m.view {
	case viewDetail:
		svc, in = m.detail.svc, m.detail.selected()
	case viewHAProxy:
		svc, in = m.findInstance(m.hap.selected())
	}
	if in == nil || svc == nil {
		return actions.Instance{}, fmt.Errorf("durable maintenance applies to an instance: open a service (%s) and select one, or select its server in the HAProxy view (%s)", keyName(m.keys.Open), keyName(m.keys.View2))
	}
	out := actions.Instance{Service: svc.Name}
	if r := in.Registration; r != nil {
		out.Name, out.Host, out.Port = r.Name, r.Host, r.Port
		if out.Name == "" {
			out.Name = r.Member
		}
		return out, nil
	}
	if _, seen := firstRow(in); seen != nil {
		out.Host, out.Port, _ = actions.ServerAddr(seen.Row.Addr(), seen.Row.Name())
	} else {
		out.Host, out.Port, _ = haproxy.NameAddr(in.Server)
	}
	if len(in.Maintenance()) > 0 && m.maint != nil {
		out.Name = m.maint.InstanceID // deregistered by this host's Nerve
	}
	return out, nil
}

// durableDown is M: the way this host's Nerve honours (a spool file with a
// reason and expiry, or the service_conf_dir toggle), or a refusal.
func (m *Model) durableDown() tea.Cmd {
	in, err := m.durableInstance()
	if err != nil {
		return m.planFailed(err)
	}
	d := m.durable()
	method, err := d.Method(in)
	if err != nil {
		return m.planFailed(err)
	}
	if method == actions.MethodNerveToggle {
		a, err := d.Down(in, "", 0)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
		return nil
	}
	on := "this host"
	if d.Where.Remote() {
		on = d.Where.Describe()
	}
	info := []string{m.st.Section.Render("Durable maintenance of " + in.String() + " on " + on + " (hacheck spool " + d.SpoolDir + ")"),
		"The reason is written to the spool file with your name; colleagues see it in stacktui and hastatus."}
	m.askWith("maintenance reason for "+in.String()+":", "", info, func(reason string) tea.Cmd {
		m.askWith("expires after (e.g. 30m, 2h; empty = never):", "", info, func(exp string) tea.Cmd {
			var dur time.Duration
			if exp != "" {
				var err error
				if dur, err = time.ParseDuration(exp); err != nil {
					return m.planFailed(fmt.Errorf("expiry %q: use a duration like 30m or 2h", exp))
				}
			}
			a, err := d.Down(in, reason, dur)
			if err != nil {
				return m.planFailed(err)
			}
			m.confirmAction(a, nil)
			return nil
		})
		return nil
	})
	return nil
}

// reloadKey is R: the reload, or a choice of reload and Synapse restart
// when a restart command is configured.
func (m *Model) reloadKey() tea.Cmd {
	reload := func() tea.Cmd {
		a, err := actions.NewReload(m.o.Durable.Where, m.o.ReloadCommand)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
		return nil
	}
	if m.o.RestartCommand == "" {
		return reload()
	}
	m.menu(keyName(m.keys.Reload), []menuItem{
		{m.keys.ReloadHAProxy, reload},
		{m.keys.RestartSynapse, func() tea.Cmd {
			a, err := actions.NewRestart(m.o.Durable.Where, m.o.RestartCommand)
			if err != nil {
				return m.planFailed(err)
			}
			m.confirmAction(a, nil)
			return nil
		}},
	})
	return nil
}

// tagsKey is t: change the Serf tags of the selected instance's member (or,
// outside the detail view, of the member whose agent stacktui reads),
// through that member's own agent; other members are refused with the
// command for their host.
func (m *Model) tagsKey() tea.Cmd {
	mem, err := m.serfMember()
	if err != nil {
		return m.planFailed(err)
	}
	cur, has := mem.Tags[actions.SerfWeightTag]
	if mem.Agent == "" {
		// Not reachable from here: the commands for its own host, for the
		// drain this key is mostly for, and back.
		_, err := actions.NewMemberTags(mem, map[string]string{actions.SerfWeightTag: "0"}, nil)
		return m.planFailed(err)
	}
	info := []string{m.st.Section.Render("Serf tags of member " + mem.Name + " (changed through its agent at " + mem.Agent + "):")}
	for _, k := range slices.Sorted(maps.Keys(mem.Tags)) {
		info = append(info, "  "+k+"="+mem.Tags[k])
	}
	if len(mem.Tags) == 0 {
		info = append(info, "  (none)")
	}
	info = append(info, "", "key=value sets a tag, -key deletes one; "+actions.SerfWeightTag+"=0 drains the member (weight 0).")
	initial := actions.SerfWeightTag + "="
	if has {
		initial += cur
	}
	m.askWith("tags of "+mem.Name+":", initial, info, func(v string) tea.Cmd {
		set, del, err := parseTags(v)
		if err != nil {
			return m.planFailed(err)
		}
		a, err := actions.NewMemberTags(mem, set, del)
		if err != nil {
			return m.planFailed(err)
		}
		m.confirmAction(a, nil)
		return nil
	})
	return nil
}

// serfMember is the member t acts on, with its tags and the agent (if any)
// through which they can be changed.
func (m *Model) serfMember() (actions.SerfMember, error) {
	if m.reg == nil || m.reg.Kind != sources.KindSerf {
		return actions.SerfMember{}, fmt.Errorf("%s changes Serf tags: this console does not read a Serf cluster (--serf)", keyName(m.keys.SerfTags))
	}
	name := ""
	if m.view == viewDetail {
		in := m.detail.selected()
		if in == nil {
			return actions.SerfMember{}, fmt.Errorf("no instance selected")
		}
		if in.Registration == nil || in.Registration.Member == "" {
			return actions.SerfMember{}, fmt.Errorf("%s is not registered by any Serf member: there are no tags to change", instName(in))
		}
		name = in.Registration.Member
	} else {
		name = m.reg.Agent
		if name == "" {
			return actions.SerfMember{}, fmt.Errorf("which member the Serf agent at %s is, is not known yet (not connected?): open a service and select an instance instead", m.reg.Address)
		}
	}
	mem := actions.SerfMember{Name: name, Via: m.o.Durable.Where.Via}
	for _, x := range m.reg.Members {
		if x.Name == name {
			mem.Addr, mem.Tags = x.Addr, x.Tags
		}
	}
	switch {
	case name == m.reg.Agent:
		mem.Agent, mem.Connected = m.reg.Address, true
	case m.o.SerfAgents[name] != "":
		mem.Agent = m.o.SerfAgents[name]
	}
	return mem, nil
}

// zkDeleteTarget is the znode X deletes: the selected znode in the
// registry view, or the selected instance's registration.
func (m *Model) zkDeleteTarget() (string, string, error) {
	switch m.view {
	case viewRegistry:
		if m.zkMode && m.registry.n > 0 {
			p := m.registry.selectedPath()
			return p, baseName(p), nil
		}
	case viewDetail:
		if in := m.detail.selected(); in != nil && in.Registration != nil && in.Registration.Path != "" {
			name := in.Registration.Name
			if name == "" {
				name = in.Registration.Node
			}
			return in.Registration.Path, name, nil
		}
	}
	return "", "", fmt.Errorf("%s deletes a ZooKeeper registration: select an instance (detail view) or a znode (view %s)", keyName(m.keys.ZKDelete), keyName(m.keys.View3))
}

// parseTags reads "k=v k2=v2 -k3".
func parseTags(s string) (map[string]string, []string, error) {
	set := map[string]string{}
	var del []string
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "-") {
			del = append(del, f[1:])
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("tag %q: write key=value to set or -key to delete", f)
		}
		set[k] = v
	}
	if len(set) == 0 && len(del) == 0 {
		return nil, nil, fmt.Errorf("no tags given")
	}
	sort.Strings(del)
	return set, del, nil
}
