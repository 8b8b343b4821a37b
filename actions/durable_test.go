package actions

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/actions/hacheck"
	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/config"
)

// here is this host in the durable tests: it owns 127.0.0.1 only.
var here = sources.Host{Name: "web-1", Addrs: []string{"127.0.0.1", "::1"}}

func loadNerve(t *testing.T, h *testenv.NerveHost) *config.Nerve {
	t.Helper()
	n, err := config.LoadNerve(h.Config)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDurableRefusesOtherHosts: M and U on an instance whose address is not
// this host's are refused with what to run on its host; nothing is written.
func TestDurableRefusesOtherHosts(t *testing.T) {
	h := testenv.StartNerveHost(t, "web-1")
	h.Service(t, "svc_a_8080", testenv.NerveHostService{Host: "127.0.0.1", Port: 8080, ZKPath: "/nerve/services/svc_a/services", Hacheck: "svc_a"})
	d := Durable{Where: Where{Host: here}, Nerve: loadNerve(t, h), SpoolDir: h.Spool}
	remote := Instance{Service: "svc_a", Name: "web-2", Host: "10.9.9.9", Port: 8080}
	for name, f := range map[string]func() (Action, error){
		"down": func() (Action, error) { return d.Down(remote, "disk swap", time.Hour) },
		"up":   func() (Action, error) { return d.Up(remote) },
	} {
		_, err := f()
		var ew *ElsewhereError
		if !errors.As(err, &ew) {
			t.Fatalf("%s on another host's instance: %v; want an ElsewhereError", name, err)
		}
		if !strings.Contains(ew.Why, "10.9.9.9, which is not an address of this host (web-1: 127.0.0.1, ::1)") ||
			ew.Commands[0] != "hadown -r '<reason>' svc_a" || !strings.Contains(ew.Where, "10.9.9.9:8080") {
			t.Errorf("%s: %+v", name, ew)
		}
	}
	// Same address, but this host's Nerve registers nothing on that port
	// and the name is another Nerve's.
	_, err := d.Down(Instance{Service: "svc_a", Name: "web-9", Host: "127.0.0.1", Port: 9999}, "x", 0)
	if err == nil || !strings.Contains(err.Error(), "registers nothing on port 9999") || !strings.Contains(err.Error(), `"web-9": another Nerve registers it`) {
		t.Errorf("unknown port: %v", err)
	}
	if es, _ := os.ReadDir(h.Spool); len(es) != 0 {
		t.Errorf("refusals wrote %d spool files", len(es))
	}
}

// TestDurableThroughHacheck: with Nerve checking through hacheck, M writes
// the spool file hacheck consults for that check (its service name and
// port, which may differ from the registry's), with who acted in the
// reason; U removes it and every wider file that also applies.
func TestDurableThroughHacheck(t *testing.T) {
	h := testenv.StartNerveHost(t, "web-1")
	h.Service(t, "svc_a_8080", testenv.NerveHostService{Host: "127.0.0.1", Port: 8080, ZKPath: "/nerve/services/svc_a/services", Hacheck: "svc-a-http"})
	d := Durable{Where: Where{Host: here}, Nerve: loadNerve(t, h), SpoolDir: h.Spool}
	in := Instance{Service: "svc_a", Name: "web-1", Host: "127.0.0.1", Port: 8080}
	if m, err := d.Method(in); err != nil || m != MethodHacheck {
		t.Fatalf("Method = %v, %v", m, err)
	}
	a, err := d.Down(in, "disk swap", 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Plan()
	if !strings.Contains(p.Warning, "through hacheck (127.0.0.1:3333/http/svc-a-http/8080/health)") || !strings.Contains(p.Title, "svc_a 127.0.0.1:8080 (web-1)") {
		t.Errorf("plan %+v", p)
	}
	e := NewExecutor(Writers{Files: OSFiles{}}, newAudit(t))
	if r := run(t, e, a); r.Err != nil {
		t.Fatal(r.Err)
	}
	entry, err := hacheck.ReadFile(filepath.Join(h.Spool, "svc-a-http:8080"))
	if err != nil {
		t.Fatal(err)
	}
	me, _ := user.Current()
	if entry.Reason != "disk swap (by "+me.Username+")" || entry.Expiration.IsZero() {
		t.Errorf("spool entry %+v", entry)
	}
	// "all" also applies: U removes both and says what else comes back.
	if err := os.WriteFile(filepath.Join(h.Spool, "all"), []byte("reboot"), 0o644); err != nil {
		t.Fatal(err)
	}
	up, err := d.Up(in)
	if err != nil {
		t.Fatal(err)
	}
	if p := up.Plan(); len(p.Commands) != 2 || !strings.Contains(p.Warning, "EVERY service") {
		t.Errorf("undo plan %+v", p)
	}
	if r := run(t, e, up); r.Err != nil {
		t.Fatal(r.Err)
	}
	if es, _ := os.ReadDir(h.Spool); len(es) != 0 {
		t.Errorf("undo left %d spool files", len(es))
	}
	if _, err := d.Up(in); err == nil || !strings.Contains(err.Error(), "not in durable maintenance") {
		t.Errorf("undo with nothing in force: %v", err)
	}
}

// TestDurableWithoutHacheckUsesTheToggle: Nerve checks the service directly,
// so a spool file would do nothing. M refuses to write one; with the
// service in service_conf_dir and Nerve's pid known it moves the service
// file aside and sends Nerve (a real process) SIGHUP; U moves it back.
func TestDurableWithoutHacheckUsesTheToggle(t *testing.T) {
	h := testenv.StartNerveHost(t, "web-1")
	file := h.ConfService(t, "svc_a_8080", testenv.NerveHostService{Host: "127.0.0.1", Port: 8080, ZKPath: "/nerve/services/svc_a/services"})
	h.Service(t, "svc_b_9090", testenv.NerveHostService{Host: "127.0.0.1", Port: 9090, ZKPath: "/nerve/services/svc_b/services"})
	in := Instance{Service: "svc_a", Name: "web-1", Host: "127.0.0.1", Port: 8080}

	// Without a way to find Nerve: refused, with the commands by hand.
	d := Durable{Where: Where{Host: here}, Nerve: loadNerve(t, h), SpoolDir: h.Spool}
	_, err := d.Down(in, "disk swap", time.Hour)
	if err == nil || !strings.Contains(err.Error(), "--nerve-pid-file") || !strings.Contains(err.Error(), "mv "+file+" "+file+".disabled") {
		t.Fatalf("no pid: %v", err)
	}
	// In the main config (no file to move) and checked directly: nothing
	// here can take it out durably, and M says what would.
	_, err = d.Down(Instance{Service: "svc_b", Host: "127.0.0.1", Port: 9090}, "x", 0)
	if err == nil || !strings.Contains(err.Error(), "directly (check http 127.0.0.1:9090/health), not through hacheck") || !strings.Contains(err.Error(), "cannot be toggled either") {
		t.Fatalf("svc_b: %v", err)
	}

	d.NervePID = PIDFile(h.PIDFile)
	if m, err := d.Method(in); err != nil || m != MethodNerveToggle {
		t.Fatalf("Method = %v, %v", m, err)
	}
	a, err := d.Down(in, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if p := a.Plan(); !strings.Contains(p.Warning, "a hacheck spool file would change nothing") || !strings.Contains(strings.Join(p.Commands, "\n"), "kill -HUP") {
		t.Errorf("toggle plan %+v", p)
	}
	e := NewExecutor(Writers{Files: OSFiles{}, Procs: OSProcs{}}, newAudit(t))
	if r := run(t, e, a); r.Err != nil {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	h.WaitHUPs(t, 1)
	if _, err := os.Stat(file + DisabledSuffix); err != nil {
		t.Fatalf("service file not moved aside: %v", err)
	}
	if es, _ := os.ReadDir(h.Spool); len(es) != 0 {
		t.Errorf("the toggle wrote %d spool files", len(es))
	}

	// U finds the moved-aside file (the Nerve config re-read) and moves it back.
	d.Nerve = loadNerve(t, h)
	up, err := d.Up(in)
	if err != nil {
		t.Fatal(err)
	}
	if r := run(t, e, up); r.Err != nil {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	h.WaitHUPs(t, 2)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("service file not moved back: %v", err)
	}
}

// TestDurableWithoutNerveConfig: no Nerve config, so the spool file is named
// after the registry service and the plan says the effect is unknown.
func TestDurableWithoutNerveConfig(t *testing.T) {
	spool := t.TempDir()
	d := Durable{Where: Where{Host: here}, SpoolDir: spool, NerveNote: "no Nerve config at /etc/nerve.conf.json"}
	a, err := d.Down(Instance{Service: "svc_a", Host: "127.0.0.1", Port: 8080}, "deploy", 0)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Plan()
	if !strings.Contains(p.Warning, "is unknown") || !strings.Contains(p.Warning, "/etc/nerve.conf.json") || !strings.Contains(p.Commands[0], filepath.Join(spool, "svc_a:8080")) {
		t.Errorf("plan %+v", p)
	}
}

// TestAlternativePerFlavour: the drain dialog's durable alternative is the
// one that exists: no hacheck advice in the Serf flavour; in the ZooKeeper
// flavour, what M would do for that instance here.
func TestAlternativePerFlavour(t *testing.T) {
	h := testenv.StartNerveHost(t, "web-1")
	h.Service(t, "svc_a_8080", testenv.NerveHostService{Host: "127.0.0.1", Port: 8080, ZKPath: "/nerve/services/svc_a/services", Hacheck: "svc_a"})
	h.ConfService(t, "svc_b_9090", testenv.NerveHostService{Host: "127.0.0.1", Port: 9090, ZKPath: "/nerve/services/svc_b/services"})
	d := Durable{Where: Where{Host: here}, Nerve: loadNerve(t, h), SpoolDir: h.Spool, NervePID: PIDFile(h.PIDFile)}
	a := Instance{Service: "svc_a", Host: "127.0.0.1", Port: 8080}
	for _, c := range []struct {
		flavour sources.Kind
		in      Instance
		want    string
		not     string
	}{
		{sources.KindSerf, a, "smart:serverweight=0", "hacheck"},
		{sources.KindZooKeeper, a, "{durable}: a hacheck spool file for svc_a on this host", "serverweight"},
		{sources.KindZooKeeper, Instance{Service: "svc_b", Host: "127.0.0.1", Port: 9090}, "Nerve service file aside", "hacheck spool"},
		{sources.KindZooKeeper, Instance{Service: "svc_a", Host: "10.9.9.9", Port: 8080}, "on the instance's own host (hadown", "{durable}:"},
		{"", a, "", "{durable}:"},
	} {
		got := d.Alternative(c.flavour, c.in)
		if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("%q %s: %q; want %q without %q", c.flavour, c.in, got, c.want, c.not)
		}
	}
	// The drain plan carries it.
	p := mustPlan(NewServerAction(OpDrain, "", []Target{{Socket: "main", Backend: "svc_a", Server: srvA}}, ScopeBackend, testSnaps(),
		WithSetup(Setup{Flavour: sources.KindSerf, Durable: d.Alternative(sources.KindSerf, a)})))
	if strings.Contains(p.Alternative, "hacheck") || !strings.Contains(p.Alternative, "smart:serverweight=0") {
		t.Errorf("serf drain alternative %q", p.Alternative)
	}
	p = mustPlan(NewServerAction(OpWeight, "5", []Target{{Socket: "main", Backend: "svc_a", Server: srvA}}, ScopeBackend, testSnaps(),
		WithSetup(Setup{Flavour: sources.KindSerf})))
	if strings.Contains(p.Alternative, "ZooKeeper") || strings.Contains(p.Alternative, "Nerve's config") {
		t.Errorf("serf weight alternative mentions ZooKeeper: %q", p.Alternative)
	}
}
