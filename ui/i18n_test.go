//go:build !nogui

package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/smtpconf/smtpconf/assets"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Which sentences exist, and that both languages have them with the same
// placeholders, is checked for the whole program in ui/i18n (catalog_test.go).

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
