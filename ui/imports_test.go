package ui

import (
	"github.com/stacktui/stacktui/internal/testenv"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the packages that hold connections or write: the UI must
// reach them only through actions.Executor.
var forbidden = []string{
	"github.com/go-zookeeper/zk",
	"github.com/hashicorp/serf/client",
	"github.com/stacktui/stacktui/haproxy/client",
	"github.com/stacktui/stacktui/haproxy/command",
}

// TestImports parses every non-test file of the package and fails when one
// imports a client or write package, or a sources subpackage (adapters).
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range forbidden {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("%s imports %s: the UI must not hold connections or write (go through actions.Executor)", f, p)
				}
			}
			if strings.HasPrefix(p, "github.com/stacktui/stacktui/sources/") {
				t.Errorf("%s imports %s: the UI may use sources' model types only, not its adapters", f, p)
			}
			// termtext is pure (it makes outside text printable) and display
			// only draws on the terminal; the other internal packages wire
			// sources and writers.
			if strings.HasPrefix(p, "github.com/stacktui/stacktui/internal/") &&
				p != "github.com/stacktui/stacktui/internal/termtext" && p != "github.com/stacktui/stacktui/internal/display" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
	if n == 0 {
		t.Fatal("no source files parsed")
	}
}

// TestImportsTransitive checks with `go list -deps` that no package the UI
// imports for display (everything but actions, the one sanctioned door to
// writes) pulls a client or write package in.
func TestImportsTransitive(t *testing.T) {
	testenv.Need(t, "go")
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var direct []string
	for _, p := range strings.Fields(string(out)) {
		if p == "github.com/stacktui/stacktui/actions" || !strings.Contains(p, ".") {
			continue // actions is the sanctioned door; standard library is fine
		}
		direct = append(direct, p)
	}
	args := append([]string{"list", "-deps"}, direct...)
	deps, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, d := range strings.Fields(string(deps)) {
		for _, bad := range forbidden {
			if d == bad || strings.HasPrefix(d, bad+"/") {
				t.Errorf("a display dependency of ui pulls in %s", d)
			}
		}
	}
}
