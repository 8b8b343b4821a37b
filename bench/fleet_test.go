//go:build bench

package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources/fleet"
	"github.com/stacktui/stacktui/sources/zookeeper"
	"github.com/stacktui/stacktui/state"
)

// The fleet benchmark (issue 20): as many real HAProxy processes as the
// machine holds, each one host's Synapse-managed HAProxy on its own
// loopback address with its stats page, a real ZooKeeper with a Nerve
// registration per host, read at a 2 s refresh by what the console runs
// for --fleet: the fleet poller, the ZooKeeper source, and the fleet join
// at every update. Run with
//
//	go test -tags bench -run TestFleetScale -v -timeout 60m ./bench
//
// Knobs: FLEET_SIZES=20,100,200 hosts, FLEET_REFRESH=2s, FLEET_WINDOW=60s
// (idle measurement), OUT=path of the report (its fleet section is
// replaced, the rest kept).

const (
	fleetBegin = "<!-- fleet:begin -->"
	fleetEnd   = "<!-- fleet:end -->"
	// fleetExtra services with fleetExtraServers instances each, on every
	// host besides svc_a (one instance per host).
	fleetExtra        = 4
	fleetExtraServers = 10
	// fleetChanges is how many registry changes the latency figures average.
	fleetChanges = 5
)

type fleetResult struct {
	hosts, rows           int // hosts, server rows per host
	cpu                   float64
	rssMB, heapMB         float64
	hapCPU                float64 // ms of CPU per minute, all HAProxies together, serving the pages
	pollMedian, pollMax   time.Duration
	joinMedian, joinMax   time.Duration
	lagMedian, lagP95     time.Duration
	lagMax                time.Duration
	allShown, allShownMax time.Duration // registry change to every host shown: median, max
	loadBefore, loadAfter string
}

