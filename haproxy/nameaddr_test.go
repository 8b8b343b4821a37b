package haproxy

import "testing"

func TestNameAddrBothSynapseOrders(t *testing.T) {
	for name, want := range map[string]struct {
		host string
		port int
		ok   bool
	}{
		"web-1_10.0.0.5:8080":      {"10.0.0.5", 8080, true},   // Synapse >= 0.13.4
		"10.0.0.5:8080_web-1":      {"10.0.0.5", 8080, true},   // Synapse <= 0.13.3, Serf forks
		"127.0.0.1:24001_node1":    {"127.0.0.1", 24001, true}, // as the Serf traces show
		"my_host_1_10.0.0.5:8080":  {"10.0.0.5", 8080, true},   // instance ids with underscores
		"10.0.0.5:8080":            {"10.0.0.5", 8080, true},
		"db.example.com:5432_db-1": {"db.example.com", 5432, true},
		"web1":                     {"", 0, false},
		"web1_10.0.0.5":            {"", 0, false},
		"a:b_c:0":                  {"", 0, false},
		"x_10.0.0.5:99999":         {"", 0, false},
		"x_10.0.0.5:080":           {"", 0, false},
	} {
		h, p, ok := NameAddr(name)
		if h != want.host || p != want.port || ok != want.ok {
			t.Errorf("NameAddr(%q) = %q, %d, %v; want %q, %d, %v", name, h, p, ok, want.host, want.port, want.ok)
		}
	}
}

func FuzzNameAddr(f *testing.F) {
	for _, s := range []string{"web-1_10.0.0.5:8080", "10.0.0.5:8080_web-1", "a_b:c_d:1", ":1", "x_:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		h, p, ok := NameAddr(name)
		if !ok {
			return
		}
		if h == "" || p < 1 || p > 65535 {
			t.Fatalf("NameAddr(%q) = %q, %d", name, h, p)
		}
	})
}
