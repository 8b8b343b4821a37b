package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/live"
	"github.com/stacktui/stacktui/sources"
)

// fixedNow is the clock every test renders at.
var fixedNow = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	time.Local = time.UTC
	os.Unsetenv("NO_COLOR")
	os.Exit(m.Run())
}

// fakeFeed is an HAProxy poller (live.HAProxyFeed) fed by the test.
type fakeFeed struct {
	mu        sync.Mutex
	ch        chan haproxy.Snapshot
	snaps     []*haproxy.Snapshot
	refreshed int
	watched   []string
}

func newFakeFeed(snaps ...*haproxy.Snapshot) *fakeFeed {
	return &fakeFeed{ch: make(chan haproxy.Snapshot, 16), snaps: snaps}
}
func (f *fakeFeed) Updates() <-chan haproxy.Snapshot { return f.ch }
func (f *fakeFeed) Current() []*haproxy.Snapshot     { return f.snaps }
func (f *fakeFeed) Watch(backends []string) {
	f.mu.Lock()
	f.watched = backends
	f.mu.Unlock()
}
func (f *fakeFeed) Joined() {}
func (f *fakeFeed) Refresh() {
	f.mu.Lock()
	f.refreshed++
	f.mu.Unlock()
}

// fakeRegistry is a sources.Registry fed by the test.
type fakeRegistry struct {
	ch  chan sources.Update
	cur sources.Snapshot
}

func (r *fakeRegistry) Updates() <-chan sources.Update { return r.ch }
func (r *fakeRegistry) Current() sources.Snapshot      { return r.cur }
func (r *fakeRegistry) Close() error                   { return nil }

// fakeBrowser is a tiny ZooKeeper tree.
type fakeBrowser struct {
	nodes map[string][]byte
}

