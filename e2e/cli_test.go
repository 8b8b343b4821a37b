package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
		{[]string{"snapshot", "--zk", "127.0.0.1:1", "--zk-auth-file", loose}, nil, "chmod 600"},
		{[]string{"snapshot", "--zk-auth-file", filepath.Join(dir, "missing")}, nil, "--zk-auth-file"},
		{nil, []string{"STACKTUI_ZK=bad"}, "--zk"},
		{[]string{"stray-argument"}, nil, "unknown command"},
		{[]string{"snapshot", "--fleet-host", "web-1,web;2"}, nil, "--fleet-host"},
		{[]string{"snapshot", "--fleet-grace", "5s", "--haproxy", "/x.sock"}, nil, "no effect without --fleet"},
	} {
		_, stderr, code := run(t, tc.env, tc.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("stacktui %v (env %v): exit %d, stderr %q; want exit 2 and one line mentioning %q", tc.args, tc.env, code, stderr, tc.want)
		}
	}
}

// TestCheckUsageErrorsAreUnknown: check is a Nagios plugin, so a usage
// error is UNKNOWN (3, never 2, which Nagios reads as CRITICAL), and the
// status line with the reason is on stdout, where the monitoring system
// reads it, with nothing else.
func TestCheckUsageErrorsAreUnknown(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"check", "--no-such-flag"}, nil, "unknown flag: --no-such-flag"},
		{[]string{"check", "--warn-up-below", "lots", "--haproxy", "/x.sock"}, nil, "--warn-up-below"},
		{[]string{"check", "--crit-up-below", "150%", "--haproxy", "/x.sock"}, nil, "--crit-up-below"},
		{[]string{"check", "--warn-on", "bogus", "--haproxy", "/x.sock"}, nil, "bogus"},
		{[]string{"check", "--timeout", "soon", "--haproxy", "/x.sock"}, nil, "--timeout"},
		{[]string{"check", "--zk", "nohostport"}, nil, "--zk"},
		{[]string{"check"}, nil, "give --zk or --serf and/or --haproxy"},
		{[]string{"check", "stray"}, nil, "unexpected argument \"stray\""},
		{[]string{"check", "--haproxy", "/x.sock"}, []string{"STACKTUI_REFRESH=never"}, "--refresh"},
	} {
		stdout, stderr, code := run(t, tc.env, tc.args...)
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		if code != 3 || len(lines) != 1 || !strings.HasPrefix(stdout, "STACKTUI UNKNOWN - ") || !strings.Contains(stdout, tc.want) || stderr != "" {
			t.Errorf("stacktui %v (env %v): exit %d, stdout %q, stderr %q; want exit 3 and one UNKNOWN line on stdout mentioning %q",
				tc.args, tc.env, code, stdout, stderr, tc.want)
		}
	}
	// --json keeps its format for what is known once the flags parsed.
	stdout, _, code := run(t, nil, "check", "--json")
	if code != 3 || !strings.Contains(stdout, `"status": "UNKNOWN"`) || !strings.Contains(stdout, `"exit_code": 3`) {
		t.Errorf("check --json with no source: exit %d, stdout %q", code, stdout)
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

// helpFlags lists the long flags a command's --help offers (help itself aside).
func helpFlags(t *testing.T, args ...string) []string {
	t.Helper()
	out, _, code := run(t, nil, append(args, "--help")...)
	if code != 0 {
		t.Fatalf("%v --help: exit %d", args, code)
	}
	var flags []string
	for _, m := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?(--[a-z-]+)`).FindAllStringSubmatch(out, -1) {
		if m[1] != "--help" {
			flags = append(flags, m[1])
		}
	}
	return flags
}

// TestHelpAndREADMEAgree: every flag a command's --help offers is in the
// README (its row of the commands table, or the flags table), every flag the
// README names exists, the one-shot commands do not offer the console's
// action flags, the shells of `completion` and the environment variables
// that --help names are the README's.
func TestHelpAndREADMEAgree(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	rows := map[string]string{}
	var flagTable strings.Builder
	for _, line := range strings.Split(readme, "\n") {
		if m := regexp.MustCompile("^\\| `stacktui ?([a-z]*)").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
		if strings.HasPrefix(line, "| `--") {
			flagTable.WriteString(line + "\n")
		}
	}
	flagRe := regexp.MustCompile(`--[a-z][a-z-]+`)
	offered := map[string]bool{}
	for _, cmd := range []string{"", "snapshot", "check", "watch", "demo"} {
		var args []string
		if cmd != "" {
			args = []string{cmd}
		}
		row, ok := rows[cmd]
		if !ok {
			t.Errorf("README's commands table has no row for `stacktui %s`", cmd)
		}
		flags := helpFlags(t, args...)
		inRow := flagRe.FindAllString(row, -1)
		for _, f := range flags {
			offered[f] = true
			// The flags table is the console's and the source-reading
			// commands'; the demo ignores most of it, so its row says all.
			if !slices.Contains(inRow, f) && (cmd == "demo" || !strings.Contains(flagTable.String(), "`"+f)) && f != "--config" && f != "--debug" {
				t.Errorf("stacktui %s --help offers %s; the README does not say it", cmd, f)
			}
		}
		for _, f := range inRow {
			if !slices.Contains(flags, f) {
				t.Errorf("README says `stacktui %s` takes %s; its --help does not offer it", cmd, f)
			}
		}
		if cmd == "snapshot" || cmd == "check" || cmd == "watch" {
			for _, f := range []string{"--audit-log", "--reload-cmd", "--restart-synapse-cmd", "--nerve-pid-file", "--nerve-pid-cmd", "--serf-member-rpc"} {
				if slices.Contains(flags, f) {
					t.Errorf("stacktui %s offers %s, which only actions use", cmd, f)
				}
			}
			if cmd != "watch" && !slices.Contains(flags, "--timeout") {
				t.Errorf("stacktui %s --help lacks --timeout", cmd)
			}
		}
	}
	for _, f := range flagRe.FindAllString(flagTable.String(), -1) {
		if !offered[f] {
			t.Errorf("README's flags table names %s; no command offers it", f)
		}
	}
	// completion: the shells cobra generates are the README's.
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if _, _, code := run(t, nil, "completion", sh); code != 0 {
			t.Errorf("completion %s: exit %d", sh, code)
		}
		if !strings.Contains(rows["completion"], sh) {
			t.Errorf("README's completion row does not name %s", sh)
		}
	}
	// Environment variables --help names are documented.
	out, _, _ := run(t, nil, "--help")
	for _, v := range regexp.MustCompile(`\$[A-Z_]+`).FindAllString(out, -1) {
		if !strings.Contains(readme, v) {
			t.Errorf("--help names %s; the README does not", v)
		}
	}
	if !strings.Contains(out, "$SERF_RPC_AUTH holds the key itself") && !strings.Contains(out, "the key itself from $SERF_RPC_AUTH") {
		t.Errorf("--serf-auth-file's help must say $SERF_RPC_AUTH holds the key itself, not a path:\n%s", out)
	}
}
