//go:build !nogui

package i18n

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/smtpconf/smtpconf/smtp/l10n"
	_ "github.com/smtpconf/smtpconf/ui/i18n/localefix" // before Fyne's lang reads the locale
)

// mu guards Fyne's translation state. Fyne's lang package keeps its bundle
// and localizer in package variables with no lock of its own: adding
// translations (which is how the language is switched, see apply) replaces
// them, while sends, the outbox worker and detection translate on their
// own goroutines through smtp/l10n. Everything here that adds translations
// takes mu for writing; L, N, X and the translator given to smtp/l10n take
// it for reading.
//
// Fyne's widgets also call lang.L themselves, without mu; they do that on
// the UI thread, which is also the only thread that may call Use (see Use).
//
// A read lock must not be taken twice on one goroutine (a waiting writer
// would deadlock it), and a template that prints an error or a Stringer
// calls its Error or String method, which in this app often translates
// too. So such values are turned into text before the lock is taken (see
// plain).
var mu sync.RWMutex

// inFyneMode is set once the window has called Load: from then on the app's
// sentences are Fyne's translations. Until then (for the whole of every
// command-line run) L, N and Use are smtp/l10n's built-in translator over
// the same files, as in the headless build, so that a command neither reads
// the English catalog for its plural forms nor re-points Fyne's localizer
// (together about a tenth of a test send's time). It is set under mu, after
// Fyne has the catalog, so a reader that sees it waits for that to finish.
var inFyneMode atomic.Bool

// L translates the English sentence in; see lang.L.
func L(in string, data ...any) string {
	if !inFyneMode.Load() {
		return l10n.L(in, data...)
	}
	data = plainAll(data)
	mu.RLock()
	defer mu.RUnlock()
	return lang.L(in, data...)
}

// N translates a sentence with plural forms; in is the "other" form.
// data[0], when a map, gets Count added so the template can print it.
func N(in string, count int, data ...any) string {
	if !inFyneMode.Load() {
		return l10n.N(in, count, data...)
	}
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	d = plain(l10n.WithCount(d, count))
	mu.RLock()
	defer mu.RUnlock()
	return lang.N(in, count, d)
}

// translate is the translator smtp/l10n is pointed at.
func translate(key string, count int, data any) string {
	data = plain(data)
	mu.RLock()
	defer mu.RUnlock()
	if count >= 0 {
		return lang.N(key, count, data)
	}
	return lang.L(key, data)
}

// plain returns template data whose errors and Stringers (values of a map,
// or the data itself) are already text, so that executing the template
// calls no code that could translate, and take mu, again.
func plain(data any) any {
	if isNilPointer(data) {
		return data
	}
	switch d := data.(type) {
	case error:
		return d.Error()
	case fmt.Stringer:
		return d.String()
	case map[string]any:
		var c map[string]any
		for k, v := range d {
			if isNilPointer(v) {
				continue
			}
			var s string
			switch v := v.(type) {
			case error:
				s = v.Error()
			case fmt.Stringer:
				s = v.String()
			default:
				continue
			}
			if c == nil {
				c = make(map[string]any, len(d))
				for k, v := range d {
					c[k] = v
				}
			}
			c[k] = s
		}
		if c != nil {
			return c
		}
	}
	return data
}

// isNilPointer reports whether v is a nil pointer, whose Error or String
// method may not expect to be called; the template prints those itself.
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func plainAll(data []any) []any {
	if len(data) == 0 {
		return data
	}
	out := make([]any, len(data))
	for i, d := range data {
		out[i] = plain(d)
	}
	return out
}

var loadOnce sync.Once

// Load points smtp/l10n at Fyne's lang and gives Fyne the app's sentences
// for the language in use (more are added when the language changes). The
// window calls it before drawing anything; the command line never does (see
// inFyneMode).
func Load() {
	loadOnce.Do(func() {
		mu.Lock()
		defer mu.Unlock()
		l10n.Set(translate)
		apply()
		inFyneMode.Store(true)
	})
}

