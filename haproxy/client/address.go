package client

import (
	"fmt"
	"net"
	"strings"
)

// ParseAddress parses a --haproxy value: an optional "label=" and an address
// that is a unix socket path ("/run/haproxy.sock", "unix@/path") or a TCP
// "host:port" ("ipv4@host:port", "ipv6@[::1]:port"). The address comes back
// without its "unix@"/"ipv4@"/"ipv6@" prefix; the label defaults to it.
func ParseAddress(spec string) (label, address string, err error) {
	addr := spec
	if i := strings.IndexByte(spec, '='); i >= 0 {
		label, addr = spec[:i], spec[i+1:]
		if label == "" {
			return "", "", fmt.Errorf("haproxy address %q: empty label before '='; use label=ADDRESS", spec)
		}
		if strings.ContainsAny(label, "/ \t\n") {
			return "", "", fmt.Errorf("haproxy address %q: label %q must not contain '/' or spaces", spec, label)
		}
	}
	switch {
	case strings.HasPrefix(addr, "unix@"):
		addr = strings.TrimPrefix(addr, "unix@")
		if addr == "" {
			return "", "", fmt.Errorf("haproxy address %q: empty socket path after unix@", spec)
		}
		if !isUnix(addr) {
			addr = "./" + addr // keep it a path even if it looks like host:port
		}
	case strings.HasPrefix(addr, "ipv4@"), strings.HasPrefix(addr, "ipv6@"), strings.HasPrefix(addr, "tcp@"):
		addr = addr[strings.IndexByte(addr, '@')+1:]
		if err := checkHostPort(addr); err != nil {
			return "", "", fmt.Errorf("haproxy address %q: %w", spec, err)
		}
	case addr == "":
		return "", "", fmt.Errorf("haproxy address %q is empty: give a socket path or host:port", spec)
	case isUnix(addr):
	default:
		if err := checkHostPort(addr); err != nil {
			return "", "", fmt.Errorf("haproxy address %q: %w (a unix socket path needs a '/')", spec, err)
		}
	}
	if strings.ContainsAny(addr, "\n\x00") {
		return "", "", fmt.Errorf("haproxy address %q contains a newline or NUL", spec)
	}
	if label == "" {
		label = addr
	}
	return label, addr, nil
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %v", err)
	}
	if host == "" || port == "" {
		return fmt.Errorf("want host:port, got %q", addr)
	}
	return nil
}

// isUnix reports whether addr is a socket path rather than host:port.
func isUnix(addr string) bool {
	return strings.ContainsRune(addr, '/') || !strings.ContainsRune(addr, ':')
}

// network returns the Go network for an address from ParseAddress.
func network(addr string) string {
	if isUnix(addr) {
		return "unix"
	}
	return "tcp"
}
