package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stacktui/stacktui/internal/termtext"
	"github.com/stacktui/stacktui/sources"
)

// registryPane browses the ZooKeeper tree (any path, data pretty-printed
// with its stat) or, for Serf, lists the members.
type registryPane struct {
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

func newRegistryPane() registryPane {
	return registryPane{list: newList(), path: "/", dirty: true, loading: true}
}

// zkMode reports whether the pane browses ZooKeeper rather than Serf.
func (m *Model) zkMode() bool { return m.o.Browser != nil }

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

func (p *registryPane) rebuild(m *Model) {
	if !p.dirty {
		return
	}
	p.dirty = false
	if !m.zkMode() {
		p.members = p.members[:0]
		if m.reg != nil {
			for i := range m.reg.Members {
				mb := &m.reg.Members[i]
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

// goTo starts browsing a path.
func (p *registryPane) goTo(m *Model, to string) tea.Cmd {
	if !m.zkMode() {
		return nil
	}
	to = path.Clean("/" + to)
	p.path = to
	p.children = nil
	p.loading = true
	p.err = ""
	p.list = newList()
	p.dirty = true
	return loadChildren(m.o.Browser, to)
}

func (p *registryPane) gotChildren(m *Model, msg childrenMsg) tea.Cmd {
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
	p.rebuild(m)
	return p.previewCmd(m)
}

// previewCmd loads the selected znode when the preview shows another one.
func (p *registryPane) previewCmd(m *Model) tea.Cmd {
	if !m.zkMode() {
		return nil
	}
	want := p.selectedPath()
	if p.node.path == want {
		return nil
	}
	p.node = nodeMsg{path: want}
	return loadNode(m.o.Browser, want)
}

func (p *registryPane) gotNode(msg nodeMsg) {
	if msg.path == p.node.path {
		p.node = msg
	}
}

func (p *registryPane) render(m *Model, w, h int) string {
	if !m.zkMode() {
		return p.renderMembers(m, w, h)
	}
	var b strings.Builder
	state := fmt.Sprintf("%d children", len(p.children))
	if p.loading {
		state = "loading…"
	}
	b.WriteString(m.st.Section.Render(fit("path "+p.path, max(w-len(state)-2, 10), false)) + "  " + state)
	b.WriteByte('\n')
	cols := []column{{Title: "CHILD", Width: 20, Flex: true}}
	widths := layoutColumns(cols, w)
	b.WriteString(renderHeader(&m.st, cols, widths, -1, false))
	b.WriteByte('\n')
	lines := 2
	switch {
	case p.err != "":
		b.WriteString(m.st.Error.Render("  " + termtext.Clean(p.err)))
		b.WriteByte('\n')
		lines++
	case len(p.rows) == 0 && !p.loading:
		b.WriteString(m.st.Muted.Render(m.emptyText(&p.list, "no children (esc goes up)")))
		b.WriteByte('\n')
		lines++
	}
	from, to := p.visible()
	for i := from; i < to; i++ {
		b.WriteString(renderRow(&m.st, cols, widths, []cell{{s: p.rows[i]}}, i == p.cursor, p.marks[p.rows[i]], w))
		b.WriteByte('\n')
		lines++
	}
	for ; lines < p.height+2; lines++ {
		b.WriteByte('\n')
	}
	b.WriteString(m.st.Muted.Render(strings.Repeat("─", w)))
	b.WriteByte('\n')
	b.WriteString(p.preview(m, w, h-lines-1))
	return b.String()
}

// preview is the selected znode's stat and pretty-printed data.
func (p *registryPane) preview(m *Model, w, h int) string {
	n := p.node
	if n.path == "" {
		return ""
	}
	var lines []string
	if n.err != nil {
		lines = append(lines, m.st.Error.Render(plainf("%s: %v", n.path, n.err)))
	} else if n.data == nil && n.stat.Mzxid == 0 && n.stat.Czxid == 0 {
		lines = append(lines, plainf("%s: loading…", n.path))
	} else {
		st := n.stat
		lines = append(lines, m.st.Section.Render(termtext.Clean(n.path)))
		owner := "persistent"
		if st.EphemeralOwner != 0 {
			owner = fmt.Sprintf("ephemeral, owner 0x%x", st.EphemeralOwner)
		}
		lines = append(lines, fmt.Sprintf("version %d  %s  %d bytes  %d children  ctime %s  mtime %s", st.Version, owner,
			st.DataLength, st.NumChildren, st.Ctime.UTC().Format("2006-01-02 15:04:05"), st.Mtime.UTC().Format("2006-01-02 15:04:05")))
		lines = append(lines, prettyData(n.data)...)
	}
	if len(lines) > h {
		lines = lines[:max(h, 0)]
	}
	for i := range lines {
		lines[i] = m.clip(lines[i])
	}
	return strings.Join(lines, "\n")
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

func (p *registryPane) renderMembers(m *Model, w, h int) string {
	var b strings.Builder
	if m.reg == nil {
		return m.st.Muted.Render("  no registry configured (HAProxy-only mode)")
	}
	widths := layoutColumns(memberColumns, w)
	b.WriteString(renderHeader(&m.st, memberColumns, widths, -1, false))
	b.WriteByte('\n')
	if len(p.members) == 0 {
		b.WriteString(m.st.Muted.Render(m.emptyText(&p.list, "no members")))
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
		st := &m.st.OK
		if mb.Status != "alive" {
			st = &m.st.Bad
		}
		cells := []cell{{s: mb.Name}, {s: mb.Addr}, {s: mb.Status, st: st}, {s: strings.Join(keys, " "), st: &m.st.Muted}}
		b.WriteString(renderRow(&m.st, memberColumns, widths, cells, i == p.cursor, p.marks[mb.Name], w))
		b.WriteByte('\n')
	}
	return b.String()
}