func TestFleetScale(t *testing.T) {
	testenv.Need(t, "haproxy")
	testenv.Need(t, "zookeeper")
	sizes := intList(t, "FLEET_SIZES", "20,100,200")
	refresh := duration(t, "FLEET_REFRESH", "2s")
	window := duration(t, "FLEET_WINDOW", "60s")
	out := env("OUT", "../BENCHMARKS.md")
	began := time.Now().UTC()
	var rs []fleetResult
	for _, n := range sizes {
		rs = append(rs, fleetScale(t, n, refresh, window))
	}
	section := fleetReport(rs, refresh, window, began)
	fmt.Print(section)
	old, _ := os.ReadFile(out)
	doc := string(old)
	i, j := strings.Index(doc, fleetBegin), strings.Index(doc, fleetEnd)
	if i >= 0 && j > i {
		doc = doc[:i] + section + strings.TrimPrefix(doc[j+len(fleetEnd):], "\n")
	} else {
		doc += "\n" + section
	}
	if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fleetConsole is what the console does with the fleet: join at every
// update, and note when each host first shows a watched instance in MAINT.
type fleetConsole struct {
	mu      sync.Mutex
	joins   []time.Duration
	polls   []time.Duration
	watch   string               // instance key to watch, "" for none
	shown   map[string]time.Time // host -> first view with the instance MAINT there
	reached int
}

func (c *fleetConsole) run(zs *zookeeper.Source, p *fleet.Poller) {
	hist := state.NewFleetHistory()
	for snap := range p.Updates() {
		r := zs.Current()
		t0 := time.Now()
		v := state.JoinFleet(&r, snap, state.FleetConfig{History: hist, Now: t0})
		hist.Observe(v)
		took := time.Since(t0)
		var poll time.Duration
		for i := range snap.Hosts {
			poll = max(poll, snap.Hosts[i].Took)
		}
		c.mu.Lock()
		c.joins = append(c.joins, took)
		c.polls = append(c.polls, poll)
		c.reached = v.Reachable
		if c.watch != "" {
			if _, in := v.Instance(c.watch); in != nil {
				for hi, st := range in.States {
					if h := v.Hosts[hi].Name; st == state.HostMaint && c.shown[h].IsZero() {
						c.shown[h] = t0
					}
				}
			}
		}
		c.mu.Unlock()
	}
}

func rusageCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fleetScale(t *testing.T, n int, refresh, window time.Duration) fleetResult {
	r := fleetResult{hosts: n, loadBefore: loadavg()}
	z := testenv.ZooKeeper(t)
	svcA := testenv.HAService{Name: "svc_a"}
	ip := func(i int) string { return "127.0.0." + strconv.Itoa(10+i) }
	// Nerve's znodes and payloads, written through testenv's one admin
	// session: a Nerve session per host would put 200 ZooKeeper clients'
	// buffers into the heap measured here.
	register := func(svc, name, host string, port, seq int) {
		data, err := testenv.Registration{Host: host, Port: port, Name: name}.JSON()
		if err == nil {
			err = z.Put(fmt.Sprintf("/nerve/services/%s/services/%s_%010d", svc, name, seq), data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		id := "host" + strconv.Itoa(i)
		register("svc_a", id, ip(i), 31001, i)
		svcA.Servers = append(svcA.Servers, testenv.HAServer{Name: id, Addr: ip(i) + ":31001"})
	}
	services := []testenv.HAService{svcA}
	for s := range fleetExtra {
		svc := testenv.HAService{Name: fmt.Sprintf("svc_x%d", s)}
		for k := range fleetExtraServers {
			host := fmt.Sprintf("127.0.1.%d", k+1)
			register(svc.Name, "x", host, 40000+s, k)
			svc.Servers = append(svc.Servers, testenv.HAServer{Name: "x", Addr: host + ":" + strconv.Itoa(40000+s)})
		}
		services = append(services, svc)
	}
	r.rows = n + fleetExtra*fleetExtraServers
	started := time.Now()
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: n, Services: services})
	t.Logf("%d HAProxy hosts started in %v", n, time.Since(started).Round(time.Millisecond))

	zs, err := zookeeper.Open(context.Background(), zookeeper.Options{Servers: []string{z.Addr}})
	if err != nil {
		t.Fatal(err)
	}
	defer zs.Close()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		s := zs.Current()
		if s.Synced && len(fleet.Discover(&s)) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry not read")
		}
	}
	reg := zs.Current()
	tm, err := fleet.ParseTemplate(fmt.Sprintf("http://{host}:%d/;csv", fl.StatsPort))
	if err != nil {
		t.Fatal(err)
	}
	var targets []fleet.Target
	for _, h := range fleet.Discover(&reg) {
		if strings.HasPrefix(h, "127.0.1.") {
			continue // the extra services' instances are not fleet hosts here
		}
		tg, _ := tm.For(h)
		targets = append(targets, tg)
	}
	p := fleet.New(fleet.Options{Targets: targets, Refresh: refresh})
	p.Start(context.Background())
	con := &fleetConsole{shown: map[string]time.Time{}}
	done := make(chan struct{})
	go func() { con.run(zs, p); close(done) }()
	defer func() { p.Close(); <-done }()
	waitUntil(t, 120*time.Second, "every host read", func() bool {
		con.mu.Lock()
		defer con.mu.Unlock()
		return con.reached == n
	})

	// Idle: the console's CPU and memory, HAProxy's CPU serving the pages.
	runtime.GC()
	hapTicks := func() int64 {
		var sum int64
		for _, h := range fl.Hosts {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.Pid())); err == nil {
				if v, err := procTicks(string(b)); err == nil {
					sum += v
				}
			}
		}
		return sum
	}
	con.mu.Lock()
	con.joins, con.polls = nil, nil
	con.mu.Unlock()
	cpu0, hap0, w0 := rusageCPU(), hapTicks(), time.Now()
	var rss int64
	for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(time.Second) {
		if b, err := os.ReadFile("/proc/self/status"); err == nil {
			if v, err := procRSSKB(string(b)); err == nil {
				rss = max(rss, v)
			}
		}
	}
	el := time.Since(w0)
	r.cpu = 100 * float64(rusageCPU()-cpu0) / float64(el)
	r.hapCPU = perMinute(hapTicks()-hap0, el)
	r.rssMB = float64(rss) / 1024
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.heapMB = float64(ms.HeapAlloc) / (1 << 20)
	con.mu.Lock()
	r.joinMedian, r.joinMax = quantile(con.joins, 0.5), quantile(con.joins, 1)
	r.pollMedian, r.pollMax = quantile(con.polls, 0.5), quantile(con.polls, 1)
	con.mu.Unlock()

	// Registry changes reaching every host: a host's svc_a instance is
	// deregistered and every host's Synapse disables it over its socket
	// (the state-file behaviour); per host, from its HAProxy changing to
	// the fleet view showing it. Five changes at random moments of the
	// refresh cycle, so the figures are not one phase of the polls.
	var lags, alls []time.Duration
	for k := range fleetChanges {
		time.Sleep(time.Duration(rand.Int64N(int64(refresh))))
		victim := (k*7 + n/2) % n
		server := "host" + strconv.Itoa(victim) + "_" + ip(victim) + ":31001"
		con.mu.Lock()
		con.watch, con.shown = "svc_a/"+server, map[string]time.Time{}
		con.mu.Unlock()
		t0 := time.Now()
		if err := z.Delete(findZnode(t, zs, victim, ip(victim))); err != nil {
			t.Fatal(err)
		}
		changed := make([]time.Time, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i, h := range fl.Hosts {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if out := h.Command("set server svc_a/" + server + " state maint"); strings.TrimSpace(out) != "" {
					t.Errorf("host %s: %s", h.IP, out)
				}
				changed[i] = time.Now()
			})
		}
		wg.Wait()
		waitUntil(t, 120*time.Second, "every host shown with the instance in MAINT", func() bool {
			con.mu.Lock()
			defer con.mu.Unlock()
			return len(con.shown) == n
		})
		var last time.Time
		con.mu.Lock()
		for i, h := range fl.Hosts {
			v := con.shown[h.IP]
			lags = append(lags, v.Sub(changed[i]))
			if v.After(last) {
				last = v
			}
		}
		con.watch = ""
		con.mu.Unlock()
		alls = append(alls, last.Sub(t0))
	}
	r.lagMedian, r.lagP95, r.lagMax = quantile(lags, 0.5), quantile(lags, 0.95), quantile(lags, 1)
	r.allShown, r.allShownMax = quantile(alls, 0.5), quantile(alls, 1)
	r.loadAfter = loadavg()
	t.Logf("%d hosts: %+v", n, r)
	return r
}

