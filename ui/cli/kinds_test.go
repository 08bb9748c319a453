package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
)

// No front end compares a failure kind to a string literal: they use the
// smtp.Kind constants (or the remedy), so that renaming or adding a kind
// is a compile error here, not a silent mismatch. The scan covers the
// window (ui) and the command line (ui/cli): comparisons, switch cases and
// map keys whose literal is a kind's value.
func TestNoKindLiteralInFrontEnds(t *testing.T) {
	kinds := map[string]bool{}
	for _, k := range smtp.Kinds {
		kinds[string(k)] = true
	}
	var files []string
	for _, dir := range []string{".", ".."} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		isKind := func(e ast.Expr) bool {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return false
			}
			s, err := strconv.Unquote(lit.Value)
			return err == nil && kinds[s]
		}
		report := func(n ast.Node) {
			t.Errorf("%s: a failure kind compared as a string literal; use the smtp.Kind constant", fset.Position(n.Pos()))
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (isKind(n.X) || isKind(n.Y)) && mentionsKind(n) {
					report(n)
				}
			case *ast.SwitchStmt:
				if n.Tag != nil && mentionsKind(n.Tag) {
					for _, c := range n.Body.List {
						for _, e := range c.(*ast.CaseClause).List {
							if isKind(e) {
								report(e)
							}
						}
					}
				}
			case *ast.KeyValueExpr:
				// A set of kinds: map[string]bool{"dns": true, ...}.
				if isKind(n.Key) && mentionsKind(n) {
					report(n)
				}
			}
			return true
		})
	}
	if checked < 20 {
		t.Fatalf("only %d files scanned", checked)
	}
}

// mentionsKind reports whether n is about a failure kind: it names
// something with "kind" in its name (rep.Kind, e.LastKind, smtp.Kind), or
// it is a key of a set (a bool value), so that other string comparisons
// (flag values, states) are left alone.
func mentionsKind(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if strings.Contains(strings.ToLower(n.Name), "kind") {
				found = true
			}
		case *ast.KeyValueExpr:
			if v, ok := n.Value.(*ast.Ident); ok && (v.Name == "true" || v.Name == "false") {
				found = true
			}
		}
		return !found
	})
	return found
}
