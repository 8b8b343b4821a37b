package state

import (
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// local is this host in the tests: 10.0.0.5, named web-1.
var local = sources.Host{Name: "web-1.example.com", Addrs: []string{"127.0.0.1", "10.0.0.5"}}

// hm is t as the diagnoses show a time of day: in the local zone.
func hm(t time.Time) string { return t.Local().Format("15:04") }

func hasCode(in *Instance, c Code) bool {
	for _, d := range in.Diagnoses {
		if d.Code == c {
			return true
		}
	}
	return false
}

func textOf(in *Instance, c Code) string {
	for _, d := range in.Diagnoses {
		if d.Code == c {
			return d.Text
		}
	}
	return ""
}

// TestMaintenanceReplacesDeregistered: this host's instance taken out with
// a spool file reads "maintenance" with the reason, who, since and until,
// not "deregistered"; another host's instance on the same port is untouched.
func TestMaintenanceReplacesDeregistered(t *testing.T) {
	reg := zk([]string{"svc_a"}, reg("svc_a", "web-2", "10.9.9.9", 8080))
	h := hap("main", srv("svc_a", "web-1_10.0.0.5:8080", "MAINT"), srv("svc_a", "web-2_10.9.9.9:8080", "UP"))
	mt := &sources.Maintenance{At: t0, Host: local, InstanceID: "web-1", Entries: []sources.MaintenanceEntry{{
		Kind: sources.MaintHacheck, File: "/var/spool/hacheck/svc_a:8080", Service: "svc_a", Port: 8080,
		Reason: "disk swap", By: "alice", Since: t0.Add(-40 * time.Minute), Until: t0.Add(80 * time.Minute),
	}}}
	// Without the maintenance input: deregistered, as before.
	v := Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0})
	if in := instOf(t, svcOf(t, v, "svc_a"), "web-1_10.0.0.5:8080"); in.Worst != CodeDeregistered {
		t.Fatalf("without maintenance: %s", in.Worst)
	}
	v = Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0, Maintenance: mt})
	s := svcOf(t, v, "svc_a")
	in := instOf(t, s, "web-1_10.0.0.5:8080")
	if in.Worst != CodeMaintenance || hasCode(in, CodeDeregistered) || len(in.Maintenance()) != 1 {
		t.Fatalf("web-1: worst %s, diagnoses %+v", in.Worst, in.Diagnoses)
	}
	txt := textOf(in, CodeMaintenance)
	for _, want := range []string{"/var/spool/hacheck/svc_a:8080", `"disk swap"`, "by alice", "since " + hm(t0.Add(-40*time.Minute)) + " (40m0s ago)", "until " + hm(t0.Add(80*time.Minute)) + " (in 1h20m0s)", "keeps it deregistered"} {
		if !strings.Contains(txt, want) {
			t.Errorf("maintenance text lacks %q: %s", want, txt)
		}
	}
	if other := instOf(t, s, "web-2_10.9.9.9:8080"); other.Worst != CodeOK || other.Maintenance() != nil {
		t.Errorf("another host's instance on the same port: %s %+v", other.Worst, other.Maintenance())
	}
	if v.Maintenance != mt {
		t.Error("the view does not carry the maintenance it was joined with")
	}
}

// TestMaintenanceExpiredStillRegisteredAndNerve: an expired file still
// present, a spool file Nerve ignores (still registered long after), and a
// Nerve service moved aside whose instance nothing lists any more.
func TestMaintenanceExpiredStillRegisteredAndNerve(t *testing.T) {
	reg := zk([]string{"svc_a", "svc_b", "svc_c"},
		reg("svc_b", "web-1", "10.0.0.5", 9090))
	h := hap("main", srv("svc_a", "web-1_10.0.0.5:8080", "MAINT"), srv("svc_b", "web-1_10.0.0.5:9090", "UP"))
	mt := &sources.Maintenance{At: t0, Host: local, InstanceID: "web-1", Entries: []sources.MaintenanceEntry{
		{Kind: sources.MaintHacheck, File: "/s/svc_a", Service: "svc_a", Reason: "old", Since: t0.Add(-3 * time.Hour), Until: t0.Add(-10 * time.Minute)},
		{Kind: sources.MaintHacheck, File: "/s/svc_b:9090", Service: "svc_b", Port: 9090, Reason: "try", Since: t0.Add(-2 * time.Minute)},
		{Kind: sources.MaintNerve, File: "/etc/nerve/conf.d/svc_c.json.disabled", Service: "svc_c", Port: 7070, Addr: "10.0.0.5:7070", Since: t0.Add(-5 * time.Minute)},
	}}
	v := Join(reg, []*haproxy.Snapshot{h}, Config{Now: t0, Maintenance: mt})

	a := instOf(t, svcOf(t, v, "svc_a"), "web-1_10.0.0.5:8080")
	if txt := textOf(a, CodeMaintenance); !strings.Contains(txt, "expired at "+hm(t0.Add(-10*time.Minute))+" (10m0s ago) but still present") || !strings.Contains(txt, "next time Nerve's check asks") {
		t.Errorf("expired file: %s", txt)
	}
	b := instOf(t, svcOf(t, v, "svc_b"), "web-1_10.0.0.5:9090")
	if txt := textOf(b, CodeMaintenance); !strings.Contains(txt, "still registered 2m0s after the file was written") || !strings.Contains(txt, "no expiry") {
		t.Errorf("still registered: %s", txt)
	}
	if b.Worst != CodeMaintenance {
		t.Errorf("registered instance in maintenance: worst %s", b.Worst)
	}
	c := instOf(t, svcOf(t, v, "svc_c"), "web-1_10.0.0.5:7070")
	if c.Worst != CodeMaintenance || !strings.Contains(textOf(c, CodeMaintenance), "Nerve service file moved aside (/etc/nerve/conf.d/svc_c.json.disabled)") {
		t.Errorf("nerve toggle: %s %+v", c.Worst, c.Diagnoses)
	}
}

// TestMaintenanceSerfNames: a Serf service registered as svc_a_24001 and
// named <host>:<port>_<node> in HAProxy is matched to the spool's svc_a.
func TestMaintenanceSerfNames(t *testing.T) {
	snap := &sources.Snapshot{Kind: sources.KindSerf, Address: "127.0.0.1:7373", State: sources.StateConnected, At: t0, LastGood: t0, Synced: true,
		Services: []sources.Service{{Name: "svc_a_24001"}}}
	h := hap("main", srv("svc_a", "127.0.0.1:24001_node1", "MAINT", addr("127.0.0.1:24001")))
	mt := &sources.Maintenance{At: t0, Host: local, Entries: []sources.MaintenanceEntry{{Kind: sources.MaintHacheck, File: "/s/all", Reason: "reboot"}}}
	v := Join(snap, []*haproxy.Snapshot{h}, Config{Now: t0, Maintenance: mt, Backends: map[string]string{"svc_a": "svc_a"}})
	in := instOf(t, svcOf(t, v, "svc_a"), "127.0.0.1:24001_node1")
	if in.Worst != CodeMaintenance {
		t.Errorf("serf instance under 'all': %s %+v", in.Worst, in.Diagnoses)
	}
}
