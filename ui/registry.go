package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
)

// registryPane browses the ZooKeeper tree (any path, data pretty-printed
// with its stat) or, for Serf, lists the members.
type registryPane struct {
	c       *common
	browser sources.Browser // nil: the registry is Serf (or none): members are listed
	list
	path     string
	children []string
	err      string
	loading  bool
	node     nodeMsg
	rows     []string          // filtered children
	members  []*sources.Member // filtered Serf members
	dirty    bool
}

func newRegistryPane(c *common, b sources.Browser) registryPane {
	return registryPane{c: c, browser: b, list: newList(), path: "/", dirty: true, loading: true}
}

func (p *registryPane) lst() *list { return &p.list }
func (p *registryPane) setDirty()  { p.dirty = true }

func (p *registryPane) rowsTop() int {
	if p.browser != nil {
		return 2
	}
	return 1
}

// update handles the list keys, the wheel and the answers of ZooKeeper
// reads; moving the cursor loads the selected znode's preview.
func (p *registryPane) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if handled, _ := listKeys(p.c, &p.list, msg, p.keyAt, 0, true); handled {
			return p.previewCmd()
		}
	case tea.MouseWheelMsg:
		wheel(&p.list, msg, p.keyAt)
		return p.previewCmd()
	case childrenMsg:
		return p.gotChildren(msg)
	case nodeMsg:
		p.gotNode(msg)
	}
	return nil
}

// open goes into the selected znode.
func (p *registryPane) open() tea.Cmd {
	if p.browser != nil && p.n > 0 {
		return p.goTo(p.selectedPath())
	}
	return nil
}

// up goes to the parent znode, selecting the one it came from; ok is false
// at the root (or for Serf), where there is no level to go up to.
func (p *registryPane) up() (tea.Cmd, bool) {
	if p.browser == nil || p.path == "/" {
		return nil, false
	}
	child := p.path
	cmd := p.goTo(parentPath(child))
	p.selKey = baseName(child)
	return cmd, true
}

// listHeight splits the body: the child list above, the node preview below.
func (p *registryPane) listHeight(bh int) int {
	return max(bh/2-2, 1)
}

func (p *registryPane) keyAt(i int) string {
	if p.members != nil {
		return p.members[i].Name
	}
	return p.rows[i]
}

func (p *registryPane) rebuild() {
	c := p.c
	if !p.dirty {
		return
	}
	p.dirty = false
	if p.browser == nil {
		p.members = p.members[:0]
		if c.reg != nil {
			for i := range c.reg.Members {
				mb := &c.reg.Members[i]
				if p.filter.matchAny(mb.Name, mb.Addr, mb.Status) {
					p.members = append(p.members, mb)
				}
			}
		}
		sort.Slice(p.members, func(a, b int) bool { return p.members[a].Name < p.members[b].Name })
		p.reselect(len(p.members), p.keyAt)
		return
	}
	p.members = nil
	p.rows = p.rows[:0]
	for _, c := range p.children {
		if p.filter.matchAny(c) {
			p.rows = append(p.rows, c)
		}
	}
	p.reselect(len(p.rows), p.keyAt)
}

// selectedPath is the znode under the cursor, or the current path.
func (p *registryPane) selectedPath() string {
	if p.members == nil && p.n > 0 && p.cursor < len(p.rows) {
		return path.Join(p.path, p.rows[p.cursor])
	}
	return p.path
}

// selectedName is the selected znode's path or member's name; "" when
// nothing is selected.
func (p *registryPane) selectedName() string {
	if p.n == 0 || p.cursor >= p.n {
		return ""
	}
	if p.browser == nil {
		return p.members[p.cursor].Name
	}
	return p.selectedPath()
}

// goTo starts browsing a path.
func (p *registryPane) goTo(to string) tea.Cmd {
	if p.browser == nil {
		return nil
	}
	to = path.Clean("/" + to)
	p.path = to
	p.children = nil
	p.loading = true
	p.err = ""
	p.list = newList()
	p.list.height = p.height
	p.dirty = true
	return loadChildren(p.browser, to)
}

