package zookeeper

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/stacktui/stacktui/internal/testenv"
	"github.com/stacktui/stacktui/sources"
)

// eventWithin is the brief's bar: every change is seen within a second.
const eventWithin = time.Second

func TestRegisterDeregisterReregister(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t) + "/nerve/services"
	s, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})

	// The root does not exist yet: that is data, and its creation is watched.
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	if len(snap.Services) != 0 || !strings.Contains(snap.Err, "does not exist") {
		t.Fatalf("missing root: services %v, Err %q", snap.Services, snap.Err)
	}

	n := z.Nerve(t, "ss-accept-host")
	m := r.mark()
	p1 := n.Register(root+"/svc_a/services", "127.0.0.1", 31001)
	_, evs := r.wait(t, eventWithin, m, "registered "+p1, func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p1) != nil
	})
	reg := hasEvent(evs, sources.EventRegistered, p1).Registration
	if reg.Service != "svc_a" || reg.Host != "127.0.0.1" || reg.Port != 31001 || reg.Name != "ss-accept-host" ||
		reg.Owner != n.SessionID() || reg.Malformed != "" || !strings.HasPrefix(reg.Node, "ss-accept-host_") ||
		reg.Seq < 0 || reg.Ctime.IsZero() || reg.DataLen != len(reg.Raw) {
		t.Fatalf("registration %+v", reg)
	}
	if c := s.Current(); findReg(c, p1) == nil || c.Err != "" || c.Stale() {
		t.Fatalf("Current() lacks %s or is stale: %+v", p1, c)
	}

	m = r.mark()
	n.Deregister(p1)
	snap, _ = r.wait(t, eventWithin, m, "deregistered "+p1, func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventDeregistered, p1) != nil
	})
	if findReg(snap, p1) != nil {
		t.Fatalf("%s still in the snapshot after its deregistration", p1)
	}

	m = r.mark()
	p2 := n.Register(root+"/svc_a/services", "127.0.0.1", 31001, testenv.WithWeight(3))
	snap, evs = r.wait(t, eventWithin, m, "re-registered "+p2, func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p2) != nil
	})
	got := findReg(snap, p2)
	if got == nil || got.Seq <= reg.Seq || !got.HasWeight || got.Weight != 3 {
		t.Fatalf("re-registration %+v (old seq %d)", got, reg.Seq)
	}
	for _, e := range evs {
		if e.Kind == sources.EventDeregistered || e.Kind == sources.EventChanged {
			t.Errorf("unexpected event %s %s", e.Kind, e.Message)
		}
	}

	// A Nerve that stops closes its session: every registration goes.
	m = r.mark()
	p3 := n.Register(root+"/svc_b/services", "127.0.0.1", 31002)
	r.wait(t, eventWithin, m, "registered "+p3, func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p3) != nil
	})
	m = r.mark()
	n.Close()
	r.wait(t, eventWithin, m, "both deregistered on session close", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventDeregistered, p2) != nil && hasEvent(evs, sources.EventDeregistered, p3) != nil
	})
}

func TestServicesChildAppearsLater(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	if err := z.Put(root+"/svc_new", nil); err != nil {
		t.Fatal(err)
	}
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	sv := findSvc(snap, "svc_new")
	if sv == nil || len(sv.Registrations) != 0 || !strings.Contains(sv.Err, "does not exist") {
		t.Fatalf("service without services/ child: %+v", sv)
	}
	n := z.Nerve(t, "late")
	m := r.mark()
	p := n.Register(root+"/svc_new/services", "10.0.0.1", 8080)
	snap, _ = r.wait(t, eventWithin, m, "registration under a services node created later", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p) != nil
	})
	if sv := findSvc(snap, "svc_new"); sv == nil || sv.Err != "" {
		t.Fatalf("service error not cleared: %+v", sv)
	}
}

