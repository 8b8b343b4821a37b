package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the binary with a private HOME and XDG dirs and returns its
// stdout, stderr and exit code.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(isolatedEnv(t), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running stacktui: %v", err)
	}
	return out.String(), errb.String(), code
}

// isolatedEnv keeps tests away from the real user's config, state and
// SmartStack files.
func isolatedEnv(t *testing.T) []string {
	home := t.TempDir()
	return []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"SYNAPSE_CONFIG=" + filepath.Join(home, "no-synapse.json"), "NERVE_CONFIG=" + filepath.Join(home, "no-nerve.json"),
	}
}

func TestHelpVersionCompletion(t *testing.T) {
	out, _, code := run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "--haproxy") || !strings.Contains(out, "snapshot") || !strings.Contains(out, "--read-only") {
		t.Fatalf("--help exit %d:\n%s", code, out)
	}
	out, _, code = run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "stacktui ") || !strings.Contains(out, "config:") || !strings.Contains(out, "log:") || !strings.Contains(out, "audit log:") {
		t.Fatalf("version exit %d:\n%s", code, out)
	}
	out, _, code = run(t, nil, "completion", "bash")
	if code != 0 || !strings.Contains(out, "__start_stacktui") {
		t.Fatalf("completion bash exit %d: %.200s", code, out)
	}
	for _, sh := range []string{"zsh", "fish"} {
		if out, _, code := run(t, nil, "completion", sh); code != 0 || !strings.Contains(out, "stacktui") {
			t.Fatalf("completion %s exit %d", sh, code)
		}
	}
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	loose := filepath.Join(dir, "auth")
	if err := os.WriteFile(loose, []byte("user:pw\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "synapse.conf.json")
	if err := os.WriteFile(broken, []byte("{\"services\": {"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"snapshot", "--synapse-config", broken, "--haproxy", "/x.sock"}, nil, "synapse.conf.json"},
		{[]string{"--zk", "nohostport"}, nil, "--zk"},
		{[]string{"--zk", "host:99999"}, nil, "port"},
		{[]string{"--refresh", "soon", "--haproxy", "/x.sock"}, nil, "--refresh"},
		{[]string{"--refresh", "1ms", "--haproxy", "/x.sock"}, nil, "--refresh"},
		{[]string{"--no-such-flag"}, nil, "unknown flag"},
		{[]string{"--haproxy", "a;b=/x.sock"}, nil, "--haproxy"},
		{[]string{"--zk", "h:1", "--serf", "h:2"}, nil, "alternatives"},
		{[]string{"snapshot", "--zk-path", "relative"}, nil, "--zk-path"},
		{[]string{"check", "--warn-up-below", "lots", "--haproxy", "/x.sock"}, nil, "--warn-up-below"},
		{[]string{"check", "--warn-on", "bogus", "--haproxy", "/x.sock"}, nil, "bogus"},
		{[]string{"snapshot", "--zk", "127.0.0.1:1", "--zk-auth-file", loose}, nil, "chmod 600"},
		{[]string{"snapshot", "--zk-auth-file", filepath.Join(dir, "missing")}, nil, "--zk-auth-file"},
		{nil, []string{"STACKTUI_ZK=bad"}, "--zk"},
		{[]string{"stray-argument"}, nil, "unknown command"},
	} {
		_, stderr, code := run(t, tc.env, tc.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("stacktui %v (env %v): exit %d, stderr %q; want exit 2 and one line mentioning %q", tc.args, tc.env, code, stderr, tc.want)
		}
	}
}

func TestPrecedenceFlagOverEnvOverFile(t *testing.T) {
	env := isolatedEnv(t)
	var cfgHome string
	for _, e := range env {
		if strings.HasPrefix(e, "XDG_CONFIG_HOME=") {
			cfgHome = strings.TrimPrefix(e, "XDG_CONFIG_HOME=")
		}
	}
	if err := os.MkdirAll(filepath.Join(cfgHome, "stacktui"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The file says an unreachable refresh; env overrides it with a valid one; a flag overrides env.
	if err := os.WriteFile(filepath.Join(cfgHome, "stacktui", "config.yaml"), []byte("refresh: nonsense\naudit-log: /from/file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runWith := func(extraEnv []string, args ...string) (string, string, int) {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(append([]string{}, env...), extraEnv...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), errb.String(), ee.ExitCode()
		}
		return out.String(), errb.String(), 0
	}
	// File only: its bad refresh is reported.
	if _, stderr, code := runWith(nil, "snapshot", "--haproxy", "/nonexistent.sock"); code != 2 || !strings.Contains(stderr, "nonsense") {
		t.Fatalf("file value not used: exit %d %q", code, stderr)
	}
	// Env beats file: the refresh is valid, so we get past validation (to a failed socket: exit 1).
	if _, stderr, code := runWith([]string{"STACKTUI_REFRESH=2s"}, "snapshot", "--timeout", "2s", "--haproxy", "/nonexistent.sock"); code != 1 {
		t.Fatalf("env did not override file: exit %d %q", code, stderr)
	}
	// Flag beats env.
	if _, stderr, code := runWith([]string{"STACKTUI_REFRESH=bad"}, "snapshot", "--refresh", "1s", "--timeout", "2s", "--haproxy", "/nonexistent.sock"); code != 1 {
		t.Fatalf("flag did not override env: exit %d %q", code, stderr)
	}
	// version shows the file in use and the audit path from the file.
	out, _, _ := runWith(nil, "version")
	if !strings.Contains(out, filepath.Join(cfgHome, "stacktui", "config.yaml")) || !strings.Contains(out, "/from/file") {
		t.Fatalf("version does not show the config in use:\n%s", out)
	}
}

func TestReadOnlyHomeStillRuns(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores permissions; point HOME at a file instead, which nothing can create dirs under.
	}
	home := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(home, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "snapshot", "--timeout", "1s", "--haproxy", "/nonexistent.sock")
	cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "XDG_STATE_HOME=" + home + "/state", "XDG_CONFIG_HOME=" + home + "/config"}
	out, err := cmd.CombinedOutput()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 1 || !strings.Contains(string(out), "nonexistent.sock") {
		t.Fatalf("with an unusable home: %v\n%s", err, out)
	}
}
