package trace_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/trace"
	"github.com/stacktui/stacktui/trace/tracetest"
)

func TestHeaderConfigsOfEveryFixture(t *testing.T) {
	for _, name := range tracetest.Names(t) {
		h := tracetest.Open(t, name).Header()
		syn, err := h.Synapse()
		if err != nil || syn == nil {
			t.Fatalf("%s: synapse_config: %v", name, err)
		}
		if got := strings.Join(syn.ServiceNames(), ","); got != "svc_a,svc_b" {
			t.Errorf("%s: Synapse services %s", name, got)
		}
		nerves, err := h.Nerves()
		if err != nil {
			t.Fatalf("%s: nerve_configs: %v", name, err)
		}
		want := map[string]int{trace.FlavourZooKeeper: 2, trace.FlavourSerf: 3}[h.Flavour]
		if len(nerves) != want {
			t.Errorf("%s: %d Nerve configs, want %d", name, len(nerves), want)
		}
	}
}

// Configs may also be strings holding a file's text, JSON or YAML, and
// nerve_configs a single value.
func TestHeaderConfigsAsText(t *testing.T) {
	synJSON := `{"services":{"svc_a":{"discovery":{"method":"serf"},"haproxy":{"port":1,"backend_name":"be_a"}}},"haproxy":{"use_nerve_weights":true}}`
	synYAML := "services:\n  svc_a:\n    discovery: {method: serf}\n    haproxy: {port: 1, backend_name: be_a}\nhaproxy:\n  use_nerve_weights: true\n"
	nerve := `{"instance_id":"node1","services":{"svc_a_1":{"host":"127.0.0.1","port":1,"reporter_type":"serf","checks":[]}}}`
	for _, c := range []struct{ name, syn, nerves string }{
		{"objects", synJSON, "[" + nerve + "]"},
		{"JSON text", strconv.Quote(synJSON), "[" + strconv.Quote(nerve) + "]"},
		{"YAML text", strconv.Quote(synYAML), strconv.Quote("instance_id: node1\nservices:\n  svc_a_1: {host: 127.0.0.1, port: 1, reporter_type: serf}\n")},
		{"single object", synJSON, nerve},
	} {
		h := trace.Header{SynapseConfig: json.RawMessage(c.syn), NerveConfigs: json.RawMessage(c.nerves)}
		syn, err := h.Synapse()
		if err != nil || syn.Services["svc_a"].Backend() != "be_a" || !syn.HAProxy.UseNerveWeights {
			t.Errorf("%s: synapse %+v, %v", c.name, syn, err)
		}
		nv, err := h.Nerves()
		if err != nil || len(nv) != 1 || nv[0].InstanceID != "node1" || nv[0].Services["svc_a_1"].Port != 1 {
			t.Errorf("%s: nerve %+v, %v", c.name, nv, err)
		}
	}
	for _, bad := range []string{`42`, `"{not json"`, `["x"]`} {
		h := trace.Header{SynapseConfig: json.RawMessage(bad)}
		if _, err := h.Synapse(); err == nil {
			t.Errorf("synapse_config %s: no error", bad)
		}
	}
	if syn, err := (&trace.Header{SynapseConfig: json.RawMessage(`""`)}).Synapse(); syn != nil || err != nil {
		t.Errorf("empty text: %v %v", syn, err)
	}
}