func TestPathEncodedNames(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	r.wait(t, 10*time.Second, 0, "first sync", synced)
	n := z.Nerve(t, "i-0abc")
	m := r.mark()
	p := n.Register(root+"/svc_enc/services", "10.1.2.3", 31005, testenv.WithPathEncoding(), testenv.WithWeight(7),
		testenv.WithServerOptions("backup"), testenv.WithLabels(map[string]string{"az": "us-east-1a"}))
	_, evs := r.wait(t, eventWithin, m, "path-encoded registration", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p) != nil
	})
	g := hasEvent(evs, sources.EventRegistered, p).Registration
	if !strings.HasPrefix(g.Node, "base64_") || g.Malformed != "" || g.Host != "10.1.2.3" || g.Port != 31005 ||
		g.Name != "i-0abc" || g.Weight != 7 || g.HAProxyServerOptions != "backup" || g.Labels["az"] != "us-east-1a" || g.Seq < 0 {
		t.Fatalf("decoded %+v", g)
	}
}

func TestMalformedNodes(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	dir := root + "/svc_bad/services"
	huge := []byte(`{"host":"h","port":1,"pad":"` + strings.Repeat("x", 1000*1024) + `"}`)
	nodes := map[string][]byte{
		"badjson_0000000001": []byte(`{"host":"1.2.3.4","port":`),
		"noport_0000000002":  []byte(`{"host":"1.2.3.4","name":"x"}`),
		"binary_0000000003":  {0xff, 0x00, 0xfe, 0x01},
		"huge_0000000004":    huge,
		"empty_0000000005":   nil,
		"ok_0000000006":      []byte(`{"host":"1.2.3.4","port":"8080","weight":"5"}`),
		"hugebad_0000000007": huge[:len(huge)-2],
	}
	for name, data := range nodes {
		if err := z.Put(dir+"/"+name, data); err != nil {
			t.Fatal(err)
		}
	}
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	want := map[string]string{
		"badjson_0000000001": "bad JSON",
		"noport_0000000002":  "missing port",
		"binary_0000000003":  "binary data",
		"huge_0000000004":    "", // valid at any size: Synapse takes it
		"empty_0000000005":   "empty data",
		"ok_0000000006":      "",
		"hugebad_0000000007": "far larger than a Nerve registration",
	}
	for name, why := range want {
		g := findReg(snap, dir+"/"+name)
		if g == nil {
			t.Errorf("%s dropped", name)
			continue
		}
		if (why == "") != (g.Malformed == "") || !strings.Contains(g.Malformed, why) {
			t.Errorf("%s: Malformed %q, want %q", name, g.Malformed, why)
		}
		if g.DataLen != len(nodes[name]) {
			t.Errorf("%s: DataLen %d, want %d", name, g.DataLen, len(nodes[name]))
		}
	}
	if g := findReg(snap, dir+"/ok_0000000006"); g == nil || g.Port != 8080 || g.Weight != 5 || g.Owner != 0 {
		t.Errorf("string port/weight: %+v", g)
	}
	// A node changed in place is seen through its data watch.
	m := r.mark()
	if err := z.Put(dir+"/ok_0000000006", []byte(`{"host":"1.2.3.4","port":8081}`)); err != nil {
		t.Fatal(err)
	}
	_, evs := r.wait(t, eventWithin, m, "data change", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventChanged, dir+"/ok_0000000006") != nil
	})
	if g := hasEvent(evs, sources.EventChanged, dir+"/ok_0000000006").Registration; g.Port != 8081 || g.HasWeight {
		t.Errorf("changed registration %+v", g)
	}
}

func TestExplicitPaths(t *testing.T) {
	z := sharedZK(t)
	base := uniqRoot(t)
	n := z.Nerve(t, "web-1")
	pWeb := n.Register(base+"/prod/web/instances", "10.0.0.1", 80)
	n.Register(base+"/prod/ignored/instances", "10.0.0.9", 99)
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: "/unused",
		Paths: map[string]string{"web": base + "/prod/web/instances", "api": base + "/prod/api/instances/"}})
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	if len(snap.Services) != 2 || findReg(snap, pWeb) == nil {
		t.Fatalf("services %+v", snap.Services)
	}
	if api := findSvc(snap, "api"); api == nil || api.Path != base+"/prod/api/instances" || !strings.Contains(api.Err, "does not exist") {
		t.Fatalf("api: %+v", api)
	}
	m := r.mark()
	pAPI := n.Register(base+"/prod/api/instances", "10.0.0.2", 81)
	snap, _ = r.wait(t, eventWithin, m, "api registration on a path created later", func(_ sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, pAPI) != nil
	})
	if g := findReg(snap, pAPI); g == nil || g.Service != "api" {
		t.Fatalf("api registration %+v", g)
	}
}

