package demo

import (
	"fmt"
	"strings"
)

// hapConfig is what the demo's HAProxy configuration is rendered from.
type hapConfig struct {
	Socket   string // admin stats socket path
	Backends []hapBackend
}

// hapBackend is one Synapse service: a frontend and a backend of the same name.
type hapBackend struct {
	Name    string
	Bind    string // frontend "127.0.0.1:port"
	Servers []hapServer
}

// hapServer is one pre-created server line.
type hapServer struct {
	Name     string // <node>_<host>:<port>
	Addr     string
	Weight   int
	Disabled bool // deregistered when the config was written (Synapse's state file does the same)
}

// renderConfig writes the configuration the way Synapse's generator does:
// frontend + backend per service, httpchk on /health with fast checks, the
// admin socket in the demo dir, and no logging at all.
func renderConfig(c hapConfig) string {
	var b strings.Builder
	b.WriteString("# written by stacktui demo, in the style of Synapse's haproxy generator\n")
	b.WriteString("global\n")
	b.WriteString("    maxconn 1024\n")
	fmt.Fprintf(&b, "    stats socket %s mode 600 level admin\n", c.Socket)
	b.WriteString("    stats timeout 2m\n")
	// After a reload the old process keeps serving the CLI sessions it has,
	// so a poller holding one would read the old process's stats for ever:
	// end the old process soon after it hands over.
	b.WriteString("    hard-stop-after 3s\n\n")
	b.WriteString("defaults\n")
	b.WriteString("    mode http\n")
	b.WriteString("    timeout connect 1s\n")
	b.WriteString("    timeout client 10s\n")
	b.WriteString("    timeout server 10s\n")
	b.WriteString("    timeout check 1s\n")
	for _, be := range c.Backends {
		fmt.Fprintf(&b, "\nfrontend %s\n", be.Name)
		fmt.Fprintf(&b, "    bind %s\n", be.Bind)
		fmt.Fprintf(&b, "    default_backend %s\n", be.Name)
		fmt.Fprintf(&b, "\nbackend %s\n", be.Name)
		b.WriteString("    balance roundrobin\n")
		b.WriteString("    option httpchk GET /health\n")
		for _, s := range be.Servers {
			fmt.Fprintf(&b, "    server %s %s check inter 1s rise 1 fall 2 weight %d", s.Name, s.Addr, s.Weight)
			if s.Disabled {
				b.WriteString(" disabled")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
