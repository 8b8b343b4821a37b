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

// TestExportedNamesHaveDocs enforces the house style: every exported name
// has a doc comment that starts with its name.
func TestExportedNamesHaveDocs(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range []string{".", "hacheck"} {
		pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			for fname, f := range p.Files {
				check := func(name string, doc *ast.CommentGroup, grouped bool) {
					if !ast.IsExported(name) {
						return
					}
					if doc == nil {
						if !grouped {
							t.Errorf("%s: %s has no doc comment", fname, name)
						}
						return
					}
					if text := doc.Text(); !grouped && !strings.HasPrefix(text, name+" ") && !strings.HasPrefix(text, "The ") && !strings.HasPrefix(text, "A ") {
						t.Errorf("%s: the doc of %s does not start with its name: %q", fname, name, firstLine(text))
					}
				}
				for _, d := range f.Decls {
					switch d := d.(type) {
					case *ast.FuncDecl:
						if d.Recv != nil && !ast.IsExported(strings.TrimPrefix(types(d.Recv.List[0].Type), "*")) {
							continue // methods of unexported types implement interfaces
						}
						check(d.Name.Name, d.Doc, false)
					case *ast.GenDecl:
						for _, s := range d.Specs {
							switch s := s.(type) {
							case *ast.TypeSpec:
								doc := s.Doc
								if doc == nil {
									doc = d.Doc
								}
								check(s.Name.Name, doc, false)
							case *ast.ValueSpec:
								for _, n := range s.Names {
									// Constants and variables in a documented group share its doc.
									check(n.Name, firstNonNil(s.Doc, s.Comment, d.Doc), d.Lparen.IsValid() && d.Doc != nil)
								}
							}
						}
					}
				}
			}
		}
	}
}

func firstNonNil(cs ...*ast.CommentGroup) *ast.CommentGroup {
	for _, c := range cs {
		if c != nil {
			return c
		}
	}
	return nil
}
