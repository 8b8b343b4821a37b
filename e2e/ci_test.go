package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCIVersionLinesSurviveLongOutput runs .ci/run's version printing the
// way CI does (bash, set -euo pipefail) against stand-ins for java, haproxy
// and serf that print far more than a pipe holds: it must print their first
// lines and succeed. `haproxy -v | head -1` died with 141 (SIGPIPE) here.
func TestCIVersionLinesSurviveLongOutput(t *testing.T) {
	needBinary(t, "bash")
	bin := t.TempDir()
	for _, name := range []string{"java", "haproxy", "serf"} {
		script := "#!/bin/sh\necho \"" + name + " 1.0\"\nseq 1 200000\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-c", "set -euo pipefail; . .ci/versions.sh; print_versions")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "java 1.0\nhaproxy 1.0\nserf 1.0\n" {
		t.Fatalf("print_versions: %v\n%s", err, out)
	}
}

// TestCIScriptsHaveNoEarlyClosingPipes: under pipefail, a pipe into a reader
// that stops early (head, grep -q/-m, sed Nq) can kill its writer with
// SIGPIPE and fail CI for nothing. None in the scripts CI and the suite run.
func TestCIScriptsHaveNoEarlyClosingPipes(t *testing.T) {
	early := regexp.MustCompile(`\|\s*(head\b|grep\s+(-\w*[qm]|--quiet|--max-count)|sed\s+(-n\s+)?'?\d*q)`)
	for _, f := range []string{"../.ci/run", "../.ci/versions.sh", "../Makefile", "../bench/run.sh"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if early.MatchString(line) {
				t.Errorf("%s:%d: a pipe into a reader that stops early: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// TestLicenseMatchesTheReleaseConfig: the packages declare Apache-2.0, so the
// repository carries its full text, and the archives and packages ship it.
func TestLicenseMatchesTheReleaseConfig(t *testing.T) {
	rel, err := os.ReadFile("../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s+license: Apache-2.0$`).Match(rel) {
		t.Fatal(".goreleaser.yml no longer declares Apache-2.0: update this test and LICENSE together")
	}
	lic, err := os.ReadFile("../LICENSE")
	if err != nil {
		t.Fatalf("no LICENSE file: %v", err)
	}
	for _, want := range []string{"Apache License", "Version 2.0, January 2004", "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
		"9. Accepting Warranty or Additional Liability.", "END OF TERMS AND CONDITIONS", "APPENDIX: How to apply the Apache License to your work."} {
		if !strings.Contains(string(lic), want) {
			t.Errorf("LICENSE lacks %q: not the full Apache-2.0 text", want)
		}
	}
	if !strings.Contains(string(rel), "- LICENSE") || !strings.Contains(string(rel), "src: ./LICENSE") {
		t.Error(".goreleaser.yml does not ship LICENSE in the archives and packages")
	}
}
