package testenv

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func httpGet(t *testing.T, url string) (string, error) {
	t.Helper()
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestFleetHostsServeTheirOwnStatsPages(t *testing.T) {
	f := NewFleet(t, FleetConfig{Hosts: 3, TCPSocket: true, Services: []HAService{{
		Name: "svc_a", Servers: []HAServer{{Name: "i1", Addr: "127.0.0.1:1"}, {Name: "i2", Addr: "127.0.0.1:2", Disabled: true}},
	}}})
	if len(f.Hosts) != 3 || f.Hosts[0].IP != "127.0.0.10" || f.Hosts[2].IP != "127.0.0.12" {
		t.Fatalf("hosts: %+v", f.Hosts)
	}
	for _, h := range f.Hosts {
		csv, err := httpGet(t, h.StatsURL)
		if err != nil {
			t.Fatalf("%s: %v", h.StatsURL, err)
		}
		if !strings.HasPrefix(csv, "# pxname,svname,") {
			t.Fatalf("%s does not serve show stat CSV: %.200q", h.StatsURL, csv)
		}
		if st := statusOf(statLine(csv, "svc_a", "i2_127.0.0.1:2")); st != "MAINT" {
			t.Errorf("%s: disabled server status %q, want MAINT", h.IP, st)
		}
		if !strings.Contains(csv, "\nsvc_a,FRONTEND,") || !strings.Contains(csv, "\nstats,FRONTEND,") {
			t.Errorf("%s: missing the service's or the stats page's FRONTEND row", h.IP)
		}
		out, err := socketCommand("tcp", h.SocketAddr, "show stat")
		if err != nil || !strings.Contains(out, "i1_127.0.0.1:1") {
			t.Fatalf("TCP stats socket %s: %v %.200q", h.SocketAddr, err, out)
		}
		if out, _ := socketCommand("tcp", h.SocketAddr, "set server svc_a/i1_127.0.0.1:1 state maint"); !strings.Contains(out, "Permission denied") {
			t.Errorf("the fleet's TCP socket is level user, yet a write was answered %q", out)
		}
	}

	// Act as one host's Synapse: a new instance arrives by reload.
	h := f.Hosts[1]
	svcs := h.Services()
	svcs = append([]HAService(nil), svcs...)
	svcs[0].Servers = append(append([]HAServer(nil), svcs[0].Servers...), HAServer{Name: "i3", Addr: "127.0.0.1:3"})
	if err := h.Reload(svcs); err != nil {
		t.Fatal(err)
	}
	csv, err := httpGet(t, h.StatsURL)
	if err != nil || statLine(csv, "svc_a", "i3_127.0.0.1:3") == "" {
		t.Fatalf("after reload, the new server is not on %s: %v", h.StatsURL, err)
	}
	if csv, _ := httpGet(t, f.Hosts[0].StatsURL); statLine(csv, "svc_a", "i3_127.0.0.1:3") != "" {
		t.Fatal("a reload of one host changed another")
	}

	// A dead host refuses connections.
	f.Hosts[2].Kill()
	if _, err := httpGet(t, f.Hosts[2].StatsURL); err == nil {
		t.Fatal("killed host still serves its stats page")
	}
}
