package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SerfConfig describes one serf agent.
type SerfConfig struct {
	// Name is the node name (-node).
	Name string
	// Tags are set with -tag k=v.
	Tags map[string]string
	// Join lists BindAddrs of agents to join at start (-join).
	Join []string
	// RPCAuth, when set, requires this key on the RPC (rpc_auth); the
	// agent's own CLI calls pass it.
	RPCAuth string
	// ConfigDir is read with -config-dir (Nerve's Serf reporter writes
	// zzz_nerve_<svc>.json tag files there and SIGHUPs serf). Empty means
	// a fresh dir inside the agent's temp dir.
	ConfigDir string
	// Profile is serf's timing profile; empty means "local" (fast failure
	// detection, a few seconds).
	Profile string
}

// SerfAgent is a running `serf agent` on loopback.
type SerfAgent struct {
	// Name is the node name.
	Name string
	// BindAddr is the gossip address "127.0.0.1:port" (what others -join).
	BindAddr string
	// RPCAddr is the RPC address "127.0.0.1:port" (serf members -rpc-addr).
	RPCAddr string
	// RPCAuth is the RPC key, or "".
	RPCAuth string
	// ConfigDir is the agent's -config-dir.
	ConfigDir string
	// Dir holds serf.log and, unless given, ConfigDir.
	Dir string

	mu      sync.Mutex
	p       *proc
	stopped bool
}

// Serf starts a serf agent for t with tags, joining the given BindAddrs,
// stopped when t ends. It skips or fails t (see Need) when serf is missing.
func Serf(t testing.TB, name string, tags map[string]string, join ...string) *SerfAgent {
	t.Helper()
	return SerfWith(t, SerfConfig{Name: name, Tags: tags, Join: join})
}

