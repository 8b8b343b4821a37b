package demo

import (
	"reflect"
	"testing"
)

func TestPlanOnlyActsOnChanges(t *testing.T) {
	a := regServer{Backend: "svc", Name: "web-1_127.0.0.1:1", Addr: "127.0.0.1:1", Weight: 50}
	b := regServer{Backend: "svc", Name: "web-2_127.0.0.1:2", Addr: "127.0.0.1:2", Weight: 50}
	c := regServer{Backend: "svc", Name: "web-3_127.0.0.1:3", Addr: "127.0.0.1:3", Weight: 50}
	n := regServer{Backend: "svc", Name: "new_127.0.0.1:9", Addr: "127.0.0.1:9", Weight: 50}
	configured := map[string]bool{a.key(): true, b.key(): true, c.key(): true}
	bw := b
	bw.Weight = 0

	ops, unknown := plan(configured, regSet{a.key(): a, b.key(): b}, regSet{b.key(): bw, c.key(): c, n.key(): n})
	want := []op{
		{Kind: opMaint, Backend: "svc", Server: a.Name},
		{Kind: opWeight, Backend: "svc", Server: b.Name, Weight: 0},
		{Kind: opReady, Backend: "svc", Server: c.Name},
	}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("ops = %+v, want %+v", ops, want)
	}
	if len(unknown) != 1 || unknown[0] != n {
		t.Errorf("unknown = %+v, want the new server", unknown)
	}
	if got := ops[0].String(); got != "set server svc/web-1_127.0.0.1:1 state maint" {
		t.Errorf("maint line %q", got)
	}
	if got := ops[1].String(); got != "set server svc/web-2_127.0.0.1:2 weight 0" {
		t.Errorf("weight line %q", got)
	}
	if got := ops[2].String(); got != "set server svc/web-3_127.0.0.1:3 state ready" {
		t.Errorf("ready line %q", got)
	}

	// No registry change, no socket command: an operator's drain stays.
	same := regSet{a.key(): a}
	if ops, unknown := plan(configured, same, same); len(ops) != 0 || len(unknown) != 0 {
		t.Errorf("plan on no change = %+v %+v", ops, unknown)
	}
}

func TestSanitizeRefusesNamesThatWouldStartAnotherCommand(t *testing.T) {
	good := regServer{Backend: "svc", Name: "web-1_127.0.0.1:1", Addr: "127.0.0.1:1", Weight: 50}
	evil := regServer{Backend: "svc", Name: "x;disable server svc/web-1_127.0.0.1:1", Addr: "127.0.0.1:2", Weight: 50}
	spaced := regServer{Backend: "svc", Name: "a b_h:1", Addr: "h:1", Weight: 50}
	badAddr := regServer{Backend: "svc", Name: "n_h:x", Addr: "h:x", Weight: 50}
	ok, bad := sanitize(regSet{"1": good, "2": evil, "3": spaced, "4": badAddr})
	if len(ok) != 1 || ok["1"] != good || len(bad) != 3 {
		t.Errorf("ok=%v bad=%v", ok, bad)
	}
}
