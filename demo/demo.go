package demo

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Demo is a running sandbox. Its fields say where stacktui finds each part;
// they do not change after Start.
type Demo struct {
	// Dir is the demo's directory (config, socket, spool, audit log); Close removes it.
	Dir string
	// SerfRPC is the local Serf agent's RPC address (127.0.0.1:port); "" in ZK mode.
	SerfRPC string
	// ZK is Options.ZK echoed in ZK mode, "" otherwise.
	ZK string
	// ZKPath is the Nerve prefix in ZK mode ("/nerve/services"), "" otherwise.
	ZKPath string
	// HAProxySocket is the admin stats socket; "" without an haproxy binary.
	HAProxySocket string
	// NoHAProxy is, when HAProxy is missing, one line saying so and how to
	// install it; "" when HAProxy runs.
	NoHAProxy string
	// AuditLog is <Dir>/audit.log, for stacktui's audit of demo actions.
	AuditLog string
	// SpoolDir is <Dir>/hacheck, a hacheck spool dir the demo honours: an
	// instance with a spool file (all, <service>, <service>:<port>) fails its
	// health check, and its Nerve deregisters it.
	SpoolDir string
	// ReloadCommand is a shell command that makes the demo's synapse loop
	// reload HAProxy (a new process taking over with -sf); "" without HAProxy.
	ReloadCommand string
	// Backends maps each service to its HAProxy backend name.
	Backends map[string]string

	opts   Options
	logger *slog.Logger
	cancel context.CancelFunc
	loops  sync.WaitGroup

	insts   []*liveInstance
	httpWG  sync.WaitGroup
	serf    *serfCluster
	zkNerve *zkNerve
	zkWatch *zkWatch
	hap     *hapProc
	synapse *synapseLoop
	nerve   *nerveLoop
	chaos   *chaos

	closeOnce sync.Once
	closeErr  error
}

// Start brings the sandbox up: HTTP services, the registry (Serf or ZK), a
// Synapse-configured HAProxy, and the nerve, synapse, load and chaos loops.
// ctx bounds the start-up only: once Start returns, the demo runs until
// Close. On error everything already started is stopped and removed.
func Start(ctx context.Context, o Options) (_ *Demo, err error) {
	o = o.withDefaults()
	d := &Demo{opts: o, logger: o.Logger}
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	if err := d.makeDir(); err != nil {
		return nil, err
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.cancel = cancel

	if err := d.startServices(); err != nil {
		return nil, err
	}
	current, nudge, reg, err := d.startRegistry()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("demo: start-up cancelled: %w", err)
	}
	// Usable means the registry lists every instance when Start returns.
	cur, ok := waitSynced(current, 3*time.Second)
	if !ok || len(cur) < instanceCount(demoServices) {
		return nil, fmt.Errorf("demo: the registry listed %d of the demo's %d instances after 3s (is the machine very busy, or ZooKeeper %q slow?)",
			len(cur), instanceCount(demoServices), d.ZK)
	}
	if err := d.startHAProxy(cur, current, nudge); err != nil {
		return nil, err
	}

	d.nerve = &nerveLoop{insts: d.insts, reg: reg, interval: o.NerveInterval, rise: 2, fall: 2,
		logger: d.logger, client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}},
		state: map[string]*nerveState{}}
	d.chaos = newChaos(d.insts, len(demoServices), o.ChaosEvery, o.ChaosFor, o.Seed)
	d.goLoop(func() { d.nerve.run(loopCtx) })
	d.goLoop(func() { d.chaos.run(loopCtx) })
	if d.synapse != nil {
		d.goLoop(func() { d.synapse.run(loopCtx) })
		d.goLoop(func() { runLoad(loopCtx, d.loadTargets(), o.LoadRate, 6, o.Seed) })
	}
	d.logger.Info("demo started", "dir", d.Dir, "serf_rpc", d.SerfRPC, "zk", d.ZK, "haproxy_socket", d.HAProxySocket)
	return d, nil
}

func (d *Demo) goLoop(f func()) {
	d.loops.Add(1)
	go func() {
		defer d.loops.Done()
		f()
	}()
}

