package i18n

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/smtpconf/smtpconf/assets"
)

// entry is one translation: a plain string, or plural forms ("one", "other").
type entry map[string]string

func (e *entry) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*e = entry{"other": s}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*e = m
	return nil
}

func catalog(t *testing.T, name string) map[string]entry {
	t.Helper()
	data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]entry{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

var reserved = map[string]bool{"id": true, "description": true, "hash": true, "leftdelim": true,
	"rightdelim": true, "zero": true, "one": true, "two": true, "few": true, "many": true, "other": true}

var placeholder = regexp.MustCompile(`{{[^}]*}}`)

func placeholders(s string) string {
	p := placeholder.FindAllString(s, -1)
	sort.Strings(p)
	return strings.Join(slicesCompact(p), " ")
}

func slicesCompact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// sameInChinese are sentences whose Chinese is rightly the same as the
// English: names and technical words that Chinese providers write in Latin
// letters too.
var sameInChinese = map[string]bool{
	"English": true, "简体中文": true, "SSL/TLS": true, "STARTTLS": true, "HELO": true,
	"OK": true, "CRAM-MD5": true, "PLAIN": true, "LOGIN": true, "XOAUTH2": true,
	"SMTP": true, "SMTP Configurator": true, "Gmail": true, "Outlook.com": true, "Microsoft 365": true,
	"Ann Example": true, "ann@example.com": true,
}

func TestCatalogsMatch(t *testing.T) {
	en := catalog(t, "en.json")
	zh := catalog(t, "zh.json")
	if len(en) < 100 {
		t.Fatalf("en.json has only %d keys", len(en))
	}
	for k, e := range en {
		if e["other"] != k {
			t.Errorf("en.json: %q: the English (other form) must equal the key, is %q", k, e["other"])
		}
		z, ok := zh[k]
		if !ok {
			t.Errorf("zh.json lacks %q", k)
			continue
		}
		if z["other"] == "" {
			t.Errorf("zh.json: %q is empty", k)
		}
		if z["other"] == k && !sameInChinese[k] && containsLetters(k) {
			t.Errorf("zh.json: %q is not translated (identical to the English)", k)
		}
		for form, s := range e {
			if form == "one" {
				// "1 day" rightly leaves out {{.Count}}; nothing else may differ.
				if placeholders(strings.ReplaceAll(e["one"], "{{.Count}}", "")) != placeholders(strings.ReplaceAll(k, "{{.Count}}", "")) {
					t.Errorf("en.json: %q: the one form %q has other placeholders", k, e["one"])
				}
				continue
			}
			if placeholders(s) != placeholders(z["other"]) {
				t.Errorf("placeholders differ for %q (%s form): en %q, zh %q", k, form, placeholders(s), placeholders(z["other"]))
			}
		}
		for form, s := range z {
			if s == "" || placeholders(s) != placeholders(k) {
				t.Errorf("zh.json: %q form %s = %q: placeholders %q, want %q", k, form, s, placeholders(s), placeholders(k))
			}
		}
	}
	for _, m := range []map[string]entry{en, zh} {
		for k := range m {
			// go-i18n reads a file whose top level has one of these keys as a
			// single message, and every sentence in it is lost.
			if reserved[strings.ToLower(k)] {
				t.Errorf("%q is a key go-i18n reserves; reword it (e.g. add a word)", k)
			}
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("zh.json has %q, which en.json lacks", k)
		}
	}
	t.Logf("%d keys in each language", len(en))
}

var lettersRE = regexp.MustCompile(`[A-Za-z]{2,}`)

func containsLetters(s string) bool {
	return lettersRE.MatchString(placeholder.ReplaceAllString(s, ""))
}

// sourceFiles lists the module's non-test Go files under dirs (relative to
// the module root), recursively.
func sourceFiles(t *testing.T, dirs ...string) []string {
	t.Helper()
	root := filepath.Join("..", "..")
	var files []string
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if de.IsDir() && (de.Name() == "testdata" || strings.HasPrefix(de.Name(), ".")) {
				return filepath.SkipDir
			}
			if !de.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(files) == 0 {
		t.Fatal("no source files found")
	}
	return files
}

// translators are the calls whose first argument is an English key.
var translators = map[string]map[string]bool{
	"lang": {"L": true, "N": true, "X": false, "XN": false},
	"i18n": {"L": true, "N": true},
	"l10n": {"L": true, "N": true},
}

// isTranslation reports whether call is a translator call, and the index of
// its key argument.
func isTranslation(call *ast.CallExpr) (bool, int) {
	var pkg, name string
	switch f := call.Fun.(type) {
	case *ast.SelectorExpr:
		id, ok := f.X.(*ast.Ident)
		if !ok {
			return false, 0
		}
		pkg, name = id.Name, f.Sel.Name
	case *ast.Ident: // inside package i18n or l10n itself
		return false, 0
	default:
		return false, 0
	}
	fns, ok := translators[pkg]
	if !ok {
		return false, 0
	}
	if _, ok := fns[name]; !ok {
		return false, 0
	}
	return true, 0
}

func stringLit(e ast.Expr) (string, bool) {
	switch v := e.(type) {
	case *ast.BasicLit:
		if v.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(v.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if v.Op != token.ADD {
			return "", false
		}
		a, ok1 := stringLit(v.X)
		b, ok2 := stringLit(v.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return stringLit(v.X)
	}
	return "", false
}

// TestEveryKeyIsInTheCatalog: every literal sentence handed to a translator,
// anywhere in the program, is a key of en.json (and so, by
// TestCatalogsMatch, of zh.json).
func TestEveryKeyIsInTheCatalog(t *testing.T) {
	en := catalog(t, "en.json")
	fset := token.NewFileSet()
	found := 0
	for _, f := range sourceFiles(t, "ui", "smtp", ".") {
		if filepath.Dir(f) == filepath.Join("..", "..") && filepath.Base(f) != "main.go" {
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
			tr, i := isTranslation(call)
			if !tr || len(call.Args) <= i {
				return true
			}
			s, ok := stringLit(call.Args[i])
			if !ok {
				return true // a key held in data (preset notes): checked where the data lives
			}
			found++
			if _, ok := en[s]; !ok {
				t.Errorf("%s: %q is not in assets/translations/en.json", fset.Position(call.Pos()), s)
			}
			return true
		})
	}
	if found < 100 {
		t.Errorf("found only %d translated sentences; is the scan looking in the right place?", found)
	}
}

// sinks are the calls whose string arguments a person reads: widget
// constructors and setters, dialogs, menus, notifications, and printing.
var sinks = map[string]bool{
	// Fyne widgets, containers, dialogs, menus
	"NewLabel": true, "NewLabelWithStyle": true, "NewButton": true, "NewButtonWithIcon": true,
	"NewCheck": true, "NewHyperlink": true, "NewCard": true, "NewRichTextFromMarkdown": true,
	"NewRichTextWithText": true, "NewAccordionItem": true, "NewFormItem": true, "NewRadioGroup": true,
	"NewSelect": true, "NewTabItem": true, "NewTabItemWithIcon": true, "NewMenuItem": true, "NewMenu": true,
	"SetText": true, "SetPlaceHolder": true, "SetTitle": true, "SetSubTitle": true, "SetOptions": true,
	"ShowInformation": true, "NewInformation": true, "NewConfirm": true, "ShowConfirm": true,
	"NewCustom": true, "ShowCustom": true, "NewCustomConfirm": true, "ShowCustomConfirm": true,
	"NewCustomWithoutButtons": true, "NewForm": true, "NewFormDialog": true, "ShowForm": true,
	"NewNotification": true, "NewWindow": true, "NewTextSegment": true, "SetConfirmText": true,
	"SetDismissText": true, "NewProgressBarInfinite": false,
	// printing to a person
	"Fprintf": true, "Fprintln": true, "Fprint": true, "Printf": true, "Println": true, "Print": true,
	"Errorf": true, "New": true, // errors.New / fmt.Errorf: their text reaches the person
}

// technical words may appear untranslated: protocol names, flag syntax,
// placeholders for values.
var technical = regexp.MustCompile(`(?i)^(STARTTLS|SSL|TLS|SMTP|SMTPS|JSON|HELO|EHLO|AUTH|PLAIN|LOGIN|CRAM|MD5|XOAUTH2|SASL|OAuth2?|ID|URL|http|https|localhost|smtpconf|UTF|PEM|CA|DNS|MX|SRV|IPv[46]|[a-z]+\.[a-z]+|\w+_\w+)$`)

// allowed are whole literals that are not sentences: formats, separators,
// and output meant for programs (JSON documents, cron lines).
var allowed = map[string]bool{}

var (
	verbRE     = regexp.MustCompile(`%[-+# 0-9.*]*[a-zA-Z%]`)
	wordRE     = regexp.MustCompile(`[A-Za-z][A-Za-z'’-]+`)
	flagRE     = regexp.MustCompile(`--?[a-z][a-z0-9-]*`)
	addressRE  = regexp.MustCompile(`[\w.+-]*@?[\w-]+(\.[\w-]+)+`) // ann@example.com, smtp.example.com
	escapeSeqs = strings.NewReplacer(`\n`, " ", `\t`, " ")
)

// prose reports whether s reads as words meant for a person: at least one
// word of two or more letters that is not technical, once format verbs,
// template actions and flags are removed.
func prose(s string) bool {
	if allowed[s] {
		return false
	}
	s = verbRE.ReplaceAllString(s, " ")
	s = placeholder.ReplaceAllString(s, " ")
	s = flagRE.ReplaceAllString(s, " ")
	s = addressRE.ReplaceAllString(s, " ")
	s = escapeSeqs.Replace(s)
	for _, w := range wordRE.FindAllString(s, -1) {
		if len(w) >= 2 && !technical.MatchString(w) {
			return true
		}
	}
	return false
}

// TestNoSentenceBypassesTranslation fails when a string literal with words
// in it is handed straight to a widget, a dialog or a print call in the
// window or the command line, instead of through lang/i18n.
func TestNoSentenceBypassesTranslation(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	for _, f := range sourceFiles(t, "ui") {
		if strings.Contains(f, string(os.PathSeparator)+"i18n"+string(os.PathSeparator)) {
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
			if tr, _ := isTranslation(call); tr {
				return false // what is inside a translator call is a key
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			case *ast.Ident:
				name = fn.Name
			}
			if !sinks[name] {
				return true
			}
			checked++
			for _, a := range call.Args {
				checkArg(t, fset, name, a)
			}
			return true
		})
	}
	if checked < 100 {
		t.Errorf("checked only %d calls; is the scan looking in the right place?", checked)
	}
}

// checkArg reports literal prose in a sink's argument, looking inside
// fmt.Sprintf calls, string concatenations and literal slices.
func checkArg(t *testing.T, fset *token.FileSet, sink string, a ast.Expr) {
	t.Helper()
	if s, ok := stringLit(a); ok {
		if prose(s) {
			t.Errorf("%s: %q reaches the person through %s without lang/i18n", fset.Position(a.Pos()), s, sink)
		}
		return
	}
	switch v := a.(type) {
	case *ast.CallExpr:
		if tr, _ := isTranslation(v); tr {
			return
		}
		if sel, ok := v.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Sprintf" || sel.Sel.Name == "Sprint" || sel.Sel.Name == "Sprintln") {
			for _, b := range v.Args {
				checkArg(t, fset, sink, b)
			}
		}
	case *ast.BinaryExpr:
		checkArg(t, fset, sink, v.X)
		checkArg(t, fset, sink, v.Y)
	case *ast.CompositeLit:
		for _, e := range v.Elts {
			checkArg(t, fset, sink, e)
		}
	}
}

