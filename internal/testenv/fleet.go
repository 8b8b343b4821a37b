package testenv

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FleetConfig describes a fleet of SmartStack client hosts, each imitated
// by one real HAProxy on a loopback address of its own (127.0.0.N), the way
// every host runs its own Synapse-managed HAProxy.
type FleetConfig struct {
	// Hosts is how many hosts to start (at most 240).
	Hosts int
	// FirstIP is the last octet of the first host's address; default 10.
	FirstIP int
	// Services is every host's initial configuration. Ports are ignored:
	// each service's frontend gets one port, the same on every host (as a
	// Synapse config gives it), bound to that host's address.
	Services []HAService
	// TCPSocket adds a read-only (`level user`) TCP stats socket on every
	// host, on one port shared by all, as some fleets expose instead of a
	// stats page.
	TCPSocket bool
	// Parallel bounds how many HAProxy processes start at once; default 8.
	Parallel int
}

// Fleet is a running fleet. Every host serves the HAProxy stats page of
// Synapse configs' `listen stats` section on StatsPort of its address, CSV
// at "/;csv".
type Fleet struct {
	Hosts []*FleetHost
	// StatsPort is the stats page's port on every host.
	StatsPort int
	// SocketPort is the TCP stats socket's port on every host, or 0.
	SocketPort int
	// Ports maps each service to its frontend port on every host.
	Ports map[string]int
}

// FleetHost is one host's HAProxy. The test acts as that host's Synapse
// through its admin unix socket (Command) or by Reload with a new
// configuration, or makes the host stale by doing neither.
type FleetHost struct {
	// IP is the host's loopback address, e.g. "127.0.0.10".
	IP string
	// StatsURL is "http://IP:port/;csv".
	StatsURL string
	// StatsAddr is "IP:port" of the stats page.
	StatsAddr string
	// SocketAddr is "IP:port" of the TCP stats socket, or "".
	SocketAddr string
	// Socket is the admin unix socket.
	Socket string
	// Dir holds haproxy.cfg, the socket and haproxy.log.
	Dir string

	fleet   *Fleet
	mu      sync.Mutex
	p       *proc
	old     []*proc
	cfg     []HAService
	stopped bool
}

