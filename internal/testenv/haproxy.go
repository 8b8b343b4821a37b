package testenv

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// HAP is a running HAProxy (foreground, -db) with an admin stats socket.
type HAP struct {
	// Socket is the unix admin stats socket path.
	Socket string
	// TCPAddr is "127.0.0.1:port" of the TCP admin stats socket, or "".
	TCPAddr string
	// Dir holds haproxy.cfg, the socket and haproxy.log.
	Dir string
	// Frontends maps each service name to its frontend "127.0.0.1:port".
	Frontends map[string]string

	mu      sync.Mutex
	p       *proc
	old     []*proc
	ports   map[string]int
	cfg     HAProxyConfig
	stopped bool
}

// HAProxy starts an HAProxy for t, stopped when t ends. It skips or fails
// t (see Need) when haproxy is missing.
func HAProxy(t testing.TB, cfg HAProxyConfig) *HAP {
	t.Helper()
	Need(t, "haproxy")
	h, err := StartHAProxy(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(h.Stop)
	return h
}

// StartHAProxy starts an HAProxy; the caller must call Stop.
func StartHAProxy(cfg HAProxyConfig) (*HAP, error) {
	if err := Available("haproxy"); err != nil {
		return nil, err
	}
	dir, err := componentDir("hap")
	if err != nil {
		return nil, err
	}
	h := &HAP{Dir: dir, Socket: filepath.Join(dir, "haproxy.sock"), ports: map[string]int{}}
	if len(h.Socket) > 100 { // sun_path holds 108 bytes
		os.RemoveAll(dir)
		return nil, fmt.Errorf("testenv: socket path %s too long for a unix socket: set TMPDIR to a shorter dir", h.Socket)
	}
	var lastErr error
	for range 3 { // new ports when another process grabbed one
		if cfg.TCPSocket {
			addr, _, err := freeAddr()
			if err != nil {
				h.Stop()
				return nil, err
			}
			h.TCPAddr = addr
		}
		clear(h.ports)
		if lastErr = h.start(cfg, false); lastErr == nil {
			return h, nil
		}
		if !strings.Contains(lastErr.Error(), "cannot bind") && !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
	}
	h.Stop()
	return nil, lastErr
}

// assignPorts gives every service without a fixed port a free one, keeping
// ports already assigned.
func (h *HAP) assignPorts(cfg HAProxyConfig) error {
	for _, s := range cfg.Services {
		if s.Port > 0 {
			h.ports[s.Name] = s.Port
			continue
		}
		if _, ok := h.ports[s.Name]; ok {
			continue
		}
		p, err := FreePort()
		if err != nil {
			return err
		}
		h.ports[s.Name] = p
	}
	return nil
}

// start writes and checks the config, then runs haproxy; with reload it
// takes the listeners from the running process (-x) and soft-stops it (-sf).
func (h *HAP) start(cfg HAProxyConfig, reload bool) error {
	if err := h.assignPorts(cfg); err != nil {
		return err
	}
	text, err := renderHAProxy(cfg, h.Socket, h.TCPAddr, h.ports)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(h.Dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		return fmt.Errorf("testenv: write HAProxy config: %w", err)
	}
	if out, err := exec.Command("haproxy", "-c", "-f", cfgPath).CombinedOutput(); err != nil {
		return fmt.Errorf("testenv: haproxy -c rejected %s: %v\n%s\nconfig:\n%s", cfgPath, err, out, text)
	}
	var old *proc
	if reload {
		old = h.p
	}
	p, err := runHAProxy(h.Dir, cfgPath, h.Socket, old, 10*time.Second)
	if err != nil {
		return fmt.Errorf("testenv: HAProxy did not start (%w)", err)
	}
	if reload {
		h.old = append(h.old, h.p)
	}
	h.p = p
	h.cfg = cfg
	h.Frontends = map[string]string{}
	for _, s := range cfg.Services {
		h.Frontends[s.Name] = net.JoinHostPort("127.0.0.1", strconv.Itoa(h.ports[s.Name]))
	}
	return nil
}

// runHAProxy starts haproxy in the foreground with cfgPath, logging to
// dir/haproxy.log; with old it takes old's listeners over (-x socket) and
// soft-stops it (-sf), as a reload does. It returns once the admin socket
// answers as the new process, or kills it and says why with the log's end.
func runHAProxy(dir, cfgPath, socket string, old *proc, wait time.Duration) (*proc, error) {
	args := []string{"-db", "-f", cfgPath}
	if old != nil {
		args = append(args, "-x", socket, "-sf", strconv.Itoa(old.pid()))
	}
	p, err := startProc(dir, filepath.Join(dir, "haproxy.log"), "haproxy", args...)
	if err != nil {
		return nil, err
	}
	want := "Pid: " + strconv.Itoa(p.pid()) + "\n"
	err = waitFor(wait, func() error {
		if p.exited() {
			return fmt.Errorf("exited: %v", p.waitErr)
		}
		out, err := socketCommand("unix", socket, "show info")
		if err != nil {
			return err
		}
		if !strings.Contains(out, want) {
			return fmt.Errorf("socket still answered by another process")
		}
		return nil
	})
	if err != nil {
		p.kill()
		return nil, fmt.Errorf("%v; log ends:\n%s", err, p.tail(20))
	}
	return p, nil
}

// Reload replaces the running HAProxy by one with cfg, the way Synapse's
// reload_command does: the new process takes the listening sockets over
// and the old one finishes (its stats-socket clients are dropped after
// HardStopAfter). It returns once the new process answers the socket.
func (h *HAP) Reload(cfg HAProxyConfig) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return fmt.Errorf("testenv: HAProxy already stopped")
	}
	if cfg.TCPSocket != (h.TCPAddr != "") {
		return fmt.Errorf("testenv: Reload cannot add or remove the TCP stats socket")
	}
	return h.start(cfg, true)
}

