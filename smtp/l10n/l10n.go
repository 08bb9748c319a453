// Package l10n lets the domain code say things a person reads (hints,
// validation messages, preset notes, the test message) in that person's
// language without importing Fyne: smtp/ must build and test without the GUI.
//
// Sentences are written in English and the English is the key, as with
// fyne.io/fyne/v2/lang's L: l10n.L("Port {{.Port}} expects SSL/TLS.",
// map[string]any{"Port": 465}). The front ends (the window and the command
// line) install their translator with Set at start-up; until then, and in
// the headless build, the built-in translator (Builtin) reads the same files.
// Every sentence passed to L or N must be a key in assets/translations/*.json;
// a test in ui/ checks that.
package l10n

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
)

// Translator translates one sentence. key is the English sentence (the
// "other" form for plurals), count is the number a plural depends on, or -1
// when the sentence has no plural forms. data fills the template.
type Translator func(key string, count int, data any) string

var current atomic.Pointer[Translator]

// Set installs t as the translator for all later calls; nil restores English.
func Set(t Translator) {
	if t == nil {
		current.Store(nil)
		return
	}
	current.Store(&t)
}

// L translates the English sentence in, filling its template from data[0].
func L(in string, data ...any) string {
	return translate(in, -1, data)
}

// N translates a sentence whose form depends on count ("1 attempt",
// "{{.Count}} attempts"). in is the plural ("other") form, which is also the key.
// The template's data gets Count when data is a map or absent.
func N(in string, count int, data ...any) string {
	return translate(in, count, data)
}

func translate(in string, count int, data []any) string {
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	if count >= 0 {
		d = WithCount(d, count)
	}
	if t := current.Load(); t != nil {
		return (*t)(in, count, d)
	}
	return Builtin(in, count, d)
}

// WithCount adds Count to map data (or makes a map when d is nil) so plural
// templates can print the number.
func WithCount(d any, count int) any {
	switch m := d.(type) {
	case nil:
		return map[string]any{"Count": count}
	case map[string]any:
		if _, ok := m["Count"]; ok {
			return m
		}
		c := make(map[string]any, len(m)+1)
		for k, v := range m {
			c[k] = v
		}
		c["Count"] = count
		return c
	}
	return d
}

// Fill executes the template in with data, returning in unchanged when it
// has no template actions or does not parse.
func Fill(in string, data any) string {
	if !strings.Contains(in, "{{") {
		return in
	}
	if s, ok := fillFields(in, data); ok {
		return s
	}
	t, err := template.New("").Option("missingkey=zero").Parse(in)
	if err != nil {
		return in
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return in
	}
	return b.String()
}

// Data translates a sentence that comes as data rather than from the code,
// such as a preset's name or note: when the translation files have it, as
// L does; otherwise it is returned as it is (brand names such as "Fastmail"
// have no translation), without asking the translator, which in the window
// would log each miss.
func Data(s string) string {
	// In English such a sentence is its own translation: the catalog need
	// not be read to find that out.
	if s == "" || Language() == "en" && !strings.Contains(s, "{{") || !known()[s] {
		return s
	}
	return L(s)
}

// known are the keys of the translation files, read once on first use.
var known = sync.OnceValue(func() map[string]bool {
	var all map[string]json.RawMessage
	_ = json.Unmarshal(Catalog("zh"), &all)
	keys := make(map[string]bool, len(all))
	for k := range all {
		keys[k] = true
	}
	return keys
})
