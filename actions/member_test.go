package actions

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestMemberTagsPlanNamesTheMember: the plan names the member whose tags
// change, the agent that changes them (in the exact command, with
// -rpc-addr), each tag's old and new value, and an undo with the values
// before.
func TestMemberTagsPlanNamesTheMember(t *testing.T) {
	m := SerfMember{Name: "node2", Addr: "10.0.0.2:7946", Agent: "10.0.0.2:7373",
		Tags: map[string]string{SerfWeightTag: "50", "smart:svc_a_24001": "10.0.0.2:24001"}}
	p := mustPlan(NewMemberTags(m, map[string]string{SerfWeightTag: "0"}, nil))
	if p.Title != "Serf: drain node2 (weight 0)" {
		t.Errorf("title %q", p.Title)
	}
	if len(p.Commands) != 1 || p.Commands[0] != "serf tags -rpc-addr 10.0.0.2:7373 -set smart:serverweight=0" {
		t.Errorf("commands %q", p.Commands)
	}
	if len(p.Targets) != 1 || p.Targets[0] != "member node2 (through its agent at 10.0.0.2:7373): tag smart:serverweight: 50 -> 0" {
		t.Errorf("targets %q", p.Targets)
	}
	if !strings.Contains(p.Undo, "smart:serverweight=50") || !strings.Contains(p.Undo, "node2") {
		t.Errorf("undo %q does not name the previous value", p.Undo)
	}
	if !strings.Contains(p.Warning, "node2") {
		t.Errorf("warning %q", p.Warning)
	}
	// A tag that was not set is undone by deleting it; a deleted one by its old value.
	p = mustPlan(NewMemberTags(m, map[string]string{"maint": "disk"}, []string{"smart:svc_a_24001"}))
	if !strings.Contains(p.Undo, "-maint") || !strings.Contains(p.Undo, "smart:svc_a_24001=10.0.0.2:24001") {
		t.Errorf("undo %q", p.Undo)
	}
	if p.Commands[0] != "serf tags -rpc-addr 10.0.0.2:7373 -set maint=disk -delete smart:svc_a_24001" {
		t.Errorf("command %q", p.Commands[0])
	}
	// Values that need quoting are quoted in the command shown.
	p = mustPlan(NewMemberTags(m, map[string]string{"note": "disk swap"}, nil))
	if p.Commands[0] != "serf tags -rpc-addr 10.0.0.2:7373 -set 'note=disk swap'" {
		t.Errorf("quoted command %q", p.Commands[0])
	}
}

// TestMemberTagsElsewhere: a member whose agent cannot be reached from here
// is refused with the exact command for its own host.
func TestMemberTagsElsewhere(t *testing.T) {
	m := SerfMember{Name: "node2", Addr: "10.0.0.2:7946", Tags: map[string]string{SerfWeightTag: "50"}}
	_, err := NewMemberTags(m, map[string]string{SerfWeightTag: "0"}, nil)
	var ew *ElsewhereError
	if !errors.As(err, &ew) {
		t.Fatalf("err = %v; want an ElsewhereError", err)
	}
	if ew.Where != "node2's host (10.0.0.2)" || len(ew.Commands) != 1 || ew.Commands[0] != "serf tags -rpc-addr 127.0.0.1:7373 -set smart:serverweight=0" {
		t.Errorf("elsewhere %+v", ew)
	}
	if !strings.Contains(err.Error(), "--serf-member-rpc node2=") {
		t.Errorf("the refusal does not say how to reach node2 from here: %v", err)
	}
}

// TestMemberTagsThroughOwnAgent: with two real agents, a member's tags
// change through its own agent (the connected one, or one configured for
// it), and an agent configured for the wrong member changes nothing.
func TestMemberTagsThroughOwnAgent(t *testing.T) {
	a, b := serfPair(t)
	ca, cb := serfWriter(t, a), serfWriter(t, b)
	tagsOf := func(name string) map[string]string {
		ms, err := ca.Members()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Name == name {
				return m.Tags
			}
		}
		return nil
	}
	t.Cleanup(func() {
		cb.UpdateTags(nil, []string{SerfWeightTag})
		ca.UpdateTags(nil, []string{"probe"})
	})
	e := NewExecutor(Writers{Serf: ca, SerfMembers: map[string]SerfWriter{b.Name: cb}}, newAudit(t))

	// b through its own, configured agent: b changes, a does not.
	mb := SerfMember{Name: b.Name, Agent: b.RPCAddr, Tags: tagsOf(b.Name)}
	r := run(t, e, ok(t)(NewMemberTags(mb, map[string]string{SerfWeightTag: "0"}, nil)))
	if r.Err != nil || len(r.Steps) != 2 || r.Steps[0].Output != b.Name {
		t.Fatalf("%v %+v", r.Err, r.Steps)
	}
	waitUntil(t, 10*time.Second, func() bool { return tagsOf(b.Name)[SerfWeightTag] == "0" }, "b's weight never became 0")
	if _, changed := tagsOf(a.Name)[SerfWeightTag]; changed {
		t.Fatal("the connected agent's member was changed instead")
	}

	// a through the connected agent.
	ma := SerfMember{Name: a.Name, Agent: a.RPCAddr, Connected: true, Tags: tagsOf(a.Name)}
	if r := run(t, e, ok(t)(NewMemberTags(ma, map[string]string{"probe": "1"}, nil))); r.Err != nil {
		t.Fatal(r.Err)
	}
	waitUntil(t, 10*time.Second, func() bool { return tagsOf(a.Name)["probe"] == "1" }, "a's tag never seen")

	// An agent configured for the wrong member: refused, nothing changed.
	wrong := NewExecutor(Writers{Serf: ca, SerfMembers: map[string]SerfWriter{b.Name: ca}}, newAudit(t))
	r = run(t, wrong, ok(t)(NewMemberTags(SerfMember{Name: b.Name, Agent: a.RPCAddr}, map[string]string{"probe": "2"}, nil)))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "nothing changed") || !strings.Contains(r.Err.Error(), a.Name) {
		t.Fatalf("wrong agent: %v %+v", r.Err, r.Steps)
	}
	time.Sleep(300 * time.Millisecond)
	if tagsOf(a.Name)["probe"] != "1" || tagsOf(b.Name)["probe"] != "" {
		t.Fatal("an agent configured for the wrong member changed tags")
	}

	// No connection to the member's agent: refused before anything is audited.
	none := NewExecutor(Writers{Serf: ca}, newAudit(t))
	r = none.Run(context.Background(), ok(t)(NewMemberTags(mb, map[string]string{"probe": "3"}, nil)))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "--serf-member-rpc") || len(r.Steps) != 0 {
		t.Fatalf("no agent: %v %+v", r.Err, r.Steps)
	}
}
