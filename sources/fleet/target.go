package fleet

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/stacktui/stacktui/sources"
)

// DefaultTemplate is the stats page of Synapse's documented example config
// (`listen stats :3212`, `stats uri /`), as CSV.
const DefaultTemplate = "http://{host}:3212/;csv"

// Placeholder is what a Template replaces with the host.
const Placeholder = "{host}"

// Kind is how a host's HAProxy is read.
type Kind = sources.EndpointKind

// The ways to read a host's HAProxy.
const (
	KindHTTP   = sources.EndpointHTTP
	KindSocket = sources.EndpointSocket
)

// Target is one host and how to read its HAProxy.
type Target = sources.FleetTarget

// Template builds each host's endpoint from one pattern with Placeholder
// in it: "http://{host}:3212/;csv", "https://{host}/haproxy;csv" or
// "tcp://{host}:9999".
type Template struct {
	raw string
}

// ParseTemplate checks a --fleet-url template. It refuses credentials in
// the URL: secrets never come from the command line (give the stats page's
// login with STACKTUI_FLEET_AUTH or --fleet-auth-file).
func ParseTemplate(s string) (Template, error) {
	if s == "" {
		s = DefaultTemplate
	}
	if strings.Count(s, Placeholder) != 1 {
		return Template{}, fmt.Errorf("fleet URL template %q must contain %s exactly once, e.g. %s", redactString(s), Placeholder, DefaultTemplate)
	}
	t := Template{raw: s}
	// A template is valid when a plain host name makes a valid endpoint.
	if _, err := t.For("h.example"); err != nil {
		return Template{}, err
	}
	return t, nil
}

// String returns the template as given.
func (t Template) String() string { return t.raw }

// For returns host's target. An IPv6 address is bracketed.
func (t Template) For(host string) (Target, error) {
	if err := validHost(host); err != nil {
		return Target{}, err
	}
	h := host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	raw := t.raw
	if raw == "" {
		raw = DefaultTemplate
	}
	ep, err := ParseEndpoint(strings.Replace(raw, Placeholder, h, 1))
	if err != nil {
		return Target{}, fmt.Errorf("fleet URL template %q for host %s: %w", redactString(raw), host, err)
	}
	if !strings.EqualFold(ep.Host, host) {
		return Target{}, fmt.Errorf("fleet URL template %q must have %s as the URL's host (it gave %q for host %s)", raw, Placeholder, ep.Host, host)
	}
	ep.Host = host
	return ep, nil
}

// ParseEndpoint reads one explicit endpoint: an http(s) stats page URL or a
// "tcp://host:port" stats socket. The returned Target's Host is the
// endpoint's host.
func ParseEndpoint(s string) (Target, error) {
	if strings.ContainsAny(s, " \t\r\n\x00") {
		return Target{}, fmt.Errorf("endpoint %q contains spaces or control characters", redactString(s))
	}
	if !strings.Contains(s, "://") {
		return Target{}, fmt.Errorf("endpoint %q has no scheme: use http://, https:// or tcp://", redactString(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("endpoint %q does not parse as a URL", redactString(s))
	}
	if u.User != nil {
		return Target{}, fmt.Errorf("endpoint %q carries a login: secrets never go on the command line or in host lists; give it with STACKTUI_FLEET_AUTH or --fleet-auth-file", redactString(s))
	}
	if err := validHost(u.Hostname()); err != nil {
		return Target{}, fmt.Errorf("endpoint %q: %w", s, err)
	}
	switch u.Scheme {
	case "http", "https":
		// HAProxy answers CSV when the stats uri (which may hold a query,
		// "/haproxy?stats") is followed by ";csv" (and maybe ";norefresh").
		if u.Fragment != "" || !strings.Contains(u.RequestURI(), ";csv") {
			return Target{}, fmt.Errorf("endpoint %q must be the stats uri followed by ;csv (e.g. %s or http://HOST/haproxy?stats;csv) to get the CSV export", s, DefaultTemplate)
		}
		return Target{Host: u.Hostname(), Kind: KindHTTP, Endpoint: s}, nil
	case "tcp":
		if u.Port() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return Target{}, fmt.Errorf("endpoint %q: a stats socket is tcp://host:port and nothing more", s)
		}
		if p, err := strconv.Atoi(u.Port()); err != nil || p <= 0 || p > 65535 {
			return Target{}, fmt.Errorf("endpoint %q: port %q is not a TCP port", s, u.Port())
		}
		return Target{Host: u.Hostname(), Kind: KindSocket, Endpoint: net.JoinHostPort(u.Hostname(), u.Port())}, nil
	case "":
		return Target{}, fmt.Errorf("endpoint %q has no scheme: use http://, https:// or tcp://", s)
	}
	return Target{}, fmt.Errorf("endpoint %q: scheme %q is not http, https or tcp", s, u.Scheme)
}

// redactString hides the login of a URL-like string ("scheme://login@host")
// for messages, whether or not it parses.
func redactString(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
		return s[:i+3] + "xxx@" + rest[at+1:]
	}
	return s
}

