package command

import (
	"strings"
	"testing"
)

func must(t *testing.T, c Command, err error) Command {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRender(t *testing.T) {
	const b, s = "svc_a", "host_127.0.0.1:31001"
	w10, _ := ParseWeight("10")
	w50, _ := ParseWeight("50%")
	cases := []struct {
		c          Command
		err        error
		line, verb string
	}{}
	add := func(c Command, err error, line, verb string) {
		cases = append(cases, struct {
			c          Command
			err        error
			line, verb string
		}{c, err, line, verb})
	}
	c, err := SetState(b, s, StateDrain)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 state drain", "set server state")
	c, err = SetState(b, s, StateReady)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 state ready", "set server state")
	c, err = SetState(b, s, StateMaint)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 state maint", "set server state")
	c, err = SetWeight(b, s, w10)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 weight 10", "set server weight")
	c, err = SetWeight(b, s, w50)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 weight 50%", "set server weight")
	c, err = SetHealth(b, s, HealthStopping)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 health stopping", "set server health")
	c, err = SetAgent(b, s, AgentDown)
	add(c, err, "set server svc_a/host_127.0.0.1:31001 agent down", "set server agent")
	c, err = EnableHealth(b, s)
	add(c, err, "enable health svc_a/host_127.0.0.1:31001", "enable health")
	c, err = DisableHealth(b, s)
	add(c, err, "disable health svc_a/host_127.0.0.1:31001", "disable health")
	c, err = EnableAgent(b, s)
	add(c, err, "enable agent svc_a/host_127.0.0.1:31001", "enable agent")
	c, err = DisableAgent(b, s)
	add(c, err, "disable agent svc_a/host_127.0.0.1:31001", "disable agent")
	c, err = ShutdownSessions(b, s)
	add(c, err, "shutdown sessions server svc_a/host_127.0.0.1:31001", "shutdown sessions server")
	c, err = SetMaxConn(b, s, 100)
	add(c, err, "set maxconn server svc_a/host_127.0.0.1:31001 100", "set maxconn server")
	for _, tc := range cases {
		c := must(t, tc.c, tc.err)
		if c.String() != tc.line || c.Verb() != tc.verb || c.Backend() != b || c.Server() != s || c.IsZero() ||
			c.Target() != b+"/"+s {
			t.Errorf("got %q verb %q, want %q verb %q", c, c.Verb(), tc.line, tc.verb)
		}
	}
}

func TestRefuses(t *testing.T) {
	if !(Command{}).IsZero() || (Command{}).String() != "" {
		t.Error("zero Command must be zero and render empty")
	}
	bad := []func() (Command, error){
		func() (Command, error) { return SetState("a;b", "s", StateDrain) },
		func() (Command, error) { return SetState("b", "s\nshow info", StateDrain) },
		func() (Command, error) { return SetState("b", "s", "ready; shutdown sessions server b/s") },
		func() (Command, error) { return SetState("b", "s", "") },
		func() (Command, error) { return SetHealth("b", "s", "UP") },
		func() (Command, error) { return SetAgent("b", "s", "stopping") },
		func() (Command, error) { return SetWeight("b", "s", Weight{}) },
		func() (Command, error) { return EnableHealth("", "s") },
		func() (Command, error) { return DisableAgent("b", "") },
		func() (Command, error) { return ShutdownSessions("b", "a b") },
		func() (Command, error) { return SetMaxConn("b", "s", -1) },
	}
	for i, f := range bad {
		if c, err := f(); err == nil || !c.IsZero() {
			t.Errorf("case %d: got %q, %v", i, c, err)
		}
	}
}

func TestParseWeight(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "256": "256", "50%": "50%", "007": "7", "0%": "0%", "1000%": "1000%"} {
		w, err := ParseWeight(in)
		if err != nil || w.String() != want {
			t.Errorf("ParseWeight(%q) = %v, %v", in, w, err)
		}
	}
	for _, in := range []string{"", "%", "-1", "257", "1001%", "5 ", "1e2", "+3", "50%%", "9999999999999"} {
		if w, err := ParseWeight(in); err == nil {
			t.Errorf("ParseWeight(%q) = %v, want error", in, w)
		}
	}
	if n, pct := must2(Percent(30)); n != 30 || !pct {
		t.Error("Percent(30).Value")
	}
}

func must2(w Weight, err error) (int, bool) {
	if err != nil {
		panic(err)
	}
	return w.Value()
}

func FuzzConstructors(f *testing.F) {
	f.Add("svc_a", "host_1.2.3.4:80", "50%")
	f.Add("a;b", "s", "10")
	f.Add("b", "s\nshow info", "x")
	f.Fuzz(func(t *testing.T, backend, server, weight string) {
		w, werr := ParseWeight(weight)
		cmds := []func() (Command, error){
			func() (Command, error) { return SetState(backend, server, StateDrain) },
			func() (Command, error) { return SetHealth(backend, server, HealthDown) },
			func() (Command, error) { return SetAgent(backend, server, AgentUp) },
			func() (Command, error) { return EnableHealth(backend, server) },
			func() (Command, error) { return ShutdownSessions(backend, server) },
			func() (Command, error) { return SetMaxConn(backend, server, len(weight)) },
			func() (Command, error) { return SetWeight(backend, server, w) },
		}
		for _, mk := range cmds {
			c, err := mk()
			if err != nil {
				if !c.IsZero() {
					t.Fatalf("error %v with a sendable command %q", err, c)
				}
				continue
			}
			line := c.String()
			if strings.ContainsAny(line, ";\n\r\x00") || line == "" {
				t.Fatalf("unsafe line %q", line)
			}
			for _, r := range line {
				if r < 0x20 || r > 0x7e {
					t.Fatalf("non-printable in %q", line)
				}
			}
			// The target is exactly one word: nothing can be injected.
			if !strings.Contains(line, " "+backend+"/"+server) {
				t.Fatalf("line %q lacks target", line)
			}
		}
		if werr == nil && strings.ContainsAny(w.String(), " ;\n") {
			t.Fatalf("weight %q", w)
		}
	})
}
