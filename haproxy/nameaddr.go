package haproxy

import (
	"strconv"
	"strings"
)

// NameAddr finds the host:port in a server name as Synapse builds it:
// "<name>_<host>:<port>" (Synapse 0.13.4 and later), "<host>:<port>_<name>"
// (Synapse up to 0.13.3 and the Serf forks) or "<host>:<port>". ok is false
// when the name holds no host:port (a hand-written config).
func NameAddr(name string) (host string, port int, ok bool) {
	if h, p, ok := hostPort(name); ok {
		return h, p, true
	}
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		if h, p, ok := hostPort(name[i+1:]); ok {
			return h, p, true
		}
	}
	if i := strings.IndexByte(name, '_'); i >= 0 {
		if h, p, ok := hostPort(name[:i]); ok {
			return h, p, true
		}
	}
	return "", 0, false
}

// hostPort splits "host:port" with a host of at least one character and no
// ':' (server names cannot hold IPv6 brackets) and a port of 1-65535.
func hostPort(s string) (string, int, bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || strings.IndexByte(s[:i], ':') >= 0 || strings.IndexByte(s[:i], '_') >= 0 {
		return "", 0, false
	}
	p, err := strconv.Atoi(s[i+1:])
	if err != nil || p < 1 || p > 65535 || strconv.Itoa(p) != s[i+1:] {
		return "", 0, false
	}
	return s[:i], p, true
}
