//go:build bench

package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/internal/testenv"
)

// Registry layout: 100 services under Nerve's usual prefix.
const (
	zkRoot     = "/nerve/services"
	zkServices = 100
)

// zkResult is one registry size's figures; negative means not measured.
type zkResult struct {
	regs      int
	busy      int           // HAProxy servers the console also polled (0: ZooKeeper alone)
	snapshot  time.Duration // stacktui snapshot --json, process start to exit
	tuiFirst  time.Duration // TUI: every visible service at its full count, median of tuiFirsts
	tuiFirsts []time.Duration
	floor     time.Duration // pipelined minimal client, 64 in flight on one session
	rounds    rounds        // snapshot against floor
	rounds4   rounds        // snapshot against the same client over 4 sessions
	screenMed time.Duration
	screenP99 time.Duration
	notifyMed time.Duration
	notifyP99 time.Duration
	changes   int
	notes     []string
}

func (r *zkResult) note(f string, a ...any) { r.notes = append(r.notes, fmt.Sprintf(f, a...)) }

// zkArgs are the console's flags for the harness's registry at addr.
func zkArgs(addr string) []string {
	return []string{"--read-only", "--zk", addr, "--zk-path", zkRoot}
}

func svcPath(i int) string { return fmt.Sprintf("%s/svc%03d/services", zkRoot, i) }

// changer alternately creates and deletes one registration of svc000: an
// instance of its own (a host:port no other registration has), since one
// at host00000's address would be a duplicate, which REG does not count.
type changer struct {
	c       *zk.Conn
	data    []byte
	created string // the registration's znode while it exists
}

func newChanger(c *zk.Conn) (*changer, error) {
	data, err := testenv.Registration{Host: "10.250.0.1", Port: 39999, Name: "hostchange"}.JSON()
	return &changer{c: c, data: data}, err
}

// next makes the next change and returns svc000's registrations after it,
// of per without the change's own.
func (ch *changer) next(per int) (int, error) {
	if ch.created == "" {
		var err error
		ch.created, err = ch.c.Create(svcPath(0)+"/hostchange_", ch.data, zk.FlagEphemeral|zk.FlagSequence, zk.WorldACL(zk.PermAll))
		return per + 1, err
	}
	err := ch.c.Delete(ch.created, -1)
	ch.created = ""
	return per, err
}

// toolEnv is the environment of a tool run under dir: its own
// configuration, state and cache, and a UTF-8 locale.
func toolEnv(dir string) []string {
	return []string{"LANG=C.UTF-8", "XDG_CONFIG_HOME=" + dir + "/cfg", "XDG_STATE_HOME=" + dir + "/state", "XDG_CACHE_HOME=" + dir + "/cache"}
}

// populate registers n Nerve-style instances spread over zkServices
// services through c's session (ephemeral-sequential, Nerve's JSON).
func populate(c *zk.Conn, n int) error {
	for i := 0; i < zkServices; i++ {
		for _, p := range []string{"/nerve", zkRoot, path.Dir(svcPath(i)), svcPath(i)} {
			if _, err := c.Create(p, nil, 0, zk.WorldACL(zk.PermAll)); err != nil && err != zk.ErrNodeExists {
				return fmt.Errorf("create %s: %w", p, err)
			}
		}
	}
	var ops []any
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		_, err := c.Multi(ops...)
		ops = ops[:0]
		return err
	}
	for i := 0; i < n; i++ {
		p, data, err := nerveNode(i)
		if err != nil {
			return err
		}
		ops = append(ops, &zk.CreateRequest{Path: p, Data: data, Acl: zk.WorldACL(zk.PermAll), Flags: zk.FlagEphemeral | zk.FlagSequence})
		if len(ops) == 250 {
			if err := flush(); err != nil {
				return fmt.Errorf("create registrations: %w", err)
			}
		}
	}
	return flush()
}

// nerveNode is registration i: its child-name prefix and payload.
func nerveNode(i int) (string, []byte, error) {
	r := testenv.Registration{Host: fmt.Sprintf("10.%d.%d.%d", 1+i>>16, (i>>8)&255, i&255), Port: 31000 + i%1000,
		Name: fmt.Sprintf("host%05d", i)}
	data, err := r.JSON()
	return svcPath(i%zkServices) + "/" + r.ChildPrefix(), data, err
}

