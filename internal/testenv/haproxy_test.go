package testenv

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// statLine returns the `show stat` CSV line of backend/server, or "".
func statLine(stat, backend, server string) string {
	for _, l := range strings.Split(stat, "\n") {
		if strings.HasPrefix(l, backend+","+server+",") {
			return l
		}
	}
	return ""
}

// statusOf is the status column (18th) of a show stat line.
func statusOf(line string) string {
	f := strings.Split(line, ",")
	if len(f) < 18 {
		return ""
	}
	return f[17]
}

func TestHAProxySocketsAnswerAndConfigIsSynapseStyle(t *testing.T) {
	b1 := Backend(t)
	h := HAProxy(t, HAProxyConfig{TCPSocket: true, Services: []HAService{{
		Name: "svc_a",
		Servers: []HAServer{
			{Name: "host-a", Addr: b1.Addr, Weight: 3, Check: true, ID: 1},
			{Name: "host-b", Addr: "127.0.0.1:1", Disabled: true, Options: "backup"},
		},
	}, {
		Name: "svc_b", Backend: "svc_b_be", Servers: []HAServer{{Addr: b1.Addr}},
	}}})

	info := h.Command("show info")
	if !strings.Contains(info, "Name: HAProxy") {
		t.Fatalf("unix socket show info: %q", info)
	}
	tinfo, err := h.TCPCommand("show info")
	if err != nil || !strings.Contains(tinfo, "Name: HAProxy") {
		t.Fatalf("tcp socket show info: %q %v", tinfo, err)
	}

	cfg, err := os.ReadFile(h.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"frontend svc_a\n\tmode http\n\tbind 127.0.0.1:",
		"\tdefault_backend svc_a\n",
		"backend svc_a\n\tmode http\n\toption httpchk GET /health\n",
		"\tserver host-a_" + b1.Addr + " " + b1.Addr + " id 1 cookie host-a_" + b1.Addr + " check inter 2s rise 2 fall 2 weight 3\n",
		"\tserver host-b_127.0.0.1:1 127.0.0.1:1 cookie host-b_127.0.0.1:1 backup disabled\n",
		"frontend svc_b\n", "\tdefault_backend svc_b_be\n", "backend svc_b_be\n\tmode http\n\tserver " + b1.Addr + " ",
	} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}

	stat := h.Command("show stat")
	if s := statusOf(statLine(stat, "svc_a", "host-b_127.0.0.1:1")); s != "MAINT" {
		t.Errorf("disabled server status %q, want MAINT", s)
	}
	// Traffic flows through the frontend to the backend.
	resp, err := http.Get("http://" + h.Frontends["svc_b"] + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), b1.Addr) {
		t.Fatalf("GET via frontend: %d %q", resp.StatusCode, body)
	}
}

func TestHAProxyReloadDropsOldSessionsAndAppliesConfig(t *testing.T) {
	b1 := Backend(t)
	cfg := HAProxyConfig{Services: []HAService{{Name: "svc_r", Servers: []HAServer{{Name: "one", Addr: b1.Addr}}}}}
	h := HAProxy(t, cfg)
	front := h.Frontends["svc_r"]
	oldPid := h.Pid()

	// A persistent interactive session, as stacktui's client keeps one.
	c, err := net.Dial("unix", h.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := io.WriteString(c, "prompt\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadString('>'); err != nil {
		t.Fatal(err)
	}

	cfg.Services[0].Servers = append(cfg.Services[0].Servers, HAServer{Name: "two", Addr: b1.Addr, Weight: 7})
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if h.Pid() == oldPid {
		t.Fatal("pid unchanged after Reload")
	}
	if h.Frontends["svc_r"] != front {
		t.Fatalf("frontend moved from %s to %s on reload", front, h.Frontends["svc_r"])
	}
	if l := statLine(h.Command("show stat"), "svc_r", "two_"+b1.Addr); l == "" {
		t.Fatal("new server missing after Reload")
	}

	// The old process drops the persistent session within hard-stop-after.
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, "show info\n")
	_, err = io.ReadAll(r)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("old session still open 5s after Reload")
	}
	if err := waitFor(5*time.Second, func() error { return processGone(oldPid) }); err != nil {
		t.Fatal(err)
	}
	if resp, err := http.Get("http://" + front + "/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("frontend after reload: %v", err)
	} else {
		resp.Body.Close()
	}
}

func TestHAProxyReloadRejectsBadConfigWithReason(t *testing.T) {
	h := HAProxy(t, HAProxyConfig{Services: []HAService{{Name: "svc_x", Servers: []HAServer{{Addr: "127.0.0.1:1"}}}}})
	err := h.Reload(HAProxyConfig{Services: []HAService{{Name: "svc_x", Servers: []HAServer{{Addr: "127.0.0.1:1", Options: "no-such-keyword"}}}}})
	if err == nil || !strings.Contains(err.Error(), "no-such-keyword") {
		t.Fatalf("Reload with a bad keyword: %v; want haproxy -c's complaint", err)
	}
	if !strings.Contains(h.Command("show info"), "Name: HAProxy") {
		t.Fatal("old HAProxy gone after a rejected reload")
	}
	if err := h.Reload(HAProxyConfig{Services: []HAService{{Name: "bad name"}}}); err == nil {
		t.Fatal("service name with a space accepted")
	}
}

func TestHAProxyHealthCheckFollowsBackend(t *testing.T) {
	b := Backend(t)
	h := HAProxy(t, HAProxyConfig{Services: []HAService{{
		Name: "svc_h", CheckInter: 100 * time.Millisecond,
		Servers: []HAServer{{Name: "h", Addr: b.Addr, Check: true}},
	}}})
	server := "h_" + b.Addr
	wait := func(want string) {
		t.Helper()
		err := waitFor(10*time.Second, func() error {
			if s := statusOf(statLine(h.Command("show stat"), "svc_h", server)); s != want {
				return &statusErr{got: s, want: want}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wait("UP")
	b.SetHealthy(false)
	wait("DOWN")
	b.SetHealthy(true)
	wait("UP")
}

// statusErr says which server status was seen instead of the wanted one.
type statusErr struct{ got, want string }

func (e *statusErr) Error() string { return "status " + e.got + ", want " + e.want }

func TestHAProxyStopKillsEveryProcessAndRemovesDir(t *testing.T) {
	Need(t, "haproxy")
	cfg := HAProxyConfig{HardStopAfter: -1, Services: []HAService{{Name: "svc_s", Servers: []HAServer{{Addr: "127.0.0.1:1"}}}}}
	h, err := StartHAProxy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	first := h.Pid()
	// Without hard-stop-after a client session keeps the old process alive.
	c, err := net.Dial("unix", h.Socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "prompt\n")
	bufio.NewReader(c).ReadString('>')
	if err := h.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := processGone(first); err == nil {
		t.Fatal("old process gone although a session holds it and hard-stop-after is off")
	}
	second := h.Pid()
	h.Stop()
	for _, pid := range []int{first, second} {
		if err := processGone(pid); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(h.Dir); !os.IsNotExist(err) {
		t.Errorf("Stop left %s", h.Dir)
	}
}
