package testenv

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestZooKeeperAnswersRuokAndMntr(t *testing.T) {
	z := sharedZK(t)
	if out, err := z.FourLetter("ruok"); err != nil || out != "imok" {
		t.Fatalf("ruok = %q, %v; want imok", out, err)
	}
	out, err := z.FourLetter("mntr")
	if err != nil || !strings.Contains(out, "zk_server_state\tstandalone") {
		t.Fatalf("mntr = %q, %v; want standalone state", out, err)
	}
}

// waitGone waits until the node at p is gone as seen by c.
func waitGone(t *testing.T, c *zk.Conn, p string) {
	t.Helper()
	err := waitFor(10*time.Second, func() error {
		ok, _, err := c.Exists(p)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("%s still exists", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNerveRegistrationVisibleThenGoneOnClose(t *testing.T) {
	z := sharedZK(t)
	n := z.Nerve(t, "host-a")
	base := "/nerve/services/svc_close/services"
	p := n.Register(base, "127.0.0.1", 31001, WithWeight(2))
	if !strings.HasPrefix(p, base+"/host-a_") || len(p) != len(base+"/host-a_")+10 {
		t.Fatalf("znode %q: want %s/host-a_<10 digits>", p, base)
	}

	c := z.Client(t)
	data, st, err := c.Get(p)
	if err != nil {
		t.Fatalf("second client cannot read %s: %v", p, err)
	}
	if want := `{"host":"127.0.0.1","port":31001,"name":"host-a","weight":2}`; string(data) != want {
		t.Fatalf("payload %s, want %s", data, want)
	}
	if st.EphemeralOwner != n.SessionID() {
		t.Fatalf("ephemeralOwner 0x%x, want the nerve session 0x%x", st.EphemeralOwner, n.SessionID())
	}
	for _, parent := range []string{"/nerve", "/nerve/services", "/nerve/services/svc_close", base} {
		d, pst, err := c.Get(parent)
		if err != nil || len(d) != 0 || pst.EphemeralOwner != 0 {
			t.Fatalf("parent %s: data %q owner %d err %v; want empty persistent", parent, d, pst.EphemeralOwner, err)
		}
	}

	n.Close()
	waitGone(t, c, p)
	if ok, _, _ := c.Exists(base); !ok {
		t.Fatalf("persistent parent %s vanished with the session", base)
	}
}

func TestNerveExpireRemovesRegistrations(t *testing.T) {
	z := sharedZK(t)
	n := z.Nerve(t, "host-b", SessionTimeout(30*time.Second))
	c := z.Client(t)
	p1 := n.Register("/nerve/services/svc_exp/services", "127.0.0.1", 31002)
	p2 := n.Register("/nerve/services/svc_exp2/services", "127.0.0.1", 31003)
	old := n.SessionID()
	start := time.Now()
	n.Expire()
	waitGone(t, c, p1)
	waitGone(t, c, p2)
	if n.SessionID() == old {
		t.Fatalf("session id unchanged after Expire")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Expire took %v although the session timeout is 30s: it waited for a timeout", d)
	}
	// The registrar is usable again on its new session.
	p3 := n.Register("/nerve/services/svc_exp/services", "127.0.0.1", 31002)
	if _, st, err := c.Get(p3); err != nil || st.EphemeralOwner != n.SessionID() {
		t.Fatalf("re-register after Expire: %v", err)
	}
}

func TestNerveOptionalFieldsAndPathEncoding(t *testing.T) {
	z := sharedZK(t)
	n := z.Nerve(t, "host-c")
	c := z.Client(t)
	p := n.Register("/env/services/svc_opts/services", "10.0.0.1", 8080,
		WithWeight(5), WithServerOptions("backup"), WithLabels(map[string]string{"zone": "a<b", "az": "1"}), WithPathEncoding())
	want := `{"host":"10.0.0.1","port":8080,"name":"host-c","weight":5,"haproxy_server_options":"backup","labels":{"az":"1","zone":"a<b"}}`
	data, _, err := c.Get(p)
	if err != nil || string(data) != want {
		t.Fatalf("payload %s (%v), want %s", data, err, want)
	}
	child := p[strings.LastIndex(p, "/")+1:]
	var l int
	var enc string
	if _, err := fmt.Sscanf(strings.Replace(child, "_", " ", 2), "base64 %d %s", &l, &enc); err != nil {
		t.Fatalf("child %q not base64_<len>_...: %v", child, err)
	}
	enc = enc[:strings.LastIndex(enc, "_")]
	if len(enc) != l {
		t.Fatalf("child %q: length field %d, encoded part %d", child, l, len(enc))
	}
	var got map[string]any
	raw, _ := base64.URLEncoding.DecodeString(enc)
	if err := json.Unmarshal(raw, &got); err != nil || string(raw) != want {
		t.Fatalf("decoded child name %q (%v), want %s", raw, err, want)
	}
}

func TestZooKeeperPutCreatesParentsAndOverwrites(t *testing.T) {
	z := sharedZK(t)
	c := z.Client(t)
	if err := z.Put("/raw/a/b/bad_0000000001", []byte("not json")); err != nil {
		t.Fatal(err)
	}
	if err := z.Put("/raw/a/b/bad_0000000001", []byte("{")); err != nil {
		t.Fatal(err)
	}
	d, st, err := c.Get("/raw/a/b/bad_0000000001")
	if err != nil || string(d) != "{" || st.EphemeralOwner != 0 {
		t.Fatalf("got %q owner %d err %v", d, st.EphemeralOwner, err)
	}
	if err := z.Delete("/raw"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _ := c.Exists("/raw"); ok {
		t.Fatal("/raw survived Delete")
	}
}

func TestZooKeeperKillStartKeepsDataAndSessions(t *testing.T) {
	z := ZooKeeper(t)
	n := z.Nerve(t, "host-d")
	p := n.Register("/nerve/services/svc_restart/services", "127.0.0.1", 31004)
	if err := z.Put("/persist", []byte("x")); err != nil {
		t.Fatal(err)
	}
	z.Kill()
	if _, err := z.FourLetter("ruok"); err == nil {
		t.Fatal("ZooKeeper still answers after Kill")
	}
	if err := z.Start(); err != nil {
		t.Fatal(err)
	}
	c := z.Client(t)
	if d, _, err := c.Get("/persist"); err != nil || string(d) != "x" {
		t.Fatalf("/persist after restart: %q %v", d, err)
	}
	// The nerve session reconnects within its timeout: the ephemeral stays.
	if _, st, err := c.Get(p); err != nil || st.EphemeralOwner != n.SessionID() {
		t.Fatalf("registration after Kill/Start: %v", err)
	}
	if err := z.Restart(); err != nil {
		t.Fatal(err)
	}
	if out, _ := z.FourLetter("ruok"); out != "imok" {
		t.Fatalf("ruok after Restart = %q", out)
	}
	dir := z.Dir
	z.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("Stop left %s behind", dir)
	}
}
