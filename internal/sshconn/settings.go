package sshconn

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kevinburke/ssh_config"
)

// Settings is the resolved way to reach one host, as `ssh -G` would print it.
type Settings struct {
	// Alias is the host as given (what ssh_config's Host patterns match).
	Alias    string
	User     string
	HostName string
	Port     int
	// IdentityFiles are the private keys to offer, in order; those that do
	// not exist are skipped when authenticating.
	IdentityFiles  []string
	IdentitiesOnly bool
	// IdentityAgent is the agent socket, "" for none.
	IdentityAgent string
	// KnownHosts are the known_hosts files to check the host key against.
	KnownHosts []string
	// HostKeyAlias, when set, is the name looked up in known_hosts.
	HostKeyAlias        string
	ConnectTimeout      time.Duration
	ServerAliveInterval time.Duration
	ServerAliveCountMax int
}

// Addr is "hostname:port", the address dialled.
func (s *Settings) Addr() string { return net.JoinHostPort(s.HostName, strconv.Itoa(s.Port)) }

// String is "user@alias" (and the real address when the alias differs),
// what the console shows as the host it works on.
func (s *Settings) String() string {
	out := s.User + "@" + s.Alias
	if s.Alias != s.HostName || s.Port != 22 {
		out += " (" + s.Addr() + ")"
	}
	return out
}

// knownHostsName is the name:port looked up in known_hosts.
func (s *Settings) knownHostsName() string {
	h := s.HostName
	if s.HostKeyAlias != "" {
		h = s.HostKeyAlias
	}
	return net.JoinHostPort(h, strconv.Itoa(s.Port))
}

// Files says where the configs are; zero values are OpenSSH's defaults.
type Files struct {
	// UserConfig is ~/.ssh/config when empty; "none" reads no user config.
	UserConfig string
	// SystemConfig is /etc/ssh/ssh_config when empty; "none" reads none.
	SystemConfig string
	// Home is the user's home directory ($HOME when empty), for ~ and %d.
	Home string
}

// defaults for settings ssh_config leaves unset.
const (
	defaultConnectTimeout = 10 * time.Second
	defaultAliveInterval  = 5 * time.Second
	defaultAliveCountMax  = 3
)

// defaultIdentities are OpenSSH's default IdentityFile list.
var defaultIdentities = []string{"~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk", "~/.ssh/id_dsa"}

// ParseTarget splits a --ssh value: [user@]host[:port], the host possibly
// an IPv6 address in brackets.
func ParseTarget(spec string) (userName, host string, port int, err error) {
	if spec == "" || strings.ContainsAny(spec, " \t\r\n\x00/") {
		return "", "", 0, fmt.Errorf("--ssh %q: want [user@]host[:port]", spec)
	}
	host = spec
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		userName, host = spec[:i], spec[i+1:]
		if userName == "" {
			return "", "", 0, fmt.Errorf("--ssh %q: empty user before @", spec)
		}
	}
	if h, p, e := net.SplitHostPort(host); e == nil {
		n, e := strconv.Atoi(p)
		if e != nil || n <= 0 || n > 65535 {
			return "", "", 0, fmt.Errorf("--ssh %q: port %q is not a TCP port", spec, p)
		}
		host, port = h, n
	} else if strings.Count(host, ":") == 1 {
		return "", "", 0, fmt.Errorf("--ssh %q: %v", spec, e)
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" || strings.HasPrefix(host, "-") {
		return "", "", 0, fmt.Errorf("--ssh %q: want [user@]host[:port]", spec)
	}
	return userName, host, port, nil
}

