package demo

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

func TestZKDemo(t *testing.T) {
	testenv.Need(t, "zookeeper")
	testenv.Need(t, "haproxy")
	z := testenv.ZooKeeper(t)
	o := quiet(filepath.Join(t.TempDir(), "demo"))
	o.ZK = z.Addr
	d := startDemo(t, o)
	if d.ZK != z.Addr || d.ZKPath != "/nerve/services" || d.SerfRPC != "" {
		t.Fatalf("ZK mode fields: ZK=%q ZKPath=%q SerfRPC=%q", d.ZK, d.ZKPath, d.SerfRPC)
	}
	c := z.Client(t)

	// znodes lists the registrations of service as child -> payload.
	znodes := func(service string) map[string]string {
		p := "/nerve/services/" + service + "/services"
		kids, _, err := c.Children(p)
		if err != nil {
			t.Fatalf("children of %s: %v", p, err)
		}
		out := map[string]string{}
		for _, k := range kids {
			data, _, err := c.Get(p + "/" + k)
			if err == nil {
				out[k] = string(data)
			}
		}
		return out
	}

	t.Run("instances are registered the Nerve way", func(t *testing.T) {
		total := 0
		for _, s := range demoServices {
			for child, data := range znodes(s.Name) {
				total++
				var rec map[string]any
				if err := json.Unmarshal([]byte(data), &rec); err != nil {
					t.Fatalf("%s: %v", child, err)
				}
				name, _ := rec["name"].(string)
				if !strings.HasPrefix(child, name+"_") || len(child) != len(name)+1+10 {
					t.Errorf("child %s is not <instance_id>_<10-digit seq> for name %q", child, name)
				}
				if !strings.HasPrefix(data, `{"host":"127.0.0.1","port":`) || !strings.HasSuffix(data, `,"name":"`+name+`"}`) {
					t.Errorf("payload %s is not Nerve's compact host/port/name JSON", data)
				}
			}
		}
		if total != instanceCount(demoServices) {
			t.Errorf("%d registrations, want %d", total, instanceCount(demoServices))
		}
	})

	t.Run("haproxy servers are <instance_id>_<host>:<port> and UP", func(t *testing.T) {
		allUp(t, d, 5*time.Second)
	})

	t.Run("a deregistration deletes the znode and synapse puts MAINT", func(t *testing.T) {
		li := instanceOf(t, d, "svc_payments", 1)
		k := "svc_payments/" + li.serverName()
		li.nerveOff.Store(true)
		serverStatus(t, d, k, "MAINT", 10*time.Second)
		for child := range znodes("svc_payments") {
			if strings.HasPrefix(child, li.Node+"_") {
				t.Errorf("znode %s still there after deregistration", child)
			}
		}
		li.nerveOff.Store(false)
		serverStatus(t, d, k, "UP", 10*time.Second)
	})

	t.Run("an operator's znode delete is undone by Nerve", func(t *testing.T) {
		li := instanceOf(t, d, "svc_checkout", 0)
		var victim string
		for child := range znodes("svc_checkout") {
			if strings.HasPrefix(child, li.Node+"_") {
				victim = child
			}
		}
		if victim == "" {
			t.Fatalf("no znode for %s", li.key())
		}
		if err := c.Delete("/nerve/services/svc_checkout/services/"+victim, -1); err != nil {
			t.Fatal(err)
		}
		eventually(t, settle, func() (bool, string) {
			for child := range znodes("svc_checkout") {
				if strings.HasPrefix(child, li.Node+"_") && child != victim {
					return true, ""
				}
			}
			return false, fmt.Sprintf("%s not registered again", li.key())
		})
	})

	t.Run("Close ends the sessions so the registrations vanish", func(t *testing.T) {
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		eventually(t, settle, func() (bool, string) {
			n := 0
			for _, s := range demoServices {
				n += len(znodes(s.Name))
			}
			return n == 0, fmt.Sprintf("%d registrations left", n)
		})
	})
}

func TestZKDemoUnreachable(t *testing.T) {
	port, err := freeTCPPort()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "demo")
	o := quiet(dir)
	o.ZK = fmt.Sprintf("127.0.0.1:%d", port)
	d, err := Start(t.Context(), o)
	if err == nil {
		d.Close()
		t.Fatal("Start with no ZooKeeper listening succeeded")
	}
	if !strings.Contains(err.Error(), o.ZK) {
		t.Errorf("error does not name the address: %v", err)
	}
	assertGone(t, dir) // a failed Start cleans up after itself
}