// findZnode is the znode of the registration of host i.
func findZnode(t *testing.T, zs *zookeeper.Source, i int, ip string) string {
	s := zs.Current()
	for _, svc := range s.Services {
		for _, rg := range svc.Registrations {
			if svc.Name == "svc_a" && rg.Host == ip {
				return rg.Path
			}
		}
	}
	t.Fatalf("no registration of host %d (%s)", i, ip)
	return ""
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
	}
}

func fleetReport(rs []fleetResult, refresh, window time.Duration, began time.Time) string {
	var b strings.Builder
	b.WriteString(fleetBegin + "\n## Fleet: many hosts' HAProxy at once (`--fleet`)\n\n")
	fmt.Fprintf(&b, "`go test -tags bench -run TestFleetScale ./bench`, %s, %s. Each host is a real HAProxy 2.6 (one thread)\n",
		began.Format("2006-01-02 15:04 UTC"), machine())
	fmt.Fprintf(&b, "on its own loopback address with the `listen stats` page Synapse configs carry, read as CSV over HTTP; svc_a has one\n")
	fmt.Fprintf(&b, "instance per host (Nerve registrations in a real ZooKeeper), %d more services have %d instances each. Latencies are\n", fleetExtra, fleetExtraServers)
	fmt.Fprintf(&b, "over %d registry changes made at random moments of the refresh cycle, each applied by every host's HAProxy. Measured\n", fleetChanges)
	fmt.Fprintf(&b, "in-process over %v at a %v refresh: the fleet poller (32 hosts at a time), the ZooKeeper source and the fleet\n", window, refresh)
	b.WriteString("join at every update, which is what the console adds for `--fleet` (its rendering is measured above).\n\n")
	b.WriteString("| hosts | server rows per host | CPU | RSS (max) | Go heap live after GC | HAProxy CPU serving the pages (all hosts) | poll of the slowest host, median / max | fleet join, median / max | host changed → shown, median / p95 / max | registry change → every host shown, median / max |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %d | %d | %.1f %% | %.0f MB | %.0f MB | %.0f ms/min | %s / %s | %s / %s | %s / %s / %s | %s / %s |\n",
			r.hosts, r.rows, r.cpu, r.rssMB, r.heapMB, r.hapCPU, ms(r.pollMedian), ms(r.pollMax),
			ms(r.joinMedian), ms(r.joinMax), ms(r.lagMedian), ms(r.lagP95), ms(r.lagMax), ms(r.allShown), ms(r.allShownMax))
	}
	b.WriteString("\nLoad average (1, 5, 15 min) at the start and end of each size:")
	for _, r := range rs {
		fmt.Fprintf(&b, " %d hosts: %s → %s;", r.hosts, r.loadBefore, r.loadAfter)
	}
	b.WriteString(" other engineers' work shared the 2 cores.\n")
	b.WriteString(fleetGrowth(rs))
	b.WriteString(fleetEnd + "\n")
	return b.String()
}

// fleetGrowth says how the costs grow with hosts, from the figures.
func fleetGrowth(rs []fleetResult) string {
	if len(rs) < 2 {
		return ""
	}
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b fleetResult) int { return a.hosts - b.hosts })
	var per, lag []string
	for _, r := range s {
		rows := float64(r.hosts * r.rows)
		per = append(per, fmt.Sprintf("%.2f %% at %d hosts", r.cpu/(rows/10000), r.hosts))
		lag = append(lag, fmt.Sprintf("%s at %d hosts (slowest poll %s)", ms(r.lagMedian), r.hosts, ms(r.pollMedian)))
	}
	a, z := s[0], s[len(s)-1]
	return fmt.Sprintf("\nHow it grows: every refresh reads every host's whole page, so the console's CPU, memory and join grow with\n"+
		"hosts × rows per host (×%.0f from %d to %d hosts here): CPU ×%.1f, heap ×%.1f, join ×%.1f. CPU per 10,000 rows read per\n"+
		"refresh: %s. The time from a host's change to the view is about half a refresh plus a poll round (hosts are read\n"+
		"32 at a time and a slow one is never waited for past the next tick): median %s.\n",
		float64(z.hosts*z.rows)/float64(a.hosts*a.rows), a.hosts, z.hosts,
		z.cpu/max(a.cpu, 0.01), z.heapMB/max(a.heapMB, 0.01), df(z.joinMedian)/max(df(a.joinMedian), 0.001),
		strings.Join(per, ", "), strings.Join(lag, ", "))
}
