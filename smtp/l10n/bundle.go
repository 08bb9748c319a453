package l10n

import (
	"encoding/json"

	"strings"
	"sync"

	"github.com/jeandeaual/go-locale"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/smtpconf/smtpconf/assets"
)

// The built-in translator reads the same files as the window
// (assets/translations) with go-i18n, the library under Fyne's lang package,
// so the headless build, which links no Fyne, speaks the same languages with
// the same templates and plural rules.

var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	tags       []language.Tag // the languages there are files for; English first

	// mu guards the choice and the localizer made for it. The bundle is
	// only written inside bundleOnce and read-only afterwards, and go-i18n
	// localizes concurrently (it parses each template once, under a
	// sync.Once), so Localize runs outside mu on the localizer it returned.
	mu        sync.Mutex
	chosen    string // "" follows the system locale
	localizer *i18n.Localizer
	active    language.Tag
)

func loadBundle() {
	bundle = i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	tags = []language.Tag{language.English}
	entries, _ := assets.Translations.ReadDir(assets.TranslationsDir)
	for _, e := range entries {
		data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + e.Name())
		if err != nil {
			continue
		}
		f, err := bundle.ParseMessageFileBytes(data, e.Name())
		if err != nil || f.Tag == language.English {
			continue
		}
		tags = append(tags, f.Tag)
	}
}

// Languages are the codes Use accepts besides "": "en" and "zh".
var Languages = []string{"en", "zh"}

// Normalize maps what a person may type or a system may report (zh_CN.UTF-8,
// zh-Hans, zh_SG, en_GB) to one of Languages, or "" when there is no
// translation for it. Traditional Chinese (zh_TW, zh_HK, zh-Hant) has no
// translation of its own; it gets Simplified Chinese, which its readers can
// read, rather than English.
func Normalize(code string) string {
	code = strings.TrimSpace(code)
	if i := strings.IndexAny(code, ".@"); i >= 0 {
		code = code[:i]
	}
	code = strings.ReplaceAll(code, "_", "-")
	if code == "" || code == "C" || code == "POSIX" {
		return ""
	}
	tag, err := language.Parse(code)
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	switch base.String() {
	case "en":
		return "en"
	case "zh":
		return "zh"
	}
	return ""
}

// SystemLanguage is the language the system locale asks for (LC_ALL,
// LC_MESSAGES, LANG, then LANGUAGE's list), "en" when none is translated.
func SystemLanguage() string {
	locs, _ := locale.GetLocales()
	for _, l := range locs {
		if n := Normalize(l); n != "" {
			return n
		}
	}
	return "en"
}

// Use picks the language of the built-in translator: "" follows the system
// locale, otherwise a code Normalize understands. It reports whether code was
// understood; an unknown code leaves the language as it was.
func Use(code string) bool {
	n := Normalize(code)
	if code != "" && n == "" {
		return false
	}
	mu.Lock()
	chosen = n
	localizer = nil
	mu.Unlock()
	return true
}

// Language is the language the built-in translator speaks now: "en" or "zh".
func Language() string {
	mu.Lock()
	defer mu.Unlock()
	if chosen != "" {
		return chosen
	}
	return SystemLanguage()
}

func currentLocalizer() *i18n.Localizer {
	bundleOnce.Do(loadBundle)
	mu.Lock()
	defer mu.Unlock()
	if localizer == nil {
		code := chosen
		if code == "" {
			code = SystemLanguage()
		}
		localizer = i18n.NewLocalizer(bundle, code)
	}
	return localizer
}

// Builtin translates with the files in assets/translations. It is the
// translator when none is Set, and the whole of translation in the headless
// build.
func Builtin(key string, count int, data any) string {
	return BuiltinKey(key, key, count, data)
}

// BuiltinKey is Builtin with the English apart from the key, like Fyne's
// lang.X: when no file has key, fallback (its template filled) is the
// answer.
func BuiltinKey(key, fallback string, count int, data any) string {
	cfg := &i18n.LocalizeConfig{
		DefaultMessage: &i18n.Message{ID: key, Other: fallback},
		TemplateData:   data,
	}
	if count >= 0 {
		cfg.PluralCount = count
	}
	s, err := currentLocalizer().Localize(cfg)
	if err != nil {
		return Fill(fallback, data)
	}
	return s
}
