package l10n

import (
	"encoding/json"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jeandeaual/go-locale"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/smtpconf/smtpconf/assets"
)

// The built-in translator reads the same files as the window
// (assets/translations) with go-i18n, the library under Fyne's lang package,
// so the headless build, which links no Fyne, speaks the same languages with
// the same templates and plural rules.
//
// Only the language in use is loaded, and English hardly at all: its
// sentences are their own keys, so only its plural forms ("1 attempt") are
// needed (Catalog). Parsing a whole file costs about 2.5 ms, which every
// command would otherwise pay before it starts.

var (
	// mu guards the choice, the localizer made for it and the bundles.
	// Each language has a bundle of its own, filled once before anyone
	// can read it and never written again: go-i18n's Bundle has no lock,
	// and Localize (which runs outside mu, on the localizer it returned)
	// reads its maps.
	mu        sync.Mutex
	chosen    string // "" follows the system locale
	localizer *i18n.Localizer
	bundles   = map[string]*i18n.Bundle{}

	catalogOnce sync.Once
	catalogs    map[string][]byte
)

// Catalog is what a translator must load to speak code ("en" or "zh"), as
// a go-i18n message file: for Chinese the whole of zh.json; for English only
// the plural sentences of en.json, since every other English sentence is its
// own key.
func Catalog(code string) []byte {
	catalogOnce.Do(func() {
		catalogs = map[string][]byte{}
		if data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/zh.json"); err == nil {
			catalogs["zh"] = data
		}
		plurals := map[string]json.RawMessage{}
		if data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/en.json"); err == nil {
			var all map[string]json.RawMessage
			if json.Unmarshal(data, &all) == nil {
				for k, v := range all {
					if len(v) > 0 && v[0] == '{' {
						plurals[k] = v
					}
				}
			}
		}
		catalogs["en"], _ = json.Marshal(plurals)
	})
	return catalogs[code]
}

// bundleFor is code's bundle, made on first use; mu must be held.
func bundleFor(code string) *i18n.Bundle {
	if b, ok := bundles[code]; ok {
		return b
	}
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	if data := Catalog(code); len(data) > 0 {
		_, _ = b.ParseMessageFileBytes(data, code+".json")
	}
	bundles[code] = b
	return b
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
//
// The answer is kept for the environment it was read from: the built-in
// translator asks for every sentence it translates (a test send has over a
// hundred), and reading the locale means parsing language tags.
func SystemLanguage() string {
	env := localeEnv{os.Getenv("LC_ALL"), os.Getenv("LC_MESSAGES"), os.Getenv("LANG"), os.Getenv("LANGUAGE")}
	if c := systemCache.Load(); c != nil && c.env == env {
		return c.code
	}
	code := readSystemLanguage()
	systemCache.Store(&systemAnswer{env, code})
	return code
}

// localeEnv are the variables the system locale is read from (on the other
// systems, which ask the OS, a change within one run is not noticed).
type localeEnv [4]string

type systemAnswer struct {
	env  localeEnv
	code string
}

var systemCache atomic.Pointer[systemAnswer]

func readSystemLanguage() string {
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
	mu.Lock()
	defer mu.Unlock()
	if localizer == nil {
		code := chosen
		if code == "" {
			code = SystemLanguage()
		}
		localizer = i18n.NewLocalizer(bundleFor(code), code)
	}
	return localizer
}

// Builtin translates with the files in assets/translations. It is the
// translator when none is Set, and the whole of translation in the headless
// build.
func Builtin(key string, count int, data any) string {
	if count < 0 && Language() == "en" {
		// An English sentence is its own key: nothing to load.
		return Fill(key, data)
	}
	cfg := &i18n.LocalizeConfig{
		DefaultMessage: &i18n.Message{ID: key, Other: key},
		TemplateData:   data,
	}
	if count >= 0 {
		cfg.PluralCount = count
	}
	s, err := currentLocalizer().Localize(cfg)
	if err != nil {
		return Fill(key, data)
	}
	return s
}
