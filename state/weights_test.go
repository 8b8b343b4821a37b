package state

import (
	"testing"

	"github.com/stacktui/stacktui/sources/config"
)

func TestFromSynapseWeightRules(t *testing.T) {
	syn, err := config.ParseSynapse([]byte(`{"haproxy": {"use_nerve_weights": true}, "services": {
		"serf_svc": {"discovery": {"method": "serf"}, "haproxy": {"add_server_weight": true}},
		"zk_svc": {"discovery": {"method": "zookeeper", "hosts": ["zk:2181"], "path": "/nerve/services/zk_svc/services"}},
		"plain": {"discovery": {"method": "zookeeper", "hosts": ["zk:2181"], "path": "/p"}, "haproxy": {"use_nerve_weights": false, "backend_name": "plain_be"}}}}`), "s.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg := FromSynapse(syn)
	for svc, want := range map[string]WeightRule{"serf_svc": WeightsFromSerfTag, "zk_svc": WeightsFromNerve, "plain": WeightsIgnored} {
		if got := cfg.weightRule(svc); got != want {
			t.Errorf("%s: rule %d, want %d", svc, got, want)
		}
	}
	if cfg.Backends["plain"] != "plain_be" {
		t.Errorf("backends = %v", cfg.Backends)
	}
	if FromSynapse(nil).Backends == nil {
		t.Error("no config: want an empty, usable Config")
	}
}