// Resolve turns a --ssh value into Settings the way ssh does: the user and
// port given on the command line win, then the first value in the user's
// config, then the system config, then OpenSSH's defaults. ProxyJump and
// ProxyCommand are refused: stacktui never runs another program to connect.
func Resolve(spec string, files Files) (*Settings, error) {
	userName, alias, port, err := ParseTarget(spec)
	if err != nil {
		return nil, err
	}
	home := files.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	local := ""
	if u, err := user.Current(); err == nil {
		local = u.Username
	}
	cfgs, err := loadConfigs(files, home)
	if err != nil {
		return nil, err
	}
	get := func(key string) string {
		for _, c := range cfgs {
			if v, err := c.Get(alias, key); err == nil && v != "" {
				return v
			}
		}
		return ""
	}
	getAll := func(key string) []string {
		for _, c := range cfgs {
			if v, err := c.GetAll(alias, key); err == nil && len(v) > 0 {
				return v
			}
		}
		return nil
	}
	for _, key := range []string{"ProxyJump", "ProxyCommand"} {
		if v := get(key); v != "" && !strings.EqualFold(v, "none") {
			return nil, fmt.Errorf("ssh config sets %s %q for %s: stacktui does not run other programs or chain hosts to connect; give --ssh the host it can reach directly", key, v, alias)
		}
	}
	s := &Settings{Alias: alias, User: userName, HostName: alias, Port: port,
		ConnectTimeout: defaultConnectTimeout, ServerAliveInterval: defaultAliveInterval, ServerAliveCountMax: defaultAliveCountMax}
	if v := get("HostName"); v != "" {
		s.HostName = expand(v, s, home, local, "")
	}
	if s.User == "" {
		s.User = get("User")
	}
	if s.User == "" {
		s.User = local
	}
	if s.Port == 0 {
		s.Port = 22
		if v := get("Port"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 65535 {
				return nil, fmt.Errorf("ssh config: Port %q for %s is not a TCP port", v, alias)
			}
			s.Port = n
		}
	}
	s.HostKeyAlias = get("HostKeyAlias")
	s.IdentitiesOnly = strings.EqualFold(get("IdentitiesOnly"), "yes")
	ids := getAll("IdentityFile")
	if len(ids) == 0 {
		ids = defaultIdentities
	}
	for _, f := range ids {
		for _, p := range strings.Fields(f) {
			s.IdentityFiles = append(s.IdentityFiles, expand(p, s, home, local, "~"))
		}
	}
	switch v := get("IdentityAgent"); {
	case strings.EqualFold(v, "none"):
	case v == "" || v == "SSH_AUTH_SOCK":
		s.IdentityAgent = os.Getenv("SSH_AUTH_SOCK")
	case strings.HasPrefix(v, "$"):
		s.IdentityAgent = os.Getenv(strings.TrimPrefix(v, "$"))
	default:
		s.IdentityAgent = expand(v, s, home, local, "~")
	}
	userKH := get("UserKnownHostsFile")
	if userKH == "" {
		userKH = "~/.ssh/known_hosts ~/.ssh/known_hosts2"
	}
	globalKH := get("GlobalKnownHostsFile")
	if globalKH == "" {
		globalKH = "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2"
	}
	for _, p := range strings.Fields(userKH + " " + globalKH) {
		if !strings.EqualFold(p, "none") && p != "/dev/null" {
			s.KnownHosts = append(s.KnownHosts, expand(p, s, home, local, "~"))
		}
	}
	if v := get("ConnectTimeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("ssh config: ConnectTimeout %q for %s is not a number of seconds", v, alias)
		}
		s.ConnectTimeout = time.Duration(n) * time.Second
	}
	if v := get("ServerAliveInterval"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			s.ServerAliveInterval = time.Duration(n) * time.Second
		}
	}
	if v := get("ServerAliveCountMax"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			s.ServerAliveCountMax = n
		}
	}
	return s, nil
}

// loadConfigs parses the user and system configs that exist, user first.
func loadConfigs(files Files, home string) ([]*ssh_config.Config, error) {
	paths := []string{files.UserConfig, files.SystemConfig}
	if paths[0] == "" {
		paths[0] = filepath.Join(home, ".ssh", "config")
	}
	if paths[1] == "" {
		paths[1] = "/etc/ssh/ssh_config"
	}
	var out []*ssh_config.Config
	for i, p := range paths {
		if p == "none" {
			continue
		}
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) && (i == 1 || files.UserConfig == "") {
			continue // the default places may hold nothing
		}
		if err != nil {
			return nil, fmt.Errorf("ssh config %s: %w", p, err)
		}
		c, err := ssh_config.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("ssh config %s: %w", p, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// expand replaces ssh_config's % tokens (%% %d %h %n %p %r %u) and, when
// tilde is "~", a leading ~/.
func expand(v string, s *Settings, home, local, tilde string) string {
	if tilde == "~" && (v == "~" || strings.HasPrefix(v, "~/")) {
		v = home + v[1:]
	}
	if !strings.Contains(v, "%") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case '%':
			b.WriteByte('%')
		case 'd':
			b.WriteString(home)
		case 'h':
			b.WriteString(s.HostName)
		case 'n':
			b.WriteString(s.Alias)
		case 'p':
			b.WriteString(strconv.Itoa(s.Port))
		case 'r':
			b.WriteString(s.User)
		case 'u':
			b.WriteString(local)
		default:
			b.WriteByte('%')
			b.WriteByte(v[i])
		}
	}
	return b.String()
}