// makeDir creates the demo dir and its fixed files.
func (d *Demo) makeDir() error {
	dir := d.opts.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "stacktui-demo-")
		if err != nil {
			return fmt.Errorf("demo: making a temp dir: %w (check TMPDIR)", err)
		}
		dir = tmp
	} else {
		// Close removes the dir: never take one that holds someone's files.
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return fmt.Errorf("demo: dir %s is not empty: give a new or empty directory (the demo removes it when it stops)", dir)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("demo: making dir %s: %w", dir, err)
		}
	}
	d.Dir = dir
	d.SpoolDir = filepath.Join(dir, "hacheck")
	d.AuditLog = filepath.Join(dir, "audit.log")
	if err := os.MkdirAll(d.SpoolDir, 0o700); err != nil {
		return fmt.Errorf("demo: making spool dir %s: %w", d.SpoolDir, err)
	}
	f, err := os.OpenFile(d.AuditLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("demo: creating audit log %s: %w", d.AuditLog, err)
	}
	return f.Close()
}

// startServices opens and serves every instance.
func (d *Demo) startServices() error {
	lns, err := listenInstances(instanceCount(demoServices))
	if err != nil {
		return err
	}
	ports := make([]int, len(lns))
	for i, ln := range lns {
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for i, in := range layout(demoServices, nodeNames, ports) {
		li := &liveInstance{instance: in, spoolDir: d.SpoolDir, ln: lns[i]}
		li.serve(&d.httpWG)
		d.insts = append(d.insts, li)
	}
	return nil
}

// startRegistry registers every instance (Serf tags or Nerve znodes) and
// returns how the synapse loop reads the registry.
func (d *Demo) startRegistry() (func() (regSet, bool), <-chan struct{}, registrar, error) {
	var err error
	names := make([]string, len(demoServices))
	for i, s := range demoServices {
		names[i] = s.Name
	}
	if d.opts.ZK != "" {
		d.ZK, d.ZKPath = d.opts.ZK, ZKPath
		if d.zkNerve, err = startZKNerve(d.ZK, ZKPath, nodeNames, d.logger); err != nil {
			return nil, nil, nil, err
		}
		for _, li := range d.insts {
			if err := d.zkNerve.set(li.instance, true); err != nil {
				return nil, nil, nil, err
			}
		}
		if d.zkWatch, err = startZKWatch(d.ZK, ZKPath, names, d.logger); err != nil {
			return nil, nil, nil, err
		}
		w := d.zkWatch
		return func() (regSet, bool) { return w.registered() }, w.nudge, d.zkNerve, nil
	}
	tags := map[string]map[string]string{}
	for _, n := range nodeNames {
		tags[n] = map[string]string{serfWeightTag: strconv.Itoa(defaultWeight)}
	}
	for _, li := range d.insts {
		tags[li.Node][li.serfTag()] = li.addr()
	}
	if d.serf, err = startSerf(nodeNames, tags, slogWriter{d.logger, "serf"}); err != nil {
		return nil, nil, nil, err
	}
	d.SerfRPC = d.serf.rpc
	patterns := map[string]*regexp.Regexp{}
	for _, n := range names {
		patterns[n] = serfTagPattern(n)
	}
	sc := d.serf
	return func() (regSet, bool) { return serfRegistered(sc.members(), patterns), true }, nil, serfRegistrar{sc}, nil
}

// findHAProxy is the haproxy binary to run, or "".
func findHAProxy(bin string) string {
	if bin != "" {
		if p, err := exec.LookPath(bin); err == nil {
			return p
		}
		return ""
	}
	if p, err := exec.LookPath("haproxy"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/haproxy", "/usr/local/sbin/haproxy"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// noHAProxyLine is the one line shown when HAProxy is missing.
func noHAProxyLine(bin string) string {
	what := "haproxy is not installed (not in PATH)"
	if bin != "" {
		what = "haproxy binary " + strconv.Quote(bin) + " not found"
	}
	return what + ": the demo runs the registry side alone; install it with `apt-get install haproxy` (as root) and run stacktui demo again"
}

// startHAProxy writes the Synapse-style config and starts HAProxy, or notes
// that it is missing.
func (d *Demo) startHAProxy(cur regSet, current func() (regSet, bool), nudge <-chan struct{}) error {
	d.Backends = map[string]string{}
	for _, s := range demoServices {
		d.Backends[s.Name] = s.Name
	}
	bin := findHAProxy(d.opts.HAProxyBin)
	if bin == "" {
		d.NoHAProxy = noHAProxyLine(d.opts.HAProxyBin)
		d.logger.Warn(d.NoHAProxy)
		return nil
	}
	sock := filepath.Join(d.Dir, "haproxy.sock")
	reloadFile := filepath.Join(d.Dir, "reload")
	var err error
	// Frontend ports are picked free just before HAProxy binds them; if one
	// was taken in between, pick again once.
	for attempt := 0; attempt < 2; attempt++ {
		var backends []hapBackend
		if backends, err = d.frontends(); err != nil {
			return err
		}
		d.hap = &hapProc{bin: bin, cfg: filepath.Join(d.Dir, "haproxy.cfg"), socket: sock}
		d.synapse = &synapseLoop{hap: d.hap, cfgPath: d.hap.cfg, socket: sock, reloadFile: reloadFile,
			interval: 250 * time.Millisecond, current: current, nudge: nudge, logger: d.logger, backends: backends}
		if err = d.synapse.startHAProxy(cur); err == nil {
			d.HAProxySocket = sock
			d.ReloadCommand = "touch " + shellQuote(reloadFile)
			return nil
		}
		d.hap.stop()
	}
	// An HAProxy that will not start must not cost the newcomer the demo:
	// say why in one line and run the registry side alone.
	d.hap, d.synapse = nil, nil
	d.NoHAProxy = "haproxy (" + bin + ") did not start: " + oneLine(err.Error()) + "; the demo runs the registry side alone"
	d.logger.Warn(d.NoHAProxy)
	return nil
}

// frontends is one backend per service with a free frontend port and a
// server for every instance of the service.
func (d *Demo) frontends() ([]hapBackend, error) {
	var backends []hapBackend
	for _, s := range demoServices {
		port, err := freeTCPPort()
		if err != nil {
			return nil, err
		}
		b := hapBackend{Name: s.Name, Bind: "127.0.0.1:" + strconv.Itoa(port)}
		for _, li := range d.insts {
			if li.Service == s.Name {
				b.Servers = append(b.Servers, hapServer{Name: li.serverName(), Addr: li.addr(), Weight: defaultWeight})
			}
		}
		backends = append(backends, b)
	}
	return backends, nil
}

// oneLine folds s onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// waitSynced waits until the registry lists every instance (or the time is up,
// returning what it has when synced at all).
func waitSynced(current func() (regSet, bool), wait time.Duration) (regSet, bool) {
	want := instanceCount(demoServices)
	deadline := time.Now().Add(wait)
	for {
		cur, ok := current()
		if ok && len(cur) >= want {
			return cur, true
		}
		if time.Now().After(deadline) {
			return cur, ok
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// loadTargets are the HAProxy frontends, weighted by service share.
func (d *Demo) loadTargets() []loadTarget {
	var out []loadTarget
	for i, s := range demoServices {
		out = append(out, loadTarget{URL: "http://" + d.synapse.backends[i].Bind + "/", Share: s.Share})
	}
	return out
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Happening is one line saying what the chaos loop is doing now, e.g.
// "svc_checkout: web-2 failing its health check for 20s".
func (d *Demo) Happening() string {
	if d == nil || d.chaos == nil {
		return "demo not running"
	}
	return d.chaos.happening(time.Now())
}

// Abandon is Close for a process that must exit now (the shutdown
// watchdog): it kills every HAProxy generation and removes Dir, waiting for
// nothing; the in-process parts end with the process. Safe to call while the
// demo runs or closes.
func (d *Demo) Abandon() {
	if d == nil {
		return
	}
	if d.hap != nil {
		d.hap.killAll()
	}
	if d.Dir != "" {
		_ = os.RemoveAll(d.Dir)
	}
}

// Close stops everything Start started (loops, HAProxy, Serf agents,
// ZooKeeper sessions, HTTP services) and removes Dir. It is idempotent and
// safe on a demo whose Start failed halfway.
func (d *Demo) Close() error {
	if d == nil {
		return nil
	}
	d.closeOnce.Do(func() {
		if d.cancel != nil {
			d.cancel()
		}
		d.loops.Wait()
		if d.hap != nil {
			d.hap.stop()
		}
		d.serf.stop()
		d.zkWatch.stop()
		d.zkNerve.close()
		for _, li := range d.insts {
			li.stop()
		}
		d.httpWG.Wait()
		if d.Dir != "" {
			if err := os.RemoveAll(d.Dir); err != nil {
				d.closeErr = fmt.Errorf("demo: removing %s: %w", d.Dir, err)
			}
		}
	})
	return d.closeErr
}
