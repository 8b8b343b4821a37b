package sshconn

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in         string
		user, host string
		port       int
	}{
		{"web1", "", "web1", 0},
		{"ops@web1", "", "", 0},
		{"ops@web1:2222", "ops", "web1", 2222},
		{"10.0.0.1:22", "", "10.0.0.1", 22},
		{"[::1]:2222", "", "::1", 2222},
		{"ops@[fe80::1]", "ops", "fe80::1", 0},
		{"a@b@web1", "a@b", "web1", 0},
	}
	cases[1].user, cases[1].host = "ops", "web1"
	for _, c := range cases {
		u, h, p, err := ParseTarget(c.in)
		if err != nil || u != c.user || h != c.host || p != c.port {
			t.Errorf("ParseTarget(%q) = %q %q %d %v, want %q %q %d", c.in, u, h, p, err, c.user, c.host, c.port)
		}
	}
	for _, bad := range []string{"", "@web1", "web1:", "web1:x", "web1:70000", "-oProxyCommand=x", "web 1", "ops@", "a/b"} {
		if _, _, _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"web1", "ops@web1:2222", "[::1]:22", "a@b@c", "-x", "h:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		u, h, p, err := ParseTarget(spec)
		if err != nil {
			return
		}
		if h == "" || strings.HasPrefix(h, "-") || strings.ContainsAny(h+u, " \t\r\n\x00/") || p < 0 || p > 65535 {
			t.Fatalf("ParseTarget(%q) = %q %q %d", spec, u, h, p)
		}
	})
}

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResolveFollowsSSHConfigLikeSSH(t *testing.T) {
	dir := t.TempDir()
	user := writeFile(t, filepath.Join(dir, "config"), `
Host web1
    HostName 10.1.2.3
    Port 2222
    User deploy
    IdentityFile %d/keys/%r_at_%h
    IdentityFile ~/.ssh/second
    IdentitiesOnly yes
    UserKnownHostsFile ~/kh1 %d/kh2
    HostKeyAlias web1.internal
    ServerAliveInterval 7
    ConnectTimeout 3

Host jumpy
    ProxyJump bastion

Host *
    User fallback
    IdentityAgent none
`)
	system := writeFile(t, filepath.Join(dir, "ssh_config"), "Host *\n    Port 2200\n    GlobalKnownHostsFile /etc/kh_global\n")
	files := Files{UserConfig: user, SystemConfig: system, Home: "/home/me"}

	s, err := Resolve("web1", files)
	if err != nil {
		t.Fatal(err)
	}
	want := &Settings{Alias: "web1", User: "deploy", HostName: "10.1.2.3", Port: 2222,
		IdentityFiles:  []string{"/home/me/keys/deploy_at_10.1.2.3", "/home/me/.ssh/second"},
		IdentitiesOnly: true,
		KnownHosts:     []string{"/home/me/kh1", "/home/me/kh2", "/etc/kh_global"},
		HostKeyAlias:   "web1.internal", ConnectTimeout: 3 * time.Second,
		ServerAliveInterval: 7 * time.Second, ServerAliveCountMax: defaultAliveCountMax}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Resolve(web1) =\n%+v\nwant\n%+v", s, want)
	}
	if s.knownHostsName() != "web1.internal:2222" || s.String() != "deploy@web1 (10.1.2.3:2222)" {
		t.Errorf("known_hosts name %q, shown as %q", s.knownHostsName(), s.String())
	}

	// The command line wins over the config; the system config fills in.
	s, err = Resolve("root@other:2022", files)
	if err != nil {
		t.Fatal(err)
	}
	if s.User != "root" || s.Port != 2022 || s.HostName != "other" || s.IdentityAgent != "" {
		t.Errorf("Resolve(root@other:2022) = %+v", s)
	}
	s, err = Resolve("other", files)
	if err != nil {
		t.Fatal(err)
	}
	if s.User != "fallback" || s.Port != 2200 || len(s.IdentityFiles) != len(defaultIdentities) ||
		s.IdentityFiles[0] != "/home/me/.ssh/id_rsa" {
		t.Errorf("defaults: %+v", s)
	}
	if want := []string{"/home/me/.ssh/known_hosts", "/home/me/.ssh/known_hosts2", "/etc/kh_global"}; !reflect.DeepEqual(s.KnownHosts, want) {
		t.Errorf("known hosts %v, want %v", s.KnownHosts, want)
	}

	if _, err := Resolve("jumpy", files); err == nil || !strings.Contains(err.Error(), "ProxyJump") {
		t.Errorf("a ProxyJump host: %v, want a refusal naming ProxyJump", err)
	}
	if _, err := Resolve("web1", Files{UserConfig: filepath.Join(dir, "missing"), SystemConfig: "none"}); err == nil {
		t.Error("an explicitly named config that does not exist was ignored")
	}
	if s, err := Resolve("web1", Files{UserConfig: "none", SystemConfig: "none", Home: "/h"}); err != nil || s.HostName != "web1" || s.Port != 22 {
		t.Errorf("no configs at all: %+v %v", s, err)
	}
}
