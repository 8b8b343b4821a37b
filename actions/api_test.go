package actions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// parsePackage parses the package's non-test files.
func parsePackage(t *testing.T) []*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, p := range pkgs {
		for _, f := range p.Files {
			files = append(files, f)
		}
	}
	return files
}

func mentionsAction(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "Action" {
			found = true
		}
		return true
	})
	return found
}

// TestOnlyRunAppliesActions proves by the source that no exported way to
// apply an Action exists besides Executor.Run: Run is the only exported
// function or method taking an Action, and the only caller of apply.
func TestOnlyRunAppliesActions(t *testing.T) {
	var takers, appliers []string
	for _, f := range parsePackage(t) {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fn.Name.Name
			if fn.Recv != nil && len(fn.Recv.List) == 1 {
				name = strings.TrimPrefix(types(fn.Recv.List[0].Type), "*") + "." + name
			}
			if fn.Name.IsExported() {
				for _, p := range fn.Type.Params.List {
					if mentionsAction(p.Type) {
						takers = append(takers, name)
					}
				}
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "apply" {
						appliers = append(appliers, name)
					}
				}
				return true
			})
		}
	}
	if len(takers) != 1 || takers[0] != "Executor.Run" {
		t.Errorf("exported functions taking an Action: %v; want only Executor.Run", takers)
	}
	if len(appliers) != 1 || appliers[0] != "Executor.Run" {
		t.Errorf("callers of apply: %v; want only Executor.Run", appliers)
	}
}

// TestActionCannotBeImplementedOutside: the Action interface has unexported
// methods, so another package cannot make its own.
func TestActionCannotBeImplementedOutside(t *testing.T) {
	for _, f := range parsePackage(t) {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || ts.Name.Name != "Action" {
				return true
			}
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				t.Fatal("Action is not an interface")
			}
			unexported := 0
			for _, m := range it.Methods.List {
				for _, n := range m.Names {
					if !n.IsExported() {
						unexported++
					}
				}
			}
			if unexported == 0 {
				t.Error("Action has no unexported method: other packages could implement it")
			}
			return false
		})
	}
}

func types(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return "*" + types(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}