// benchZK measures stacktui against ZooKeeper's floors with n registrations.
// With busy (an HAProxy of busy servers), the console also polls that
// HAProxy, and only the screen figures are taken.
func benchZK(t *testing.T, k knobs, bin string, z *testenv.ZK, n int, busy *testenv.HAP, busyServers int) *zkResult {
	r := &zkResult{regs: n, snapshot: -1, tuiFirst: -1, floor: -1, screenMed: -1, screenP99: -1, notifyMed: -1, notifyP99: -1}
	c, err := z.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close() // the session's registrations vanish with it
	if err := populate(c, n); err != nil {
		t.Fatalf("populate %d registrations: %v", n, err)
	}
	dir, err := os.MkdirTemp("", "stb-zk-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	envv := toolEnv(dir)

	// The floor and stacktui in turn (ZooKeeper's JIT and caches warm up
	// within a round too).
	argv := append([]string{bin}, zkArgs(z.Addr)...)
	nRounds := snapRounds
	if busy != nil {
		r.busy, nRounds = busyServers, 0
		argv = append(argv, "--haproxy", busy.Socket)
	}
	floorOver := func(sessions int) func() time.Duration {
		return func() time.Duration {
			d, got, err := pipelinedFetch(z.Addr, 64, sessions)
			if err != nil || got != n {
				r.note("floor (%d sessions): %d nodes, %v", sessions, got, err)
				return -1
			}
			return d
		}
	}
	snapshot := func() time.Duration {
		d, err := snapshotOnce(bin, z.Addr, envv, n)
		if err != nil {
			r.note("snapshot: %v", err)
			return -1
		}
		return d
	}
	r.rounds.run(nRounds, snapshot, floorOver(1))
	r.rounds4.run(nRounds, snapshot, floorOver(4))
	if nRounds > 0 {
		r.snapshot, r.floor = r.rounds.medians()
	}

	// The TUI: first screen with the right counts, the median of k.starts
	// starts in fresh tmux servers (one start moved from 650 to 1100 ms
	// between two runs), then change to screen on the last.
	per := n / zkServices
	var tm *term
	for i := range k.starts {
		sub := filepath.Join(dir, fmt.Sprint("tui", i))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		st, err := startTerm(sub, toolEnv(sub), argv...)
		if err != nil {
			r.note("TUI did not start: %v", err)
			return r
		}
		d, screen, err := st.waitScreen(start, 120*time.Second, false, func(s string) bool { return allAt(s, per) })
		if err != nil {
			st.kill()
			r.note("TUI never showed every visible service at %d registrations: %s", per, firstLines(screen, 8))
			return r
		}
		r.tuiFirsts = append(r.tuiFirsts, d)
		if i < k.starts-1 {
			st.kill()
			continue
		}
		tm = st
	}
	defer tm.kill()
	r.tuiFirst = quantile(r.tuiFirsts, 0.5)
	time.Sleep(time.Second)
	changes(t, k, z, c, tm, per, r)
	return r
}

var svcRowRE = regexp.MustCompile(`\bsvc\d{3}\b`)

// allAt reports whether the Services view lists all zkServices services
// and every visible one has per registrations.
func allAt(s string, per int) bool {
	// With a busy HAProxy its other backends are services too (svc100...).
	if _, total, ok := footerPos(s); !ok || total < zkServices {
		return false
	}
	rows := 0
	for _, line := range strings.Split(s, "\n") {
		name := svcRowRE.FindString(line)
		if n, _ := strconv.Atoi(strings.TrimPrefix(name, "svc")); name == "" || n >= zkServices {
			continue
		}
		if n, ok := regCount(line, name); !ok || n != per {
			return false
		}
		rows++
	}
	return rows >= 20
}

// snapshotOnce runs stacktui snapshot --json and checks it counted n.
func snapshotOnce(bin, addr string, envv []string, n int) (time.Duration, error) {
	cmd := exec.Command(bin, append([]string{"snapshot", "--json"}, zkArgs(addr)...)...)
	cmd.Env = append(os.Environ(), envv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	out, err := cmd.Output()
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var doc struct {
		Services []struct {
			Summary struct {
				Registered int `json:"registered"`
			} `json:"summary"`
		} `json:"services"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return 0, fmt.Errorf("snapshot JSON: %v", err)
	}
	got := 0
	for _, s := range doc.Services {
		got += s.Summary.Registered
	}
	if got != n || len(doc.Services) != zkServices {
		return 0, fmt.Errorf("snapshot counted %d registrations in %d services, want %d in %d", got, len(doc.Services), n, zkServices)
	}
	return d, nil
}

// pipelinedFetch is the floor: connect, list the services, list each
// service's registrations and read every one, inflight requests at a time,
// spread over sessions sessions (the floor has one; ZooKeeper
// answers each session's requests in order, different sessions' side by
// side). It returns the time and the nodes read.
func pipelinedFetch(addr string, inflight, sessions int) (time.Duration, int, error) {
	t0 := time.Now()
	conns := make([]*zk.Conn, sessions)
	for i := range conns {
		c, ev, err := zk.Connect([]string{addr}, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(quiet{}))
		if err != nil {
			return 0, 0, err
		}
		defer c.Close()
		conns[i] = c
		for e := range ev {
			if e.State == zk.StateHasSession {
				break
			}
		}
	}
	c := conns[0]
	svcs, _, err := c.Children(zkRoot)
	if err != nil {
		return 0, 0, err
	}
	var mu sync.Mutex
	var firstErr error
	var nodes []string
	parallel(inflight, len(svcs), func(i int) {
		p := path.Join(zkRoot, svcs[i], "services")
		kids, _, err := c.Children(p)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		for _, k := range kids {
			nodes = append(nodes, p+"/"+k)
		}
	})
	got := 0
	parallel(inflight, len(nodes), func(i int) {
		data, _, err := conns[i%sessions].Get(nodes[i])
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if len(data) > 0 {
			got++
		}
	})
	return time.Since(t0), got, firstErr
}

// parallel runs f(0..n-1) on at most workers goroutines.
func parallel(workers, n int, f func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// quiet drops the zk client's log lines.
type quiet struct{}

func (quiet) Printf(string, ...any) {}

// changes creates and deletes registrations of svc000 in turn and times
// each until stacktui's screen shows the new count and until a second
// client's child watch fires.
func changes(t *testing.T, k knobs, z *testenv.ZK, c *zk.Conn, tm *term, per int, r *zkResult) {
	w, err := z.Connect()
	if err != nil {
		r.note("watcher: %v", err)
		return
	}
	defer w.Close()
	chg, err := newChanger(c)
	if err != nil {
		r.note("change registration: %v", err)
		return
	}
	var screen, notify []time.Duration
	for i := 0; i < k.changes; i++ {
		_, _, ch, err := w.ChildrenW(svcPath(0))
		if err != nil {
			r.note("watch: %v", err)
			return
		}
		t0 := time.Now()
		want, err := chg.next(per)
		if err != nil {
			r.note("change %d: %v", i, err)
			return
		}
		fired := make(chan time.Duration, 1)
		go func() {
			select {
			case <-ch:
				fired <- time.Since(t0)
			case <-time.After(20 * time.Second):
				fired <- -1
			}
		}()
		d, s, err := tm.waitScreen(t0, 20*time.Second, false, func(s string) bool { n, ok := regCount(s, "svc000"); return ok && n == want })
		if err != nil {
			r.note("change %d never reached the screen: %s", i, firstLines(s, 6))
			return
		}
		screen = append(screen, d)
		if nd := <-fired; nd >= 0 {
			notify = append(notify, nd)
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.changes = len(screen)
	r.screenMed, r.screenP99 = quantile(screen, 0.5), quantile(screen, 0.99)
	if len(notify) > 0 {
		r.notifyMed, r.notifyP99 = quantile(notify, 0.5), quantile(notify, 0.99)
	}
	if len(notify) < len(screen) {
		r.note("%d of %d watches fired", len(notify), len(screen))
	}
}
