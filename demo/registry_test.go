package demo

import (
	"regexp"
	"testing"
)

func TestSerfRegisteredFollowsSynapsesSerfWatcher(t *testing.T) {
	patterns := map[string]*regexp.Regexp{"svc_a": serfTagPattern("svc_a"), "svc_ab": serfTagPattern("svc_ab")}
	members := []memberView{
		{Name: "web-1", Status: "alive", Tags: map[string]string{
			"smart:svc_a_31001": "127.0.0.1:31001", // service_port form
			"smart:svc_a":       "127.0.0.1:31009", // bare form
			"smart:svc_ab_x":    "127.0.0.1:1",     // not _[0-9]+: no match for either
			"role":              "web",
		}},
		{Name: "web-2", Status: "alive", Tags: map[string]string{
			"smart:svc_ab_2": "127.0.0.1:31002", serfWeightTag: "0",
		}},
		{Name: "web-3", Status: "failed", Tags: map[string]string{"smart:svc_a_3": "127.0.0.1:31003"}},
		{Name: "web-4", Status: "alive", Tags: map[string]string{"smart:svc_a_4": "garbage", serfWeightTag: "x"}},
	}
	got := serfRegistered(members, patterns)
	want := regSet{
		"svc_a/web-1_127.0.0.1:31001":  {Backend: "svc_a", Name: "web-1_127.0.0.1:31001", Addr: "127.0.0.1:31001", Weight: 50},
		"svc_a/web-1_127.0.0.1:31009":  {Backend: "svc_a", Name: "web-1_127.0.0.1:31009", Addr: "127.0.0.1:31009", Weight: 50},
		"svc_ab/web-2_127.0.0.1:31002": {Backend: "svc_ab", Name: "web-2_127.0.0.1:31002", Addr: "127.0.0.1:31002", Weight: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %+v, want %+v", k, got[k], w)
		}
	}
}

func TestParseNerveAcceptsStringsAndRejectsJunk(t *testing.T) {
	r, err := parseNerve([]byte(`{"host":"10.0.0.1","port":"3000","name":"m1","weight":"7"}`))
	if err != nil || r != (nerveRecord{Host: "10.0.0.1", Port: 3000, Name: "m1", Weight: 7}) {
		t.Fatalf("got %+v, %v", r, err)
	}
	s := serverFromNerve("svc", r)
	if s.Name != "m1_10.0.0.1:3000" || s.Weight != 7 {
		t.Errorf("server %+v", s)
	}
	r, err = parseNerve([]byte(`{"host":"10.0.0.1","port":3000}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := serverFromNerve("svc", r); s.Name != "10.0.0.1:3000" || s.Weight != defaultWeight {
		t.Errorf("nameless server %+v", s)
	}
	for _, bad := range []string{``, `[]`, `{"port":1}`, `{"host":"h","port":0}`, `{"host":"h","port":"x"}`, `{"host":"h","port":70000}`} {
		if _, err := parseNerve([]byte(bad)); err == nil {
			t.Errorf("parseNerve(%q) accepted junk", bad)
		}
	}
}
