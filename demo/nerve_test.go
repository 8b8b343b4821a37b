package demo

import "testing"

func TestNerveDecisionRiseFallAndChaosKnobs(t *testing.T) {
	s := nerveState{registered: true}
	s = nerveDecision(s, false, false, false, 2, 2)
	if !s.registered {
		t.Fatal("deregistered after one failure with fall 2")
	}
	s = nerveDecision(s, false, false, false, 2, 2)
	if s.registered {
		t.Fatal("still registered after two failures")
	}
	s = nerveDecision(s, true, false, false, 2, 2)
	if s.registered {
		t.Fatal("registered after one pass with rise 2")
	}
	s = nerveDecision(s, true, false, false, 2, 2)
	if !s.registered {
		t.Fatal("not registered after two passes")
	}
	if s = nerveDecision(s, true, true, false, 2, 2); s.registered {
		t.Fatal("a stopped Nerve keeps its registration")
	}
	stuck := nerveState{registered: true}
	for i := 0; i < 5; i++ {
		stuck = nerveDecision(stuck, false, false, true, 2, 2)
	}
	if !stuck.registered {
		t.Fatal("a stuck Nerve deregistered")
	}
}
