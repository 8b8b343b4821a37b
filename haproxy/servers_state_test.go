package haproxy

import (
	"errors"
	"testing"
	"time"
)

func TestParseServersStateCapture(t *testing.T) {
	ss, err := ParseServersState(readTestdata(t, "deregistered-show-servers-state.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 {
		t.Fatalf("%d servers", len(ss))
	}
	a, b := ss[0], ss[1]
	if a.BackendID != 4 || a.Backend != "svc_a" || a.ServerID != 1 || a.Server != "ss-accept-host_127.0.0.1:31001" ||
		a.Addr != "127.0.0.1" || a.OpState != 2 || a.AdminState != 0 || a.UWeight != 1 || a.IWeight != 1 ||
		a.LastChange != 66*time.Second || a.CheckStatus != 15 || a.CheckResult != 3 || a.CheckHealth != 3 ||
		a.CheckState != 6 || a.Port != 31001 || a.FQDN != "" || field(a, "srv_use_ssl") != "0" {
		t.Errorf("server a: %+v", a)
	}
	if a.InMaint() || a.InDrain() {
		t.Error("a in maint/drain")
	}
	if !b.InMaint() || b.OpState != 0 {
		t.Errorf("server b: %+v", b)
	}
}

func TestParseServersStateRejects(t *testing.T) {
	for _, in := range []string{"", "Can't find backend.\n", "1\nnot a header\n"} {
		if _, err := ParseServersState([]byte(in)); !errors.Is(err, ErrNotServersState) {
			t.Errorf("ParseServersState(%q) err = %v", in, err)
		}
	}
	if ss, err := ParseServersState([]byte("1\n")); err != nil || len(ss) != 0 {
		t.Errorf("version only: %v %v", ss, err)
	}
}

func field(s ServerState, name string) string {
	v, _ := s.Field(name)
	return v
}

func TestServersStateField(t *testing.T) {
	ss, err := ParseServersState([]byte("1\n# be_id be_name srv_id srv_name srv_x\n3 b 1 s 42\n3 b 2 t\n"))
	if err != nil || len(ss) != 2 {
		t.Fatal(ss, err)
	}
	if v, ok := ss[0].Field("srv_x"); v != "42" || !ok {
		t.Errorf("srv_x %q %v", v, ok)
	}
	if v, ok := ss[1].Field("srv_x"); v != "" || !ok {
		t.Errorf("short line srv_x %q %v", v, ok)
	}
	if _, ok := ss[0].Field("nope"); ok {
		t.Error("a field not in the header")
	}
	if ss[1].Backend != "b" || ss[1].ServerID != 2 || ss[1].Server != "t" {
		t.Errorf("%+v", ss[1])
	}
}