// validHost accepts a host name or an IP address, nothing that could turn a
// template into another URL.
func validHost(h string) error {
	if h == "" {
		return errors.New("empty host")
	}
	if len(h) > 253 {
		return fmt.Errorf("host %.40q... is longer than 253 bytes", h)
	}
	if net.ParseIP(h) != nil {
		return nil
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_':
		default:
			return fmt.Errorf("host %q: character %q at byte %d is not allowed in a host name", h, c, i)
		}
	}
	if h[0] == '-' || h[0] == '.' {
		return fmt.Errorf("host %q must not start with %q", h, h[0])
	}
	return nil
}

// HostEntry is one line of a hosts file.
type HostEntry struct {
	Host string
	// Endpoint overrides the template for this host ("" uses it).
	Endpoint string
	Line     int
}

// maxHostsFile bounds a hosts file: a fleet of 100,000 hosts fits in far less.
const maxHostsFile = 16 << 20

// ParseHosts reads a hosts file: one host per line, optionally followed by
// its own endpoint (an http(s) stats page URL or tcp://host:port) when it
// differs from the template; blank lines and everything after '#' are
// ignored. A host listed twice is an error naming both lines.
func ParseHosts(data []byte) ([]HostEntry, error) {
	if len(data) > maxHostsFile {
		return nil, fmt.Errorf("hosts file of %d bytes is too big: a fleet list is one host per line", len(data))
	}
	var out []HostEntry
	seen := map[string]int{}
	for n, line := range bytes.Split(data, []byte("\n")) {
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(string(line))
		if len(f) == 0 {
			continue
		}
		lineNo := n + 1
		if len(f) > 2 {
			return nil, fmt.Errorf("hosts file line %d: want HOST [ENDPOINT], got %d fields", lineNo, len(f))
		}
		e := HostEntry{Host: f[0], Line: lineNo}
		if err := validHost(e.Host); err != nil {
			return nil, fmt.Errorf("hosts file line %d: %w", lineNo, err)
		}
		if len(f) == 2 {
			if _, err := ParseEndpoint(f[1]); err != nil {
				return nil, fmt.Errorf("hosts file line %d: %w", lineNo, err)
			}
			e.Endpoint = f[1]
		}
		if prev, ok := seen[e.Host]; ok {
			return nil, fmt.Errorf("hosts file line %d: host %s is already on line %d", lineNo, e.Host, prev)
		}
		seen[e.Host] = lineNo
		out = append(out, e)
	}
	return out, nil
}

// AddHosts appends the hosts named on the command line (--fleet-host) to
// entries (a hosts file's), each checked as a file's are. A host already
// listed is kept once: naming it on both is not an error.
func AddHosts(entries []HostEntry, named []string) ([]HostEntry, error) {
	seen := make(map[string]bool, len(entries)+len(named))
	for _, e := range entries {
		seen[e.Host] = true
	}
	for _, h := range named {
		if err := validHost(h); err != nil {
			return nil, fmt.Errorf("fleet host: %w", err)
		}
		if !seen[h] {
			seen[h] = true
			entries = append(entries, HostEntry{Host: h})
		}
	}
	return entries, nil
}

// Targets turns hosts into targets: each entry's own endpoint, else the
// template's.
func Targets(entries []HostEntry, t Template) ([]Target, error) {
	out := make([]Target, 0, len(entries))
	for _, e := range entries {
		if e.Endpoint == "" {
			tg, err := t.For(e.Host)
			if err != nil {
				return nil, err
			}
			out = append(out, tg)
			continue
		}
		tg, err := ParseEndpoint(e.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("host %s: %w", e.Host, err)
		}
		tg.Host = e.Host
		out = append(out, tg)
	}
	return out, nil
}

// Discover lists every host that registers something in the registry,
// sorted: the hosts of well-formed registrations and, for Serf, the
// address of every alive member. In the usual SmartStack setup every such
// host runs Synapse and HAProxy too.
func Discover(snap *sources.Snapshot) []string {
	if snap == nil {
		return nil
	}
	set := map[string]bool{}
	for i := range snap.Services {
		for k := range snap.Services[i].Registrations {
			r := &snap.Services[i].Registrations[k]
			if r.Malformed == "" && validHost(r.Host) == nil {
				set[r.Host] = true
			}
		}
	}
	for _, m := range snap.Members {
		if m.Status != "alive" {
			continue
		}
		h, _, err := net.SplitHostPort(m.Addr)
		if err != nil {
			h = m.Addr
		}
		if validHost(h) == nil {
			set[h] = true
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}