func (p *registryPane) gotChildren(msg childrenMsg) tea.Cmd {
	if msg.path != p.path {
		return nil // an answer for a path we left
	}
	p.loading = false
	if msg.err != nil {
		p.err = fmt.Sprintf("cannot list %s: %v", msg.path, msg.err)
		p.children = nil
	} else {
		p.err = ""
		p.children = append([]string(nil), msg.children...)
		sort.Strings(p.children)
	}
	p.dirty = true
	p.rebuild()
	return p.previewCmd()
}

// previewCmd loads the selected znode when the preview shows another one.
func (p *registryPane) previewCmd() tea.Cmd {
	if p.browser == nil {
		return nil
	}
	want := p.selectedPath()
	if p.node.path == want {
		return nil
	}
	p.node = nodeMsg{path: want}
	return loadNode(p.browser, want)
}

func (p *registryPane) gotNode(msg nodeMsg) {
	if msg.path == p.node.path {
		p.node = msg
	}
}

func (p *registryPane) view(w, h int) string {
	c := p.c
	if p.browser == nil {
		return p.renderMembers(w, h)
	}
	var b strings.Builder
	state := fmt.Sprintf("%d children", len(p.children))
	if p.loading {
		state = "loading…"
	}
	b.WriteString(c.st.Section.Render(fit("path "+p.path, max(w-len(state)-2, 10), false)) + "  " + state)
	b.WriteByte('\n')
	cols := []column{{Title: "CHILD", Width: 20, Flex: true}}
	widths := layoutColumns(cols, w)
	b.WriteString(renderHeader(&c.st, cols, widths, -1, false))
	b.WriteByte('\n')
	lines := 2
	switch {
	case p.err != "":
		// The reason in full (wrapped): at 80 columns it was cut.
		for _, l := range strings.Split(wrapLines(p.err, w-2, 3), "\n") {
			b.WriteString(c.st.Error.Render("  " + l))
			b.WriteByte('\n')
			lines++
		}
	case len(p.rows) == 0 && !p.loading:
		b.WriteString(c.st.Muted.Render(c.emptyText(&p.list, "no children ("+keyName(c.keys.Back)+" goes up)")))
		b.WriteByte('\n')
		lines++
	}
	from, to := p.visible()
	for i := from; i < to; i++ {
		b.WriteString(renderRow(&c.st, cols, widths, []cell{{s: p.rows[i]}}, i == p.cursor, p.marks[p.rows[i]], w))
		b.WriteByte('\n')
		lines++
	}
	for ; lines < p.height+2; lines++ {
		b.WriteByte('\n')
	}
	b.WriteString(c.st.Muted.Render(strings.Repeat("─", w)))
	b.WriteByte('\n')
	b.WriteString(p.preview(w, h-lines-1))
	return b.String()
}

// nodeLines are the selected znode's path, stat and pretty-printed data,
// unwrapped; nil before anything is selected.
func (p *registryPane) nodeLines() []string {
	c := p.c
	n := p.node
	if n.path == "" {
		return nil
	}
	switch {
	case n.err != nil:
		return []string{c.st.Error.Render(plainf("%s: %v", n.path, n.err))}
	case n.data == nil && n.stat.Mzxid == 0 && n.stat.Czxid == 0:
		return []string{plainf("%s: loading…", n.path)}
	}
	st := n.stat
	owner := "persistent"
	if st.EphemeralOwner != 0 {
		owner = fmt.Sprintf("ephemeral, owner 0x%x", st.EphemeralOwner)
	}
	lines := []string{c.st.Section.Render(termtext.Clean(n.path)),
		fmt.Sprintf("version %d  %s  %d bytes  %d children  ctime %s  mtime %s", st.Version, owner,
			st.DataLength, st.NumChildren, st.Ctime.UTC().Format("2006-01-02 15:04:05"), st.Mtime.UTC().Format("2006-01-02 15:04:05"))}
	return append(lines, prettyData(n.data)...)
}

