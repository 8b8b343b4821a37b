package client

import "testing"

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct{ in, label, addr, net string }{
		{"/run/haproxy.sock", "/run/haproxy.sock", "/run/haproxy.sock", "unix"},
		{"local=/run/haproxy.sock", "local", "/run/haproxy.sock", "unix"},
		{"unix@/run/h.sock", "/run/h.sock", "/run/h.sock", "unix"},
		{"x=unix@rel.sock", "x", "rel.sock", "unix"},
		{"unix@h:1", "./h:1", "./h:1", "unix"},
		{"10.0.0.1:9999", "10.0.0.1:9999", "10.0.0.1:9999", "tcp"},
		{"lb2=ipv4@10.0.0.2:9999", "lb2", "10.0.0.2:9999", "tcp"},
		{"ipv6@[::1]:9999", "[::1]:9999", "[::1]:9999", "tcp"},
		{"host.example:80", "host.example:80", "host.example:80", "tcp"},
	} {
		label, addr, err := ParseAddress(tc.in)
		if err != nil || label != tc.label || addr != tc.addr || network(addr) != tc.net {
			t.Errorf("ParseAddress(%q) = %q, %q (%s), %v; want %q, %q (%s)", tc.in, label, addr, network(addr), err, tc.label, tc.addr, tc.net)
		}
	}
	for _, bad := range []string{"", "=x", "a=", "ipv4@nohost", "ipv4@:80", "a b=/x", "unix@", "host:"} {
		if l, a, err := ParseAddress(bad); err == nil {
			t.Errorf("ParseAddress(%q) = %q, %q; want error", bad, l, a)
		}
	}
}
