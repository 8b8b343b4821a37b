package fleet

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stacktui/stacktui/internal/testenv"
)

// The fleet is read-only by construction: these tests fail if anything in
// this package could build a writer for a fleet socket, and if anything
// but reads ever reaches a real fleet host.

// TestNoWriterIsBuiltForAFleetSocket reads the package's own source: it
// must not import the HAProxy write commands, every client.Options it
// builds must say ReadOnly: true (the session is then lowered to `user`
// before its first read, so even a bug cannot write through it), and it
// must never call Exec (the client's one write path).
func TestNoWriterIsBuiltForAFleetSocket(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	literals := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasSuffix(p, "/haproxy/command") || strings.HasSuffix(p, "/actions") {
				t.Errorf("%s imports %s: the fleet must not even name a write", name, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Options" || !isIdent(sel.X, "client") {
					return true
				}
				literals++
				if !setsTrue(n, "ReadOnly") {
					t.Errorf("%s: client.Options at %s without ReadOnly: true: a fleet socket session could write", name, fset.Position(n.Pos()))
				}
			case *ast.SelectorExpr:
				if n.Sel.Name == "Exec" {
					t.Errorf("%s: call of Exec at %s: the fleet never sends a write", name, fset.Position(n.Pos()))
				}
			case *ast.AssignStmt:
				// o.ReadOnly = false, or any assignment to a ReadOnly field.
				for _, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "ReadOnly" {
						t.Errorf("%s: assignment to ReadOnly at %s", name, fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
	}
	if literals == 0 {
		t.Fatal("no client.Options literal found: the test no longer sees how sockets are opened")
	}
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// setsTrue reports whether the literal sets field to the constant true.
func setsTrue(lit *ast.CompositeLit, field string) bool {
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if ok && isIdent(kv.Key, field) && isIdent(kv.Value, "true") {
			return true
		}
	}
	return false
}

// TestFleetSendsOnlyReads polls two real HAProxy hosts, one through its
// stats page and one through an admin-level socket (the worst case: one
// that would take writes), both behind recorders, and finds only reads:
// GET for the page; for the socket, the session lowered to `user` before
// anything else, then `show` commands.
func TestFleetSendsOnlyReads(t *testing.T) {
	fl := testenv.NewFleet(t, testenv.FleetConfig{Hosts: 2, FirstIP: 120, Services: []testenv.HAService{{Name: "svc_a",
		Servers: []testenv.HAServer{{Name: "web1", Addr: "127.0.0.1:31001"}}}}})
	sock := testenv.RecordCommands(t, "tcp", fl.Hosts[1].Socket)

	var mu sync.Mutex
	var methods []string
	page, _ := url.Parse("http://" + fl.Hosts[0].StatsAddr)
	proxy := httputil.NewSingleHostReverseProxy(page)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods = append(methods, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	hosts := "page " + "http://" + ln.Addr().String() + "/;csv\nsocket tcp://" + sock.Addr + "\n"
	entries, err := ParseHosts([]byte(hosts))
	if err != nil {
		t.Fatal(err)
	}
	targets, err := Targets(entries, Template{})
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{Targets: targets, Refresh: 200 * time.Millisecond})
	p.Start(t.Context())
	reads := 0
	waitFleet(t, p, 30*time.Second, "both hosts read five times", func(s *Snapshot) bool {
		if s.Host("page").Reachable() && s.Host("socket").Reachable() {
			reads++
		}
		return reads >= 5
	})
	p.Close()

	cmds := sock.Commands()
	if len(cmds) < 3 || cmds[0] != "prompt" || cmds[1] != "user" {
		t.Fatalf("socket commands %q: want prompt, then user before anything else", cmds)
	}
	for _, c := range cmds {
		if c != "prompt" && c != "user" && c != "quit" && c != "" && !strings.HasPrefix(c, "show ") {
			t.Errorf("the fleet sent %q to a host's stats socket", c)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(methods) == 0 {
		t.Fatal("the stats page was never read")
	}
	for _, m := range methods {
		if !strings.HasPrefix(m, "GET ") {
			t.Errorf("the fleet sent %q to a host's stats page", m)
		}
	}
}
