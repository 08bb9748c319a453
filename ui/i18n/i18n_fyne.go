//go:build !nogui

package i18n

import (
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/smtpconf/smtpconf/assets"
	"github.com/smtpconf/smtpconf/smtp/l10n"
	_ "github.com/smtpconf/smtpconf/ui/i18n/localefix" // before Fyne's lang reads the locale
)

// L translates the English sentence in; see lang.L.
func L(in string, data ...any) string { load(); return lang.L(in, data...) }

// N translates a sentence with plural forms; in is the "other" form.
// data[0], when a map, gets Count added so the template can print it.
func N(in string, count int, data ...any) string {
	load()
	var d any
	if len(data) > 0 {
		d = data[0]
	}
	return lang.N(in, count, l10n.WithCount(d, count))
}

// X translates key, using fallback when there is no translation.
func X(key, fallback string, data ...any) string { load(); return lang.X(key, fallback, data...) }

var loadOnce sync.Once

// translationAliases are locales a translation file also serves. Fyne's own
// Chinese strings are "zh-Hans", so a Chinese system is matched to that tag;
// zh.json is added to it as well, or the app's strings would be English.
var translationAliases = map[string]fyne.Locale{"zh.json": "zh-Hans"}

// Load adds the app's translations to Fyne's and points smtp/l10n at them.
// Every function here calls it; the window calls it before drawing anything.
func Load() { load() }

func load() {
	loadOnce.Do(func() {
		for name, loc := range translationAliases {
			data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name)
			if err == nil {
				err = lang.AddTranslationsForLocale(data, loc)
			}
			if err != nil {
				fyne.LogError("loading translations "+name, err)
			}
		}
		if err := lang.AddTranslationsFS(assets.Translations, assets.TranslationsDir); err != nil {
			fyne.LogError("loading translations", err)
		}
		l10n.Set(func(key string, count int, data any) string {
			if count >= 0 {
				return lang.N(key, count, data)
			}
			return lang.L(key, data)
		})
		apply()
	})
}

// Use switches the language: "" follows the system locale, "en" or "zh" (or
// anything smtp/l10n.Normalize understands) picks one. Widgets already drawn
// keep their text; the window rebuilds itself. It reports false, changing
// nothing, for a language there is no translation for.
func Use(code string) bool {
	load()
	if !l10n.Use(code) {
		return false
	}
	apply()
	return true
}

var applyMu sync.Mutex

// apply points Fyne's localizer at l10n's language. Fyne picks its language
// from the environment (LC_ALL first) whenever translations are added, and
// has no other way to choose one, so the variable is set for that moment
// and put back: programs the app starts (the browser) keep the person's
// locale.
func apply() {
	applyMu.Lock()
	defer applyMu.Unlock()
	tag := map[string]string{"en": "en_US.UTF-8", "zh": "zh_CN.UTF-8"}[l10n.Language()]
	old, had := os.LookupEnv("LC_ALL")
	oldLanguage, hadLanguage := os.LookupEnv("LANGUAGE") // it outranks LC_ALL in Fyne's reading
	os.Setenv("LC_ALL", tag)
	os.Unsetenv("LANGUAGE")
	// Re-adding English changes nothing but makes Fyne read the locale again.
	data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/en.json")
	if err == nil {
		err = lang.AddTranslationsForLocale(data, "en")
	}
	if err != nil {
		fyne.LogError("switching language", err)
	}
	if had {
		os.Setenv("LC_ALL", old)
	} else {
		os.Unsetenv("LC_ALL")
	}
	if hadLanguage {
		os.Setenv("LANGUAGE", oldLanguage)
	}
}
