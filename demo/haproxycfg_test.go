package demo

import (
	"strings"
	"testing"
)

func TestRenderConfigIsSynapseStyle(t *testing.T) {
	got := renderConfig(hapConfig{Socket: "/tmp/d/haproxy.sock", Backends: []hapBackend{{
		Name: "svc_a", Bind: "127.0.0.1:9000",
		Servers: []hapServer{
			{Name: "web-1_127.0.0.1:31001", Addr: "127.0.0.1:31001", Weight: 50},
			{Name: "web-2_127.0.0.1:31002", Addr: "127.0.0.1:31002", Weight: 7, Disabled: true},
		},
	}}})
	for _, want := range []string{
		"    maxconn 1024\n",
		"    hard-stop-after 3s\n",
		"    stats socket /tmp/d/haproxy.sock mode 600 level admin\n",
		"frontend svc_a\n    bind 127.0.0.1:9000\n    default_backend svc_a\n",
		"backend svc_a\n",
		"    option httpchk GET /health\n",
		"    server web-1_127.0.0.1:31001 127.0.0.1:31001 check inter 1s rise 1 fall 2 weight 50\n",
		"    server web-2_127.0.0.1:31002 127.0.0.1:31002 check inter 1s rise 1 fall 2 weight 7 disabled\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "log ") {
		t.Errorf("config logs somewhere:\n%s", got)
	}
}