func (b *fakeBrowser) Children(p string) ([]string, error) {
	if _, ok := b.nodes[p]; !ok && p != "/" {
		return nil, errors.New("node does not exist")
	}
	prefix := strings.TrimSuffix(p, "/") + "/"
	seen := map[string]bool{}
	var out []string
	for k := range b.nodes {
		if strings.HasPrefix(k, prefix) {
			c := strings.SplitN(k[len(prefix):], "/", 2)[0]
			if c != "" && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func (b *fakeBrowser) Get(p string) ([]byte, sources.NodeStat, error) {
	d, ok := b.nodes[p]
	if !ok {
		return nil, sources.NodeStat{}, errors.New("node does not exist")
	}
	kids, _ := b.Children(p)
	st := sources.NodeStat{Czxid: 5, Mzxid: 5, Ctime: fixedNow.Add(-time.Hour), Mtime: fixedNow.Add(-time.Hour),
		DataLength: int32(len(d)), NumChildren: int32(len(kids))}
	if strings.Contains(p, "_00000") {
		st.EphemeralOwner = 0x100001590470001
	}
	return d, st, nil
}

// testdataFiles caches mustRead's files: the screen fuzzer builds thousands
// of fixtures.
var testdataFiles sync.Map

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	if b, ok := testdataFiles.Load(name); ok {
		return append([]byte(nil), b.([]byte)...)
	}
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	testdataFiles.Store(name, b)
	return append([]byte(nil), b...)
}

// fixtureRegistry reads testdata/zookeeper.txt (the captured stale-session
// registry) and adds two synthetic services.
func fixtureRegistry(t testing.TB) sources.Snapshot {
	t.Helper()
	svcA := sources.Service{Name: "svc_a", Path: "/nerve/services/svc_a/services"}
	sc := bufio.NewScanner(strings.NewReader(string(mustRead(t, "zookeeper.txt"))))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		owner, _ := strconv.ParseInt(strings.TrimPrefix(f[1], "0x"), 16, 64)
		var js struct {
			Host string `json:"host"`
			Port int    `json:"port"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal([]byte(f[2]), &js); err != nil {
			t.Fatal(err)
		}
		node := f[0][strings.LastIndexByte(f[0], '/')+1:]
		seq, _ := strconv.ParseInt(node[len(node)-10:], 10, 64)
		svcA.Registrations = append(svcA.Registrations, sources.Registration{
			Service: "svc_a", Name: js.Name, Host: js.Host, Port: js.Port, Path: f[0], Node: node, Seq: seq,
			Owner: owner, Raw: []byte(f[2]), DataLen: len(f[2]),
			Ctime: fixedNow.Add(-time.Duration(10-seq) * time.Minute), Mtime: fixedNow.Add(-time.Duration(10-seq) * time.Minute),
		})
	}
	sort.Slice(svcA.Registrations, func(i, j int) bool { return svcA.Registrations[i].Path < svcA.Registrations[j].Path })
	reg := func(svc, name, host string, port int, seq int64, w int) sources.Registration {
		node := fmt.Sprintf("%s_%010d", name, seq)
		path := "/nerve/services/" + svc + "/services/" + node
		raw := fmt.Sprintf(`{"host":%q,"port":%d,"name":%q,"weight":%d}`, host, port, name, w)
		return sources.Registration{Service: svc, Name: name, Host: host, Port: port, Weight: w, HasWeight: true,
			Path: path, Node: node, Seq: seq, Owner: 0x200000000000001, Raw: []byte(raw), DataLen: len(raw),
			Labels: map[string]string{"az": "eu-1a"},
			Ctime:  fixedNow.Add(-2 * time.Hour), Mtime: fixedNow.Add(-2 * time.Hour)}
	}
	svcB := sources.Service{Name: "svc_b", Path: "/nerve/services/svc_b/services", Registrations: []sources.Registration{
		reg("svc_b", "web1", "10.0.0.1", 8080, 1, 10),
		reg("svc_b", "web2", "10.0.0.2", 8080, 2, 10),
		reg("svc_b", "web3", "10.0.0.3", 8080, 3, 10),
	}}
	svcC := sources.Service{Name: "svc_c", Path: "/nerve/services/svc_c/services"}
	return sources.Snapshot{Kind: sources.KindZooKeeper, Address: "127.0.0.1:2181", State: sources.StateConnected,
		At: fixedNow, LastGood: fixedNow, Synced: true, Services: []sources.Service{svcA, svcB, svcC}}
}

// fixtureHAProxy parses the captured `show stat` and `show info` and adds
// svc_b's servers with traffic.
func fixtureHAProxy(t testing.TB, label string) *haproxy.Snapshot {
	t.Helper()
	st, err := haproxy.ParseStat(mustRead(t, "show-stat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := haproxy.ParseInfo(mustRead(t, "show-info.txt"))
	if err != nil {
		t.Fatal(err)
	}
	srv := func(name, addr, status string, scur, rate, r5 int64) haproxy.Row {
		return haproxy.Row{Proxy: "svc_b", Type: haproxy.TypeServer,
			Weight: 10, UWeight: 10, CheckCode: 200}.WithString(haproxy.ColName, name+"_"+addr).WithString(haproxy.ColStatus, status).WithString(haproxy.ColCheckStatus, "L7OK").WithString(haproxy.ColAddr, addr).With(haproxy.ColAct, 1).With(haproxy.ColSCur, scur).With(haproxy.ColSMax, scur*2).With(haproxy.ColSTot, scur*100).With(haproxy.ColRate, rate).With(haproxy.ColReqRate, rate).With(haproxy.ColReqTot, rate*1000).With(haproxy.ColHrsp2xx, rate*900).With(haproxy.ColHrsp5xx, r5).WithString(haproxy.ColMode, "http").With(haproxy.ColBIn, scur*12345).With(haproxy.ColBOut, scur*987654).WithDuration(haproxy.ColLastChange, 3*time.Hour).With(haproxy.ColLBTot, scur*90)
	}
	rows := append([]haproxy.Row(nil), st.Rows...)
	rows = append(rows,
		haproxy.Row{Proxy: "svc_b", Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN").With(haproxy.ColSCur, 12).With(haproxy.ColRate, 40).With(haproxy.ColReqRate, 40).WithString(haproxy.ColMode, "http"),
		srv("web1", "10.0.0.1:8080", "UP", 5, 20, 0),
		srv("web2", "10.0.0.2:8080", "DRAIN", 2, 0, 3),
		srv("web3", "10.0.0.3:8080", "UP", 5, 20, 1),
		srv("old4", "10.0.0.4:8080", "UP", 1, 2, 0),
		haproxy.Row{Proxy: "svc_b", Type: haproxy.TypeBackend, Weight: 40}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP").With(haproxy.ColAct, 4).With(haproxy.ColSCur, 13).With(haproxy.ColRate, 42).With(haproxy.ColReqRate, 42).With(haproxy.ColHrsp5xx, 4).WithString(haproxy.ColMode, "http"),
	)
	st.Rows = rows
	return &haproxy.Snapshot{Label: label, Address: "/run/haproxy/" + label + ".sock", At: fixedNow, Level: haproxy.LevelUser,
		Info: info, Stats: st, LastGood: fixedNow}
}

func fixtureBrowser(t testing.TB) *fakeBrowser {
	b := &fakeBrowser{nodes: map[string][]byte{
		"/nerve": nil, "/nerve/services": nil, "/zookeeper": nil,
	}}
	reg := fixtureRegistry(t)
	for _, s := range reg.Services {
		b.nodes["/nerve/services/"+s.Name] = nil
		b.nodes[s.Path] = nil
		for _, r := range s.Registrations {
			b.nodes[r.Path] = r.Raw
		}
	}
	return b
}

func fixtureHealth(ctx context.Context) []sources.ServerHealth {
	return []sources.ServerHealth{
		{Address: "127.0.0.1:2181", OK: true, Mode: "standalone", Version: "3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2023",
			LatencyMin: 0, LatencyAvg: 0.4, LatencyMax: 12, Outstanding: 0, Znodes: 42, Watches: 17, Connections: 3, EphemeralsCount: 4},
		{Address: "127.0.0.2:2181", Err: "4lw commands are disabled: add ruok, srvr, mntr to 4lw.commands.whitelist"},
	}
}

// testOptions are the console's Options plus the fake sources its feed
// starts from.
type testOptions struct {
	Options
	Registry *fakeRegistry // nil: no registry
	HAProxy  *fakeFeed     // nil: no HAProxy
	// Maintenance, when set, is this host's durable maintenance reader:
	// its reading at fixedNow is in the first frame.
	Maintenance func(now time.Time) *sources.Maintenance
}

type fixtureOpt func(*testOptions)

// newTestModel is a model over the fixtures at fixedNow, sized w x h.
func newTestModel(t testing.TB, w, h int, opts ...fixtureOpt) *Model {
	t.Helper()
	reg := fixtureRegistry(t)
	o := testOptions{
		Options: Options{
			Browser:  fixtureBrowser(t),
			Health:   fixtureHealth,
			ReadOnly: true,
			Refresh:  time.Second,
		},
		Registry: &fakeRegistry{ch: make(chan sources.Update), cur: reg},
		HAProxy:  newFakeFeed(fixtureHAProxy(t, "local")),
	}
	for _, f := range opts {
		f(&o)
	}
	return newFedModel(o, w, h)
}

// newFedModel is a model at fixedNow on a testFeed over o's fake sources.
func newFedModel(o testOptions, w, h int) *Model {
	o.Feed = newTestFeed(o.Registry, o.HAProxy, o.Maintenance)
	m := newModel(o.Options, func() time.Time { return fixedNow })
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// testFeed is the pipeline's Engine driven by the test: each input is
// applied and its frame handed to the model at once, as the live pipeline
// does below live.PacedRows, at fixedNow.
type testFeed struct {
	eng *live.Engine
	sub *live.Subscription
	hap *fakeFeed
}

func newTestFeed(reg *fakeRegistry, hap *fakeFeed, maint func(time.Time) *sources.Maintenance) *testFeed {
	eo := live.EngineOptions{Maintenance: maint != nil}
	if reg != nil {
		s := reg.cur
		eo.Registry = &s
	}
	if hap != nil {
		eo.HAProxy = hap.Current()
	}
	f := &testFeed{eng: live.NewEngine(eo), sub: live.NewSubscription(), hap: hap}
	if maint != nil {
		f.eng.Apply(live.Input{At: fixedNow, Maintenance: maint(fixedNow)})
	}
	f.eng.Join(fixedNow)
	f.sub.Publish(f.eng.Frame(fixedNow))
	f.eng.Observe()
	return f
}

func (f *testFeed) Subscribe() *live.Subscription { return f.sub }

func (f *testFeed) Refresh() {
	if f.hap != nil {
		f.hap.Refresh()
	}
}

func (f *testFeed) Watch(backends []string) {
	if f.hap != nil {
		f.hap.Watch(backends)
	}
}

// send applies one input and hands its frame to m, returning Update's command.
func (f *testFeed) send(m *Model, in live.Input) tea.Cmd {
	f.eng.Apply(in)
	fr, ok := f.eng.Step(fixedNow, true)
	if !ok {
		return nil
	}
	_, cmd := m.Update(frameMsg{fr})
	if fr.Changed&live.ChangeView != 0 {
		f.eng.Observe()
	}
	return cmd
}

// sendRegistry feeds a registry update through m's test feed.
func sendRegistry(m *Model, u sources.Update) tea.Cmd {
	return m.o.Feed.(*testFeed).send(m, live.Input{Registry: &u.Snapshot, RegistryEvents: u.Events})
}

// sendHAProxy feeds one socket's snapshot through m's test feed.
func sendHAProxy(m *Model, s haproxy.Snapshot) tea.Cmd {
	return m.o.Feed.(*testFeed).send(m, live.Input{HAProxy: &s})
}

// press sends keys: single characters, or names like "enter", "esc",
// "space", "tab", "shift+tab", "up", "down", "pgdown", "ctrl+c".
func press(m *Model, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		_, last = m.Update(keyMsg(k))
	}
	return last
}

// typeText sends each rune of s as a key press.
func typeText(m *Model, s string) tea.Cmd {
	var last tea.Cmd
	for _, r := range s {
		_, last = m.Update(keyMsg(string(r)))
	}
	return last
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// drain runs a command and every command it batches, feeding the messages
// back, but gives up on commands that block (channel readers, ticks).
func drain(m *Model, cmd tea.Cmd) { drainWait(m, cmd, 100*time.Millisecond) }

// drainWait is drain with a longer wait for slow commands (a 50,000-server
// join on a loaded machine). An action is never given up on: the wait tells
// a blocking command from a slow one, and an executor that fsyncs its audit
// log on a loaded machine is slow, not blocking. While the model says an
// action runs, drainWait waits for its result (a bound only against a hang).
func drainWait(m *Model, cmd tea.Cmd, wait time.Duration) {
	var late []chan tea.Msg
	drainInto(m, cmd, wait, &late)
	for deadline := time.Now().Add(time.Minute); m.running && time.Now().Before(deadline); {
		for i := 0; i < len(late); i++ {
			select {
			case msg := <-late[i]:
				late = append(late[:i], late[i+1:]...)
				i--
				if done, ok := msg.(actionDoneMsg); ok {
					_, next := m.Update(done)
					drainInto(m, next, wait, &late)
				}
			default:
			}
		}
		time.Sleep(time.Millisecond)
	}
}

// drainInto drains cmd, adding the commands it gave up on to late.
func drainInto(m *Model, cmd tea.Cmd, wait time.Duration, late *[]chan tea.Msg) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			for _, c := range msg {
				drainInto(m, c, wait, late)
			}
		default:
			_, next := m.Update(msg)
			drainInto(m, next, wait, late)
		}
	case <-time.After(wait):
		*late = append(*late, ch)
	}
}

// screen is the rendered frame without ANSI sequences.
func screen(m *Model) string { return ansi.Strip(m.render()) }

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

func ansiStrip(s string) string { return ansi.Strip(s) }
