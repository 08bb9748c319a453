package detect

import (
	"testing"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

func TestSourceName(t *testing.T) {
	for _, tc := range []struct {
		lang string
		s    Source
		want string
	}{
		{"en", SourcePreset, "a built-in preset"},
		{"en", SourceMX, "the domain's MX record"},
		{"en", SourceProbe, "probing the usual servers"},
		{"en", "other", "other"},
		{"zh", SourcePreset, "内置预设"},
		{"zh", SourceMX, "该域名的 MX 记录"},
	} {
		l10n.Set(nil)
		if !l10n.Use(tc.lang) {
			t.Fatalf("l10n.Use(%q) refused", tc.lang)
		}
		if got := tc.s.Name(); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.lang, tc.s, got, tc.want)
		}
	}
	l10n.Use("")
}

// Every source's words are a key of the catalogs (handed to the translator
// as data, out of the catalog test's sight).
func TestSourceNamesAreTranslated(t *testing.T) {
	l10n.Set(nil)
	l10n.Use("zh")
	defer l10n.Use("")
	for s, key := range sourceNames {
		if got := s.Name(); got == key {
			t.Errorf("%s: %q has no Chinese translation", s, key)
		}
	}
}