// NewFleet starts a fleet for t, stopped when t ends.
func NewFleet(t testing.TB, cfg FleetConfig) *Fleet {
	t.Helper()
	Need(t, "haproxy")
	f, err := StartFleet(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(f.Stop)
	return f
}

// StartFleet starts every host's HAProxy; the caller must call Stop. It
// returns once every stats page answers.
func StartFleet(cfg FleetConfig) (*Fleet, error) {
	if err := Available("haproxy"); err != nil {
		return nil, err
	}
	if cfg.FirstIP <= 0 {
		cfg.FirstIP = 10
	}
	if cfg.Hosts <= 0 || cfg.FirstIP+cfg.Hosts > 251 {
		return nil, fmt.Errorf("testenv: fleet of %d hosts from 127.0.0.%d does not fit in 127.0.0.0/24", cfg.Hosts, cfg.FirstIP)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	f := &Fleet{Ports: map[string]int{}}
	var err error
	if f.StatsPort, err = FreePort(); err != nil {
		return nil, err
	}
	if cfg.TCPSocket {
		if f.SocketPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	for _, s := range cfg.Services {
		if f.Ports[s.Name], err = FreePort(); err != nil {
			return nil, err
		}
	}
	for i := range cfg.Hosts {
		ip := "127.0.0." + strconv.Itoa(cfg.FirstIP+i)
		h := &FleetHost{IP: ip, fleet: f, cfg: cfg.Services,
			StatsAddr: net.JoinHostPort(ip, strconv.Itoa(f.StatsPort))}
		h.StatsURL = "http://" + h.StatsAddr + "/;csv"
		if f.SocketPort > 0 {
			h.SocketAddr = net.JoinHostPort(ip, strconv.Itoa(f.SocketPort))
		}
		f.Hosts = append(f.Hosts, h)
	}
	errs := make([]error, len(f.Hosts))
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for i, h := range f.Hosts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = h.init()
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			f.Stop()
			return nil, err
		}
	}
	return f, nil
}

// Stop stops every host. Safe to call twice.
func (f *Fleet) Stop() {
	var wg sync.WaitGroup
	for _, h := range f.Hosts {
		wg.Go(h.Stop)
	}
	wg.Wait()
}

// Host returns the host with address ip, or nil.
func (f *Fleet) Host(ip string) *FleetHost {
	for _, h := range f.Hosts {
		if h.IP == ip {
			return h
		}
	}
	return nil
}

// init makes the host's dir and starts its HAProxy.
func (h *FleetHost) init() error {
	dir, err := componentDir("fleet")
	if err != nil {
		return err
	}
	h.Dir, h.Socket = dir, filepath.Join(dir, "haproxy.sock")
	if len(h.Socket) > 100 {
		removeDir(dir)
		return fmt.Errorf("testenv: socket path %s too long for a unix socket: set TMPDIR to a shorter dir", h.Socket)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.start(h.cfg, false)
}

// render writes the host's config: Synapse's layout plus the `listen
// stats` section (mode http, `stats uri /`) Synapse configs carry as an
// extra section. One thread and a small maxconn keep 200 of them cheap.
func (h *FleetHost) render(services []HAService) (string, error) {
	var b strings.Builder
	b.WriteString("# generated by stacktui internal/testenv: one fleet host's Synapse-managed HAProxy\n\nglobal\n")
	b.WriteString("\tmaxconn 256\n\tnbthread 1\n")
	fmt.Fprintf(&b, "\tstats socket %s mode 600 level admin expose-fd listeners\n", h.Socket)
	if h.SocketAddr != "" {
		fmt.Fprintf(&b, "\tstats socket ipv4@%s level user\n", h.SocketAddr)
	}
	b.WriteString("\tstats timeout 30s\n\thard-stop-after 1s\n")
	b.WriteString(haproxyDefaults)
	fmt.Fprintf(&b, "\nlisten stats\n\tbind %s\n\tmode http\n\tstats enable\n\tstats uri /\n", h.StatsAddr)
	if err := writeServices(&b, services, h.IP, h.fleet.Ports); err != nil {
		return "", err
	}
	return b.String(), nil
}

// start writes the config and runs haproxy; with reload it takes the
// listeners over from the running process and soft-stops it, like
// Synapse's reload command. h.mu is held.
func (h *FleetHost) start(services []HAService, reload bool) error {
	for _, s := range services {
		if _, ok := h.fleet.Ports[s.Name]; !ok {
			return fmt.Errorf("testenv: fleet service %s was not in the fleet's first configuration (its frontend port is shared by every host)", s.Name)
		}
	}
	text, err := h.render(services)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(h.Dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		return fmt.Errorf("testenv: write HAProxy config: %w", err)
	}
	var old *proc
	if reload {
		old = h.p
	}
	p, err := runHAProxy(h.Dir, cfgPath, h.Socket, old, 30*time.Second)
	if err != nil {
		return fmt.Errorf("testenv: fleet HAProxy on %s did not start (%w)", h.IP, err)
	}
	if reload {
		h.old = append(h.old, h.p)
	}
	h.p, h.cfg = p, services
	return nil
}

// Reload replaces the host's HAProxy by one with services, as Synapse does
// when the registry changed. It returns once the new process answers.
func (h *FleetHost) Reload(services []HAService) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return fmt.Errorf("testenv: fleet host %s already stopped", h.IP)
	}
	if h.p == nil || h.p.exited() {
		return h.start(services, false)
	}
	return h.start(services, true)
}

// Services is the host's current configuration.
func (h *FleetHost) Services() []HAService {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

// Command sends one command line to the host's admin socket; errors come
// back as "testenv: ..." text so assertions show them.
func (h *FleetHost) Command(cmd string) string {
	out, err := socketCommand("unix", h.Socket, cmd)
	if err != nil {
		return "testenv: " + err.Error()
	}
	return out
}

// Kill SIGKILLs the host's HAProxy, as a dead host: its stats page refuses
// connections. Reload starts it again.
func (h *FleetHost) Kill() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.p.kill()
}

// Pid is the process id of the host's current HAProxy.
func (h *FleetHost) Pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.p.pid()
}

// Stop kills every HAProxy process of the host and removes its dir.
func (h *FleetHost) Stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	h.stopped = true
	for _, p := range h.old {
		p.kill()
	}
	h.p.kill()
	if h.Dir != "" {
		removeDir(h.Dir)
	}
}
