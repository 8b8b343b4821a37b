package demo

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/haproxy"
)

// regServer is one server as the registry says HAProxy should route to it.
type regServer struct {
	Backend string
	Name    string // Synapse's server name: <name>_<host>:<port>
	Addr    string // host:port
	Weight  int
}

// key is "backend/server", the socket's way of naming a server.
func (s regServer) key() string { return s.Backend + "/" + s.Name }

// regSet is the registry's view at one moment, by key.
type regSet map[string]regServer

// memberView is the part of a Serf member Synapse's Serf watcher reads.
type memberView struct {
	Name   string
	Status string
	Tags   map[string]string
}

// serfWeightTag is the getyourguide fork's per-member weight tag.
const serfWeightTag = "smart:serverweight"

// serfTagPattern compiles Synapse's Serf matcher for service svc:
// ^smart:<svc>(_[0-9]+)?$.
func serfTagPattern(svc string) *regexp.Regexp {
	return regexp.MustCompile("^smart:" + regexp.QuoteMeta(svc) + "(_[0-9]+)?$")
}

// serfRegistered maps Serf members to the servers Synapse would configure:
// alive members only, every tag matching a service, the member name as the
// Nerve name, and smart:serverweight (default 50) as the weight.
func serfRegistered(members []memberView, patterns map[string]*regexp.Regexp) regSet {
	out := regSet{}
	for _, m := range members {
		if m.Status != "alive" {
			continue
		}
		w := defaultWeight
		if v, ok := m.Tags[serfWeightTag]; ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 && n <= 256 {
				w = n
			}
		}
		for tag, val := range m.Tags {
			if tag == serfWeightTag {
				continue
			}
			for svc, re := range patterns {
				if !re.MatchString(tag) {
					continue
				}
				if _, _, err := net.SplitHostPort(val); err != nil {
					continue // Synapse would fail on it too; leave it out of HAProxy
				}
				s := regServer{Backend: svc, Name: m.Name + "_" + val, Addr: val, Weight: w}
				out[s.key()] = s
			}
		}
	}
	return out
}

// nerveRecord is the JSON Nerve writes into a znode.
type nerveRecord struct {
	Host   string
	Port   int
	Name   string
	Weight int // 0 when absent
}

// parseNerve decodes a Nerve znode payload, accepting numbers or strings for
// port and weight as Synapse does.
func parseNerve(data []byte) (nerveRecord, error) {
	var raw struct {
		Host   string          `json:"host"`
		Port   json.RawMessage `json:"port"`
		Name   string          `json:"name"`
		Weight json.RawMessage `json:"weight"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nerveRecord{}, fmt.Errorf("not Nerve JSON: %w", err)
	}
	if raw.Host == "" {
		return nerveRecord{}, fmt.Errorf("no host in %q", truncateBytes(data, 80))
	}
	port, err := jsonInt(raw.Port)
	if err != nil || port <= 0 || port > 65535 {
		return nerveRecord{}, fmt.Errorf("bad port in %q", truncateBytes(data, 80))
	}
	r := nerveRecord{Host: raw.Host, Port: port, Name: raw.Name}
	if len(raw.Weight) > 0 {
		if w, err := jsonInt(raw.Weight); err == nil && w >= 0 && w <= 256 {
			r.Weight = w
		}
	}
	return r, nil
}

// jsonInt reads a JSON number or a string holding an integer.
func jsonInt(m json.RawMessage) (int, error) {
	var n json.Number
	if err := json.Unmarshal(m, &n); err != nil {
		var s string
		if err2 := json.Unmarshal(m, &s); err2 != nil {
			return 0, err
		}
		n = json.Number(strings.TrimSpace(s))
	}
	i, err := strconv.Atoi(string(n))
	return i, err
}

// serverFromNerve is the server Synapse configures for a Nerve record.
func serverFromNerve(backend string, r nerveRecord) regServer {
	addr := net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
	name := addr
	if r.Name != "" {
		name = r.Name + "_" + addr
	}
	w := defaultWeight
	if r.Weight > 0 {
		w = r.Weight
	}
	return regServer{Backend: backend, Name: name, Addr: addr, Weight: w}
}

func truncateBytes(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}

// sanitize keeps the servers whose backend, name and address can go into the
// config and onto a socket command line unchanged (HAProxy's identifier
// characters only, a numeric port), and lists the others: a registration
// with "; " in it must never become a second socket command.
func sanitize(cur regSet) (regSet, []string) {
	ok := regSet{}
	var bad []string
	for k, s := range cur {
		if validServer(s) {
			ok[k] = s
		} else {
			bad = append(bad, k)
		}
	}
	return ok, bad
}

func validServer(s regServer) bool {
	if haproxy.ValidName(s.Backend) != nil || haproxy.ValidName(s.Name) != nil {
		return false
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil || haproxy.ValidName(host) != nil {
		return false
	}
	p, err := strconv.Atoi(port)
	return err == nil && p > 0 && p <= 65535 && s.Weight >= 0 && s.Weight <= 256
}
