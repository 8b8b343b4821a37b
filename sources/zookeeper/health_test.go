package zookeeper

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
)

func TestHealthRealStandalone(t *testing.T) {
	z := sharedZK(t)
	var h sources.ServerHealth
	// Right after start a server may briefly say "not currently serving requests".
	for i := 0; i < 50; i++ {
		h = Health(context.Background(), z.Addr)
		if h.Err == "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !h.OK || h.Err != "" || h.Mode != "standalone" || !strings.HasPrefix(h.Version, "3.") || h.Znodes < 1 || h.Connections < 1 {
		t.Fatalf("health %+v", h)
	}
	if h.Raw["zk_server_state"] != "standalone" || h.Address != z.Addr || h.At.IsZero() {
		t.Fatalf("raw mntr or identity missing: %+v", h)
	}
}

func TestHealthAllUnreachable(t *testing.T) {
	z := sharedZK(t)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dead := "127.0.0.1:" + strconv.Itoa(port)
	hs := HealthAll(context.Background(), []string{dead, z.Addr})
	if len(hs) != 2 || hs[0].Address != dead || hs[1].Address != z.Addr {
		t.Fatalf("order: %+v", hs)
	}
	if hs[0].OK || !strings.Contains(hs[0].Err, "cannot reach") || !strings.Contains(hs[0].Err, "refused") {
		t.Fatalf("dead server: %+v", hs[0])
	}
	if !hs[1].OK {
		t.Fatalf("live server: %+v", hs[1])
	}
}

// TestHealthNotWhitelisted runs a real ZooKeeper that only allows ruok
// (srvr is always allowed: ZooKeeper keeps it for zkServer.sh status).
func TestHealthNotWhitelisted(t *testing.T) {
	addr := startRestrictedZK(t, "ruok")
	h := Health(context.Background(), addr)
	if !h.OK || h.Mode != "standalone" {
		t.Fatalf("ruok and srvr are allowed: %+v", h)
	}
	for _, want := range []string{"mntr", "4lw.commands.whitelist=ruok,srvr,mntr"} {
		if !strings.Contains(h.Err, want) {
			t.Errorf("Err %q does not mention %q", h.Err, want)
		}
	}
	if h.Raw != nil {
		t.Errorf("parsed a refusal as mntr data: %v", h.Raw)
	}
}

// startRestrictedZK starts a standalone ZooKeeper whose four-letter-word
// whitelist is only `allow` (testenv's allows every word).
func startRestrictedZK(t *testing.T, allow string) string {
	t.Helper()
	testenv.Need(t, "zookeeper")
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("tickTime=200\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=%s\nadmin.enableServer=false\n",
		filepath.Join(dir, "data"), port, allow)
	if err := os.WriteFile(filepath.Join(dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "zk.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-cp", "/usr/share/java/zookeeper.jar", "org.apache.zookeeper.server.ZooKeeperServerMain", filepath.Join(dir, "zoo.cfg"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		// ruok answers imok before the server serves; srvr says when it does.
		out, err := testenv.FourLetter(addr, "srvr")
		if err == nil && strings.Contains(out, "Mode:") {
			return addr
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "zk.log"))
			t.Fatalf("restricted ZooKeeper did not start: %v %q\n%s", err, out, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestParseCapturedReplies(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var h sources.ServerHealth
	parseSrvr(read("zk38-srvr.txt"), &h)
	if h.Mode != "standalone" || h.Version != "3.8.0-${mvngit.commit.id}" || h.Znodes != 5 || h.Connections != 1 || h.Outstanding != 0 {
		t.Fatalf("srvr: %+v", h)
	}
	parseMntr(read("zk38-mntr.txt"), &h)
	if h.Raw["zk_watch_count"] != "0" || h.Mode != "standalone" || h.Znodes != 5 || len(h.Raw) < 50 {
		t.Fatalf("mntr: %+v", h)
	}
	if !notWhitelisted(read("not-whitelisted-mntr.txt")) || notWhitelisted(read("zk38-srvr.txt")) {
		t.Fatal("whitelist refusal not recognised")
	}
	if notServing("This ZooKeeper instance is not currently serving requests\n") == "" {
		t.Fatal("not-serving reply not recognised")
	}
	var l sources.ServerHealth
	parseSrvr("Latency min/avg/max: 1/2.5/30\nMode: leader\n", &l)
	if l.LatencyMin != 1 || l.LatencyAvg != 2.5 || l.LatencyMax != 30 || l.Mode != "leader" {
		t.Fatalf("latency: %+v", l)
	}
}

func TestAuthHelpers(t *testing.T) {
	a, err := ParseAuth([]byte("  nerve:pa:ss\n"))
	if err != nil || string(a) != "nerve:pa:ss" || AuthUser(a) != "nerve" {
		t.Fatalf("ParseAuth = %q, %v", a, err)
	}
	for _, bad := range []string{"", "\n", "nouser", ":pw", "a:b\nc:d"} {
		if _, err := ParseAuth([]byte(bad)); err == nil {
			t.Errorf("ParseAuth(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
	f := filepath.Join(t.TempDir(), "auth")
	os.WriteFile(f, []byte("u:topsecret\n"), 0o600)
	if a, err := ParseAuthFile(f); err != nil || string(a) != "u:topsecret" {
		t.Fatalf("ParseAuthFile = %q, %v", a, err)
	}
	os.WriteFile(f, []byte("topsecret\n"), 0o600)
	if _, err := ParseAuthFile(f); err == nil || strings.Contains(err.Error(), "topsecret") || !strings.Contains(err.Error(), f) {
		t.Fatalf("ParseAuthFile error %v", err)
	}
	// The id ZooKeeper computes for digest:u:p (as in zkCli's addauth docs).
	if got := DigestID([]byte("super:admin")); got != "super:xQJmxLMiHGwaqBvst5y6rkB6HQs=" {
		t.Fatalf("DigestID = %s", got)
	}
}

func FuzzParseFourLetter(f *testing.F) {
	for _, name := range []string{"zk38-srvr.txt", "zk38-mntr.txt", "zk38-ruok.txt", "not-whitelisted-mntr.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("Latency min/avg/max: 1/2/\nMode:\nzk_version\t\n\t\n")
	f.Fuzz(func(t *testing.T, reply string) {
		var h sources.ServerHealth
		parseSrvr(reply, &h)
		parseMntr(reply, &h)
		_ = notWhitelisted(reply)
		_ = notServing(reply)
		for k := range h.Raw {
			if !strings.HasPrefix(k, "zk_") {
				t.Fatalf("non-mntr key %q kept", k)
			}
		}
	})
}