// preview is the selected znode, wrapped to the width; when it does not
// fit, its last line says enter reads it all.
func (p *registryPane) preview(w, h int) string {
	lines := wrapAll(p.nodeLines(), w)
	if h <= 0 {
		return ""
	}
	if len(lines) > h {
		lines = append(lines[:h-1], p.c.st.Muted.Render(plainf("… %d more lines: %s reads it all", len(lines)-h+1, keyName(p.c.keys.Open))))
	}
	for i := range lines {
		lines[i] = p.c.clip(lines[i])
	}
	return strings.Join(lines, "\n")
}

// page is the selected row in full for enter, when enter does not go into
// it: a Serf member and all its tags, or a znode without children. ok is
// false when enter should go into the znode instead.
func (p *registryPane) page() (title string, lines []string, ok bool) {
	if p.n == 0 || p.cursor >= p.n {
		return "", nil, false
	}
	if p.browser == nil {
		mb := p.members[p.cursor]
		lines = []string{plainf("address  %s", mb.Addr), plainf("status   %s", mb.Status), "", fmt.Sprintf("tags (%d):", len(mb.Tags))}
		for _, k := range slices.Sorted(maps.Keys(mb.Tags)) {
			lines = append(lines, plainf("  %s=%s", k, mb.Tags[k]))
		}
		return "Serf member " + mb.Name, lines, true
	}
	if p.node.path == p.selectedPath() && p.node.err == nil && p.node.stat.NumChildren == 0 && (p.node.stat.Mzxid != 0 || p.node.stat.Czxid != 0) {
		return "znode " + p.node.path, p.nodeLines(), true
	}
	return "", nil, false
}

// prettyData indents JSON, or shows text line by line, or says the data is
// binary; the lines are cleaned (a JSON string may hold raw C1 or bidi
// characters, text anything).
func prettyData(d []byte) []string {
	if len(d) == 0 {
		return []string{"(no data)"}
	}
	var out bytes.Buffer
	if json.Indent(&out, d, "", "  ") == nil {
		return cleanAll(strings.Split(out.String(), "\n"))
	}
	for _, c := range d {
		if c < 0x20 && c != '\n' && c != '\t' && c != '\r' {
			return []string{fmt.Sprintf("(%d bytes of binary data)", len(d))}
		}
	}
	return cleanAll(strings.Split(strings.ReplaceAll(string(d), "\r\n", "\n"), "\n"))
}

var memberColumns = []column{
	{Title: "MEMBER", Width: 16, Flex: true},
	{Title: "ADDRESS", Width: 21, Prio: 1},
	{Title: "STATUS", Width: 8},
	{Title: "TAGS", Width: 20, Flex: true, Prio: 2},
}

func (p *registryPane) renderMembers(w, h int) string {
	c := p.c
	var b strings.Builder
	if c.reg == nil {
		return c.st.Muted.Render("  no registry configured (HAProxy-only mode)")
	}
	widths := layoutColumns(memberColumns, w)
	b.WriteString(renderHeader(&c.st, memberColumns, widths, -1, false))
	b.WriteByte('\n')
	if len(p.members) == 0 {
		b.WriteString(c.st.Muted.Render(c.emptyText(&p.list, "no members")))
		return b.String()
	}
	from, to := p.visible()
	for i := from; i < to; i++ {
		mb := p.members[i]
		keys := make([]string, 0, len(mb.Tags))
		for k := range mb.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for j, k := range keys {
			keys[j] = k + "=" + mb.Tags[k]
		}
		st := &c.st.OK
		if mb.Status != "alive" {
			st = &c.st.Bad
		}
		cells := []cell{{s: mb.Name}, {s: mb.Addr}, {s: mb.Status, st: st}, {s: strings.Join(keys, " "), st: &c.st.Muted}}
		b.WriteString(renderRow(&c.st, memberColumns, widths, cells, i == p.cursor, p.marks[mb.Name], w))
		b.WriteByte('\n')
	}
	return b.String()
}