// SerfWith is Serf with every option.
func SerfWith(t testing.TB, cfg SerfConfig) *SerfAgent {
	t.Helper()
	Need(t, "serf")
	a, err := StartSerf(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(a.Stop)
	return a
}

// StartSerf starts a serf agent; the caller must call Stop.
func StartSerf(cfg SerfConfig) (*SerfAgent, error) {
	if err := Available("serf"); err != nil {
		return nil, err
	}
	if err := validName("serf node", cfg.Name); err != nil {
		return nil, err
	}
	dir, err := componentDir("serf")
	if err != nil {
		return nil, err
	}
	a := &SerfAgent{Name: cfg.Name, RPCAuth: cfg.RPCAuth, ConfigDir: cfg.ConfigDir, Dir: dir}
	if a.ConfigDir == "" {
		a.ConfigDir = filepath.Join(dir, "conf.d")
		if err := os.Mkdir(a.ConfigDir, 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("testenv: serf config dir: %w", err)
		}
	}
	var lastErr error
	for range 3 { // new ports when another process grabbed one
		if lastErr = a.start(cfg); lastErr == nil {
			return a, nil
		}
		if !strings.Contains(lastErr.Error(), "address already in use") {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

// start picks ports and runs the agent until its RPC answers.
func (a *SerfAgent) start(cfg SerfConfig) error {
	bind, _, err := freeAddr()
	if err != nil {
		return err
	}
	rpc, _, err := freeAddr()
	if err != nil {
		return err
	}
	a.BindAddr, a.RPCAddr = bind, rpc
	profile := cfg.Profile
	if profile == "" {
		profile = "local"
	}
	args := []string{"agent", "-node=" + cfg.Name, "-bind=" + bind, "-rpc-addr=" + rpc,
		"-profile=" + profile, "-config-dir=" + a.ConfigDir, "-log-level=info"}
	if cfg.RPCAuth != "" {
		f := filepath.Join(a.Dir, "testenv-rpc.json")
		b, _ := json.Marshal(map[string]string{"rpc_auth": cfg.RPCAuth})
		if err := os.WriteFile(f, b, 0o600); err != nil {
			return fmt.Errorf("testenv: serf rpc config: %w", err)
		}
		args = append(args, "-config-file="+f)
	}
	keys := make([]string, 0, len(cfg.Tags))
	for k := range cfg.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-tag", k+"="+cfg.Tags[k])
	}
	// -retry-join, not -join: on a loaded machine the join's push-pull can
	// miss the local profile's 1 s TCP timeout, and -join then makes the
	// agent exit. start waits for the join itself (the members listed).
	for _, j := range cfg.Join {
		args = append(args, "-retry-join="+j, "-retry-interval=200ms")
	}
	p, err := startProc(a.Dir, filepath.Join(a.Dir, "serf.log"), "serf", args...)
	if err != nil {
		return err
	}
	err = waitFor(15*time.Second, func() error {
		if p.exited() {
			return fmt.Errorf("exited: %v", p.waitErr)
		}
		ms, err := a.Members()
		if err != nil {
			return err
		}
		for _, j := range cfg.Join {
			if !slices.ContainsFunc(ms, func(m SerfMember) bool { return m.Addr == j }) { // Addr is host:port
				return fmt.Errorf("not joined to %s yet", j)
			}
		}
		return nil
	})
	if err != nil {
		p.kill()
		return fmt.Errorf("testenv: serf agent %s did not start (%v); log ends:\n%s", cfg.Name, err, p.tail(20))
	}
	a.p = p
	return nil
}

// run runs a serf CLI command against this agent's RPC.
func (a *SerfAgent) run(args ...string) (string, error) {
	full := append([]string{args[0], "-rpc-addr=" + a.RPCAddr}, args[1:]...)
	if a.RPCAuth != "" {
		full = append(full, "-rpc-auth="+a.RPCAuth)
	}
	out, err := exec.Command("serf", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("serf %s: %v: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// CLI runs `serf <verb> -rpc-addr=<RPCAddr> [-rpc-auth] <args...>`, e.g.
// CLI("tags", "-set", "k=v"), and returns its output.
func (a *SerfAgent) CLI(verb string, args ...string) (string, error) {
	return a.run(append([]string{verb}, args...)...)
}

// SerfMember is one row of `serf members -format json`.
type SerfMember struct {
	Name   string            `json:"name"`
	Addr   string            `json:"addr"`
	Port   int               `json:"port"`
	Tags   map[string]string `json:"tags"`
	Status string            `json:"status"`
}

// Members is this agent's view of the cluster.
func (a *SerfAgent) Members() ([]SerfMember, error) {
	out, err := a.run("members", "-format=json")
	if err != nil {
		return nil, err
	}
	var m struct {
		Members []SerfMember `json:"members"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return nil, fmt.Errorf("testenv: serf members json: %w: %q", err, out)
	}
	return m.Members, nil
}

// WaitMembers waits until this agent sees exactly want (name -> status,
// e.g. "alive", "failed", "left") for those names; other members are
// ignored.
func (a *SerfAgent) WaitMembers(d time.Duration, want map[string]string) error {
	return waitFor(d, func() error {
		ms, err := a.Members()
		if err != nil {
			return err
		}
		got := map[string]string{}
		for _, m := range ms {
			got[m.Name] = m.Status
		}
		for n, s := range want {
			if got[n] != s {
				return fmt.Errorf("testenv: serf %s sees %s as %q, want %q (members %v)", a.Name, n, got[n], s, got)
			}
		}
		return nil
	})
}

// SetNerveTag does what Nerve's Serf reporter does on "up": writes
// <ConfigDir>/zzz_nerve_<svc>.json = {"tags":{"smart:<svc>":"<hostPort>"}}
// and SIGHUPs the agent.
func (a *SerfAgent) SetNerveTag(svc, hostPort string) error {
	b, _ := json.Marshal(map[string]map[string]string{"tags": {"smart:" + svc: hostPort}})
	if err := os.WriteFile(a.nerveFile(svc), b, 0o644); err != nil {
		return fmt.Errorf("testenv: write serf tag file: %w", err)
	}
	return a.Reload()
}

// RemoveNerveTag does Nerve's Serf "down": removes the tag file and SIGHUPs.
func (a *SerfAgent) RemoveNerveTag(svc string) error {
	if err := os.Remove(a.nerveFile(svc)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("testenv: remove serf tag file: %w", err)
	}
	return a.Reload()
}

// nerveFile is the tag file Nerve writes for svc.
func (a *SerfAgent) nerveFile(svc string) string {
	return filepath.Join(a.ConfigDir, "zzz_nerve_"+svc+".json")
}

// Reload sends SIGHUP: the agent rereads its config files and sets its tags
// from them (plus the -tag flags).
func (a *SerfAgent) Reload() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.p == nil || a.p.exited() {
		return fmt.Errorf("testenv: serf agent %s is not running", a.Name)
	}
	return a.p.signal(syscall.SIGHUP)
}

// Leave makes the agent leave the cluster gracefully (SIGINT) and waits for
// it to exit; the others then see it "left".
func (a *SerfAgent) Leave() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.p.stop(syscall.SIGINT, 15*time.Second)
}

// Kill SIGKILLs the agent: the others see it "failed" after a few seconds,
// provided at least two live agents remain (memberlist waits about 18 s
// when no third node can confirm the suspicion).
func (a *SerfAgent) Kill() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.p.kill()
}

// LogPath is the agent's log file.
func (a *SerfAgent) LogPath() string { return filepath.Join(a.Dir, "serf.log") }

// Stop kills the agent and removes Dir. Safe to call twice.
func (a *SerfAgent) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return
	}
	a.stopped = true
	a.p.kill()
	removeDir(a.Dir)
}
