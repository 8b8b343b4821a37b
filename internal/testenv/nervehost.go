package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NerveHost is a SmartStack host's files for durable maintenance, on disk:
// a Nerve config (nerve.conf.json) with a service_conf_dir, a hacheck spool
// directory, and a real process standing in for Nerve that counts the
// SIGHUPs it receives (and writes its pid file), as the Nerve toggle needs.
type NerveHost struct {
	// Dir holds everything below.
	Dir string
	// Config is nerve.conf.json: instance_id and service_conf_dir.
	Config string
	// ConfDir is its service_conf_dir (conf.d).
	ConfDir string
	// Spool is a hacheck spool directory.
	Spool string
	// PIDFile names the stand-in Nerve's pid.
	PIDFile string

	instanceID string
	services   map[string]NerveHostService // in the main config
	p          *proc
	hups       string
}

// NerveHostService is one service of the host's Nerve config.
type NerveHostService struct {
	Host   string
	Port   int
	ZKPath string // e.g. /nerve/services/svc_a/services
	// Hacheck, when set, checks the service through hacheck as
	// GET :3333/http/<Hacheck>/<Port>/health; otherwise Nerve checks
	// GET /health on the service port directly.
	Hacheck string
}

// StartNerveHost writes the host's files for instanceID and starts the
// stand-in Nerve; t cleans everything up.
func StartNerveHost(t testing.TB, instanceID string) *NerveHost {
	t.Helper()
	Need(t, "sh")
	dir, err := componentDir("nervehost")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeDir(dir) })
	h := &NerveHost{Dir: dir, Config: filepath.Join(dir, "nerve.conf.json"), ConfDir: filepath.Join(dir, "conf.d"),
		Spool: filepath.Join(dir, "hacheck"), PIDFile: filepath.Join(dir, "nerve.pid"), hups: filepath.Join(dir, "hups"),
		instanceID: instanceID, services: map[string]NerveHostService{}}
	for _, d := range []string{h.ConfDir, h.Spool} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.writeConfig(); err != nil {
		t.Fatal(err)
	}
	// `sleep & wait` lets the trap run as soon as the signal arrives.
	script := `n=0
trap 'n=$((n+1)); echo $n > "$1.tmp"; mv "$1.tmp" "$1"' HUP
trap 'exit 0' TERM
echo $$ > "$2.tmp"; mv "$2.tmp" "$2"
while :; do sleep 1 & wait $!; done`
	h.p, err = startProc(dir, filepath.Join(dir, "nerve.log"), "sh", "-c", script, "nerve", h.hups, h.PIDFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.p.stop(syscall.SIGTERM, 2*time.Second) })
	if err := waitFor(10*time.Second, func() error {
		_, err := os.Stat(h.PIDFile)
		return err
	}); err != nil {
		t.Fatalf("testenv: the stand-in Nerve did not start: %v\n%s", err, h.p.tail(10))
	}
	return h
}

// Service adds a service to the main Nerve config (not service_conf_dir).
func (h *NerveHost) Service(t testing.TB, name string, s NerveHostService) {
	t.Helper()
	h.services[name] = s
	if err := h.writeConfig(); err != nil {
		t.Fatal(err)
	}
}

// ConfService writes <ConfDir>/<name>.json, a service Nerve reads from its
// service_conf_dir (the one the toggle moves aside), and returns its path.
func (h *NerveHost) ConfService(t testing.TB, name string, s NerveHostService) string {
	t.Helper()
	b, err := json.Marshal(serviceJSON(s))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(h.ConfDir, name+".json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// HUPs is how many SIGHUPs the stand-in Nerve has received.
func (h *NerveHost) HUPs() int {
	b, err := os.ReadFile(h.hups)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

// WaitHUPs waits until the stand-in Nerve has received n SIGHUPs.
func (h *NerveHost) WaitHUPs(t testing.TB, n int) {
	t.Helper()
	if err := waitFor(10*time.Second, func() error {
		if got := h.HUPs(); got != n {
			return fmt.Errorf("testenv: the stand-in Nerve got %d SIGHUPs, want %d", got, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func (h *NerveHost) writeConfig() error {
	svcs := map[string]any{}
	for name, s := range h.services {
		svcs[name] = serviceJSON(s)
	}
	b, err := json.MarshalIndent(map[string]any{"instance_id": h.instanceID, "service_conf_dir": "conf.d", "services": svcs}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(h.Config, b, 0o644)
}

// serviceJSON is a Nerve service as airbnb/nerve reads it.
func serviceJSON(s NerveHostService) map[string]any {
	check := map[string]any{"type": "http", "uri": "/health", "timeout": 0.5, "rise": 2, "fall": 2}
	if s.Hacheck != "" {
		check["port"] = 3333
		check["uri"] = fmt.Sprintf("/http/%s/%d/health", s.Hacheck, s.Port)
	}
	return map[string]any{"host": s.Host, "port": s.Port, "zk_hosts": []string{"127.0.0.1:2181"}, "zk_path": s.ZKPath,
		"check_interval": 1, "checks": []any{check}}
}