// Pid is the process id of the current HAProxy.
func (h *HAP) Pid() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.p.pid()
}

// Config is the last config started or reloaded.
func (h *HAP) Config() HAProxyConfig {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cfg
}

// ConfigPath is the generated haproxy.cfg.
func (h *HAP) ConfigPath() string { return filepath.Join(h.Dir, "haproxy.cfg") }

// LogPath is the file HAProxy's output goes to.
func (h *HAP) LogPath() string { return filepath.Join(h.Dir, "haproxy.log") }

// Kill SIGKILLs the current HAProxy without cleaning up, as a crash would;
// the socket file stays but nobody answers it.
func (h *HAP) Kill() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.p.kill()
}

// Stop kills every HAProxy process of h and removes Dir. Safe to call twice.
func (h *HAP) Stop() {
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
	removeDir(h.Dir)
}

// Command sends one command line to the unix admin socket and returns the
// answer; errors come back as "testenv: ..." text so assertions show them.
func (h *HAP) Command(cmd string) string {
	out, err := socketCommand("unix", h.Socket, cmd)
	if err != nil {
		return "testenv: " + err.Error()
	}
	return out
}

// CommandErr is Command returning the error separately.
func (h *HAP) CommandErr(cmd string) (string, error) { return socketCommand("unix", h.Socket, cmd) }

// TCPCommand sends one command line to the TCP admin socket.
func (h *HAP) TCPCommand(cmd string) (string, error) {
	if h.TCPAddr == "" {
		return "", fmt.Errorf("testenv: HAProxy has no TCP stats socket (set HAProxyConfig.TCPSocket)")
	}
	return socketCommand("tcp", h.TCPAddr, cmd)
}

// socketCommand runs one non-interactive stats-socket command.
func socketCommand(network, addr, cmd string) (string, error) {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return "", fmt.Errorf("dial HAProxy stats socket %s: %w", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, cmd+"\n"); err != nil {
		return "", fmt.Errorf("write to HAProxy stats socket %s: %w", addr, err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return string(b), fmt.Errorf("read from HAProxy stats socket %s: %w", addr, err)
	}
	return string(b), nil
}