// Use switches the language: "" follows the system locale, "en" or "zh" (or
// anything smtp/l10n.Normalize understands) picks one. Widgets already drawn
// keep their text; the window rebuilds itself. It reports false, changing
// nothing, for a language there is no translation for.
//
// Use must only be called on the UI thread (in Fyne, the main thread, from
// an event handler or fyne.Do), or before the window starts: Fyne's own
// widgets read the translations there without taking any lock, so only
// there can the language change under them without a data race. Other
// goroutines translate through L, N, X and smtp/l10n, which wait for the
// switch to finish.
func Use(code string) bool {
	if !inFyneMode.Load() {
		return l10n.Use(code) // Load applies it to Fyne, if it comes
	}
	mu.Lock()
	defer mu.Unlock()
	if !l10n.Use(code) {
		return false
	}
	apply()
	return true
}

// localeOf is the locale the LC_ALL variable names while Fyne picks l10n's
// language.
var localeOf = map[string]string{"en": "en_US.UTF-8", "zh": "zh_CN.UTF-8"}

// apply points Fyne's localizer at l10n's language; mu must be held for
// writing. Fyne picks its language from the environment (LANGUAGE, then
// LC_ALL...) whenever translations are added, and has no other way to choose
// one, so LC_ALL is set (and LANGUAGE unset) for that moment and put back
// afterwards, even if Fyne panics: programs the app starts (the browser)
// keep the person's locale.
//
// Changing the process's environment for a moment is acceptable because
// apply only runs on the UI thread, which in Fyne is the main (GLFW)
// thread, and before the window starts: the C code of the window, which
// could read the environment without Go's lock, runs on that very thread
// and is busy here. Go's own access to the environment (os.Getenv,
// os.Environ) holds a lock, so a program started by os/exec from another
// goroutine copies a consistent environment: at worst, started in that
// instant, it inherits the chosen language as its LC_ALL.
func apply() {
	code := l10n.Language()
	if code == applied {
		return // Fyne speaks it already (Load, then Use of the same language)
	}
	applied = code
	restore := setLocaleEnv(localeOf[code])
	defer restore()
	// Adding translations is what makes Fyne read the locale again. The
	// first time a language is used its catalog goes in; after that the
	// small English one (plural forms only) is added again, which changes
	// nothing else.
	if !inFyne[code] {
		inFyne[code] = true
		for _, loc := range fyneLocales[code] {
			if err := lang.AddTranslationsForLocale(l10n.Catalog(code), loc); err != nil {
				fyne.LogError("loading translations for "+string(loc), err)
			}
		}
		return
	}
	if err := lang.AddTranslationsForLocale(l10n.Catalog("en"), "en"); err != nil {
		fyne.LogError("switching language", err)
	}
}

// inFyne records which languages' catalogs Fyne has, and applied the one
// Fyne was last pointed at; mu guards both.
var (
	inFyne  = map[string]bool{}
	applied string
)

// fyneLocales are the locales a catalog is added under. Fyne's own Chinese
// strings are "zh-Hans", so a Chinese system is matched to that tag; the
// app's Chinese goes there as well as under "zh", or it would be English.
var fyneLocales = map[string][]fyne.Locale{"en": {"en"}, "zh": {"zh-Hans", "zh"}}

// setLocaleEnv sets LC_ALL to tag and unsets LANGUAGE, which outranks it in
// Fyne's reading, and returns the function that puts both back.
func setLocaleEnv(tag string) (restore func()) {
	old, had := os.LookupEnv("LC_ALL")
	oldLanguage, hadLanguage := os.LookupEnv("LANGUAGE")
	restore = func() {
		var err error
		if had {
			err = os.Setenv("LC_ALL", old)
		} else {
			err = os.Unsetenv("LC_ALL")
		}
		if hadLanguage {
			err = errors.Join(err, os.Setenv("LANGUAGE", oldLanguage))
		}
		if err != nil {
			fyne.LogError("restoring the locale", err)
		}
	}
	os.Setenv("LC_ALL", tag)
	os.Unsetenv("LANGUAGE")
	return restore
}
