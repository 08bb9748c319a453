//go:build !nogui

package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/smtpconf/smtpconf/assets"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// usedKeys finds the literal strings passed to lang.L, lang.N and lang.X in
// the package's non-test files.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "lang" || (sel.Sel.Name != "L" && sel.Sel.Name != "N" && sel.Sel.Name != "X") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: lang.%s with a non-literal key cannot be checked", fset.Position(call.Pos()), sel.Sel.Name)
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			keys[s] = fset.Position(call.Pos()).String()
			return true
		})
	}
	return keys
}

func readTranslations(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// A sentence with plural forms is {"one": …, "other": …}; its "other"
	// form stands for it here.
	m := map[string]string{}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) != nil {
			var forms map[string]string
			if err := json.Unmarshal(v, &forms); err != nil {
				t.Fatalf("%s: %q: %v", name, k, err)
			}
			s = forms["other"]
		}
		m[k] = s
	}
	return m
}

func TestEveryStringIsTranslated(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found only %d translatable strings; is the scan broken?", len(used))
	}
	for _, lang := range []string{"en.json", "zh.json"} {
		tr := readTranslations(t, lang)
		for k, where := range used {
			v, ok := tr[k]
			if !ok || strings.TrimSpace(v) == "" {
				t.Errorf("%s has no translation for %q (%s)", lang, k, where)
				continue
			}
			// Template fields must survive translation.
			for _, f := range templateFields(k) {
				if !strings.Contains(v, f) {
					t.Errorf("%s: the translation of %q lacks %s", lang, k, f)
				}
			}
		}
	}
}

func templateFields(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return out
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return out
		}
		out = append(out, s[i:i+j+2])
		s = s[i+j+2:]
	}
}

func TestChineseTranslationIsUsed(t *testing.T) {
	defer func() {
		i18n.Use("en")
		if got := lang.L("Next"); got != "Next" {
			t.Fatalf("back in English, Next is %q", got)
		}
	}()
	if !i18n.Use("zh") {
		t.Fatal("Use(zh) refused")
	}
	zh := readTranslations(t, "zh.json")
	if got := lang.L("Next"); got != zh["Next"] || got == "Next" {
		t.Errorf("in Chinese, Next is %q, want %q", got, zh["Next"])
	}
	if got := lang.L("Port changed to {{.Port}}, the usual port for {{.Security}}.", map[string]any{"Port": 587, "Security": "STARTTLS"}); !strings.Contains(got, "587") || !strings.Contains(got, "STARTTLS") {
		t.Errorf("templated Chinese string = %q", got)
	}
}