func TestCoalescingKeepsEveryEvent(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	s, err := Open(context.Background(), Options{Servers: []string{z.Addr}, Root: root, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Nobody reads Updates while the registry changes: the watches must not stall.
	deadline := time.Now().Add(10 * time.Second)
	for c := s.Current(); !synced(c, nil); c = s.Current() {
		if time.Now().After(deadline) {
			t.Fatalf("no sync: %+v", c)
		}
		time.Sleep(10 * time.Millisecond)
	}
	n := z.Nerve(t, "burst")
	var paths []string
	for i := range 20 {
		paths = append(paths, n.Register(root+"/svc/services", "10.0.0.1", 1000+i))
	}
	for time.Now().Before(deadline) {
		if sv := findSvc(s.Current(), "svc"); sv != nil && len(sv.Registrations) == 20 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// One pending update holds the newest snapshot and every event so far.
	u := <-s.Updates()
	if sv := findSvc(u.Snapshot, "svc"); sv == nil || len(sv.Registrations) != 20 {
		t.Fatalf("coalesced snapshot: %+v", sv)
	}
	for _, p := range paths {
		if hasEvent(u.Events, sources.EventRegistered, p) == nil {
			t.Errorf("event for %s lost in coalescing", p)
		}
	}
	select {
	case u := <-s.Updates():
		t.Fatalf("a second update was queued: %d events", len(u.Events))
	default:
	}
	s.Close()
	if _, ok := <-s.Updates(); ok {
		// the final "closed" update may be pending; after it the channel closes
		if _, ok := <-s.Updates(); ok {
			t.Fatal("Updates not closed after Close")
		}
	}
}

func TestBrowser(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "b")
	p := n.Register(root+"/svc/services", "10.0.0.1", 1)
	s, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	r.wait(t, 10*time.Second, 0, "first sync", synced)
	kids, err := s.Children(root + "/svc/services")
	if err != nil || len(kids) != 1 || root+"/svc/services/"+kids[0] != p {
		t.Fatalf("Children = %v, %v", kids, err)
	}
	data, st, err := s.Get(p)
	if err != nil || !strings.Contains(string(data), `"port":1`) || st.EphemeralOwner != n.SessionID() || int(st.DataLength) != len(data) {
		t.Fatalf("Get = %q %+v %v", data, st, err)
	}
	if _, _, err := s.Get(root + "/nope"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Get of a missing node: %v", err)
	}
}

func TestDigestAuth(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	admin := z.Client(t)
	if err := admin.AddAuth("digest", []byte("nerve:s3cret")); err != nil {
		t.Fatal(err)
	}
	if err := z.Put(root+"/svc/services/open_0000000001", []byte(`{"host":"h","port":1}`)); err != nil {
		t.Fatal(err)
	}
	locked := root + "/svc/services/locked_0000000002"
	if _, err := admin.Create(locked, []byte(`{"host":"h","port":2}`), 0, zk.DigestACL(zk.PermAll, "nerve", "s3cret")); err != nil {
		t.Fatal(err)
	}

	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	snap, _ := r.wait(t, 10*time.Second, 0, "sync without auth", synced)
	if g := findReg(snap, locked); g == nil || !strings.Contains(g.Malformed, "--zk-auth-file") {
		t.Fatalf("unreadable node without auth: %+v", g)
	}

	auth, err := ParseAuth([]byte("nerve:s3cret\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, r2 := openSource(t, Options{Servers: []string{z.Addr}, Root: root, Auth: auth})
	snap, _ = r2.wait(t, 10*time.Second, 0, "sync with auth", synced)
	if g := findReg(snap, locked); g == nil || g.Malformed != "" || g.Port != 2 {
		t.Fatalf("node with auth: %+v", g)
	}
}

func TestOpenWithoutServerIsData(t *testing.T) {
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + itoa(port)
	start := time.Now()
	s, r := openSource(t, Options{Servers: []string{addr}})
	if time.Since(start) > time.Second {
		t.Fatalf("Open blocked for %v", time.Since(start))
	}
	snap, _ := r.wait(t, 5*time.Second, 0, "connect failure in the snapshot", func(s sources.Snapshot, _ []sources.Event) bool {
		return strings.Contains(s.Err, "failed to connect")
	})
	if snap.State != sources.StateConnecting || snap.Synced || !snap.Stale() {
		t.Fatalf("snapshot %+v", snap)
	}
	if _, err := s.Children("/"); err == nil {
		t.Fatal("Children succeeded without a server")
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{},
		{Servers: []string{" "}},
		{Servers: []string{"127.0.0.1:1"}, Root: "nerve/services"},
		{Servers: []string{"127.0.0.1:1"}, Paths: map[string]string{"a": "relative"}},
		{Servers: []string{"127.0.0.1:1"}, Auth: []byte("no-colon-here")},
	} {
		if s, err := Open(context.Background(), o); err == nil {
			s.Close()
			t.Errorf("Open(%+v) accepted", o)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestFirstReadIsOneEvent(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "pre")
	for i := range 5 {
		n.Register(root+"/svc/services", "10.0.0.1", 2000+i)
	}
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	snap, evs := r.wait(t, 10*time.Second, 0, "first sync", synced)
	if sv := findSvc(snap, "svc"); sv == nil || len(sv.Registrations) != 5 {
		t.Fatalf("first read: %+v", sv)
	}
	for _, e := range evs {
		if e.Kind == sources.EventRegistered {
			t.Fatalf("the initial load produced per-node events: %s", e.Message)
		}
	}
	if !slices.ContainsFunc(evs, func(e sources.Event) bool {
		return e.Kind == sources.EventResync && strings.Contains(e.Message, "read 5 registrations in 1 services")
	}) {
		t.Fatalf("no load event:\n%s", dumpEvents(evs))
	}
}

func TestRootDeletedAndRecreated(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t) + "/services"
	p := root + "/svc/services/persist_0000000001"
	if err := z.Put(p, []byte(`{"host":"h","port":1}`)); err != nil {
		t.Fatal(err)
	}
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	r.wait(t, 10*time.Second, 0, "first sync", synced)
	m := r.mark()
	if err := z.Delete(root); err != nil {
		t.Fatal(err)
	}
	snap, _ := r.wait(t, eventWithin, m, "deregistration when the whole tree goes", func(s sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventDeregistered, p) != nil && len(s.Services) == 0 && strings.Contains(s.Err, "does not exist")
	})
	if snap.State != sources.StateConnected {
		t.Fatalf("a missing root is data, not a connection problem: %s", snap.State)
	}
	m = r.mark()
	if err := z.Put(p, []byte(`{"host":"h","port":2}`)); err != nil {
		t.Fatal(err)
	}
	snap, _ = r.wait(t, eventWithin, m, "registration when the tree comes back", func(s sources.Snapshot, evs []sources.Event) bool {
		return hasEvent(evs, sources.EventRegistered, p) != nil
	})
	if snap.Err != "" || findReg(snap, p).Port != 2 {
		t.Fatalf("after re-creation: Err %q, %+v", snap.Err, findReg(snap, p))
	}
}

// A recording needs every znode's version and each service znode's own
// data (usually empty), kept current by a watch; a one-shot read skips it.
func TestServiceDataAndVersion(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	if err := z.Put(root+"/svc_d", []byte("meta")); err != nil {
		t.Fatal(err)
	}
	n := z.Nerve(t, "v")
	p := n.Register(root+"/svc_d/services", "10.0.0.1", 8080)
	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	if sv := findSvc(snap, "svc_d"); sv == nil || string(sv.Data) != "meta" || sv.Data == nil {
		t.Fatalf("service %+v", sv)
	}
	if reg := findReg(snap, p); reg == nil || reg.Version != 0 {
		t.Fatalf("registration %+v", reg)
	}
	if _, err := n.Conn().Set(p, []byte(`{"host":"10.0.0.1","port":8081}`), -1); err != nil {
		t.Fatal(err)
	}
	m := r.mark()
	if err := z.Put(root+"/svc_d", []byte("meta2")); err != nil {
		t.Fatal(err)
	}
	r.wait(t, eventWithin, m, "service data and node version updated", func(s sources.Snapshot, _ []sources.Event) bool {
		sv, reg := findSvc(s, "svc_d"), findReg(s, p)
		return sv != nil && string(sv.Data) == "meta2" && reg != nil && reg.Version == 1 && reg.Port == 8081
	})
	// A service created later has its data read too; an empty one is empty, not unknown.
	m = r.mark()
	if err := z.Put(root+"/svc_e/services", nil); err != nil {
		t.Fatal(err)
	}
	snap, _ = r.wait(t, eventWithin, m, "new service", func(s sources.Snapshot, _ []sources.Event) bool {
		return findSvc(s, "svc_e") != nil && findSvc(s, "svc_e").Data != nil
	})
	if d := findSvc(snap, "svc_e").Data; len(d) != 0 {
		t.Fatalf("svc_e data %q", d)
	}
	// Synapse discovery paths have no service znode: its data is unknown.
	_, r2 := openSource(t, Options{Servers: []string{z.Addr}, Paths: map[string]string{"x": root + "/svc_d/services"}})
	snap, _ = r2.wait(t, 10*time.Second, 0, "first sync", synced)
	if sv := findSvc(snap, "x"); sv == nil || sv.Data != nil || len(sv.Registrations) != 1 {
		t.Fatalf("paths mode: %+v", sv)
	}
	// A source that reads once is never recorded: it does not read the data.
	_, r3 := openSource(t, Options{Servers: []string{z.Addr}, Root: root, Once: true})
	snap, _ = r3.wait(t, 10*time.Second, 0, "first sync", synced)
	if sv := findSvc(snap, "svc_d"); sv == nil || sv.Data != nil || len(sv.Registrations) != 1 {
		t.Fatalf("Once: %+v", sv)
	}
}

// TestOnceSetsNoWatches: a source that reads once leaves no watch on the
// server (ZooKeeper's own list of paths with data watches, wchp), where a
// live one watches each service znode and each registration.
func TestOnceSetsNoWatches(t *testing.T) {
	z := sharedZK(t)
	root := uniqRoot(t)
	n := z.Nerve(t, "once")
	p := n.Register(root+"/svc_o/services", "10.0.0.1", 8080)
	watched := func() []string {
		t.Helper()
		out, err := z.FourLetter("wchp")
		if err != nil {
			t.Fatalf("wchp: %v", err)
		}
		var paths []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, root) {
				paths = append(paths, l)
			}
		}
		return paths
	}

	_, r := openSource(t, Options{Servers: []string{z.Addr}, Root: root, Once: true})
	snap, _ := r.wait(t, 10*time.Second, 0, "first sync", synced)
	if findReg(snap, p) == nil {
		t.Fatalf("Once did not read %s: %+v", p, snap.Services)
	}
	if w := watched(); len(w) != 0 {
		t.Fatalf("a source that reads once left watches on %v", w)
	}

	_, r = openSource(t, Options{Servers: []string{z.Addr}, Root: root})
	r.wait(t, 10*time.Second, 0, "first sync", synced)
	if w := watched(); !slices.Contains(w, root+"/svc_o") || !slices.Contains(w, p) {
		t.Fatalf("a live source watches %v, want %s/svc_o and %s among them", w, root, p)
	}
}
