package demo

import "testing"

func TestLayoutPutsInstancesOfAServiceOnDistinctNodes(t *testing.T) {
	ports := make([]int, instanceCount(demoServices))
	for i := range ports {
		ports[i] = 30000 + i
	}
	insts := layout(demoServices, nodeNames, ports)
	if len(insts) != 14 {
		t.Fatalf("%d instances, want 14", len(insts))
	}
	seen := map[string]bool{}
	perService := map[string]int{}
	for _, in := range insts {
		if seen[in.key()] {
			t.Errorf("two instances of %s on %s", in.Service, in.Node)
		}
		seen[in.key()] = true
		perService[in.Service]++
	}
	if len(perService) != 5 {
		t.Errorf("%d services, want 5", len(perService))
	}
	for s, n := range perService {
		if n < 2 || n > 4 {
			t.Errorf("%s has %d instances, want 2-4", s, n)
		}
	}
	in := insts[0]
	if got := in.serverName(); got != "web-1_127.0.0.1:30000" {
		t.Errorf("serverName = %q", got)
	}
	if got := in.serfTag(); got != "smart:svc_checkout" {
		t.Errorf("serfTag = %q", got)
	}
}