func TestProse(t *testing.T) {
	for s, want := range map[string]bool{
		"%s\n": false, "%-12s %s\n": false, "{{.Host}}:{{.Port}}": false, "STARTTLS": false,
		"--json": false, "smtpconf": false, "  ": false, "%s: %w": false,
		"ann@example.com": false, "smtp.example.com": false,
		"Sent": true, "could not open %s": true, "Usage: smtpconf": true,
	} {
		if got := prose(s); got != want {
			t.Errorf("prose(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestNoUnusedKeys: every key of the catalog appears as a string literal
// somewhere in the program (a translator call, a preset's name or note, a
// hint kept in a variable), so translators are not asked to keep sentences
// nobody reads.
func TestNoUnusedKeys(t *testing.T) {
	literals := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range sourceFiles(t, "ui", "smtp", ".") {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		// String constants built from other constants ("..." + hintSessionOnly)
		// count with their value.
		consts := map[string]string{}
		for changed := true; changed; {
			changed = false
			ast.Inspect(file, func(n ast.Node) bool {
				vs, ok := n.(*ast.ValueSpec)
				if !ok {
					return true
				}
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						break
					}
					if _, done := consts[name.Name]; done {
						continue
					}
					if v, ok := constString(vs.Values[i], consts); ok {
						consts[name.Name], changed = v, true
					}
				}
				return true
			})
		}
		for _, v := range consts {
			literals[v] = true
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if e, ok := n.(ast.Expr); ok {
				if s, ok := stringLit(e); ok {
					literals[s] = true
				}
			}
			return true
		})
	}
	for k := range catalog(t, "en.json") {
		if !literals[k] {
			t.Errorf("en.json has %q, which the program never uses", k)
		}
	}
}

// constString evaluates a string expression of literals and known constants.
func constString(e ast.Expr, consts map[string]string) (string, bool) {
	switch v := e.(type) {
	case *ast.Ident:
		s, ok := consts[v.Name]
		return s, ok
	case *ast.BinaryExpr:
		if v.Op != token.ADD {
			return "", false
		}
		a, ok1 := constString(v.X, consts)
		b, ok2 := constString(v.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return constString(v.X, consts)
	}
	return stringLit(e)
}
