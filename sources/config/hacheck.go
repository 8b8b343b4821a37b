package config

import (
	"path/filepath"
	"regexp"
	"strconv"
)

// DefaultHacheckPort is the port hacheck listens on unless told otherwise.
const DefaultHacheckPort = 3333

// HacheckRoute is a Nerve check that asks hacheck: an http check of
// GET /<protocol>/<service>/<port>/<query>, which hacheck answers 503 while
// a spool file "all", "<service>" or "<service>:<port>" exists. Service and
// Port are hacheck's names for the instance: the spool files it consults.
type HacheckRoute struct {
	Protocol string // http, https, tcp, mysql, smtp or spool: how hacheck checks the service itself
	Service  string
	Port     int
	// Check is the Nerve check, as "host:port/uri".
	Check string
}

// hacheckURI is hacheck's route table (Yelp/hacheck main.py): the protocol,
// a service name of [.a-zA-Z0-9_-], a numeric port, and a query.
var hacheckURI = regexp.MustCompile(`^/(http|https|tcp|mysql|smtp|spool)/([.a-zA-Z0-9_-]+)/([0-9]+)(?:/.*)?$`)

// Hacheck returns the checks of s that go through hacheck, or nil when Nerve
// checks the service directly (a hacheck spool file then changes nothing).
func (s NerveService) Hacheck() []HacheckRoute {
	var out []HacheckRoute
	for _, c := range s.Checks {
		if c.Type != "http" && c.Type != "https" {
			continue
		}
		m := hacheckURI.FindStringSubmatch(c.URI)
		if m == nil {
			continue
		}
		port, err := strconv.Atoi(m[3])
		if err != nil || port < 1 || port > 65535 {
			continue
		}
		out = append(out, HacheckRoute{Protocol: m[1], Service: m[2], Port: port, Check: c.Where(s)})
	}
	return out
}

// Where is the check's target as "host:port/uri", with the service's host
// and port where the check leaves them out (as Nerve does).
func (c NerveCheck) Where(s NerveService) string {
	host, port := c.Host, c.Port
	if host == "" {
		host = s.Host
	}
	if port == 0 {
		port = s.Port
	}
	w := host + ":" + strconv.Itoa(port)
	if c.URI != "" {
		w += c.URI
	}
	return w
}

// ConfDir is service_conf_dir as a path, relative ones taken from the
// config file's directory as Nerve does; "" when none is configured.
func (n *Nerve) ConfDir() string {
	if n == nil || n.ServiceConfDir == "" {
		return ""
	}
	if filepath.IsAbs(n.ServiceConfDir) {
		return n.ServiceConfDir
	}
	return filepath.Join(filepath.Dir(n.Path), n.ServiceConfDir)
}
