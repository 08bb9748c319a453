package queue

import (
	"testing"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

func TestStateName(t *testing.T) {
	for _, tc := range []struct {
		lang string
		s    State
		want string
	}{
		{"en", Deferred, "Deferred"},
		{"en", Sent, "Sent"},
		{"en", "other", "other"},
		{"zh", Failed, "失败"},
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

// Every state's word is a key of the catalogs (handed to the translator as
// data, out of the catalog test's sight).
func TestStateNamesAreTranslated(t *testing.T) {
	l10n.Set(nil)
	l10n.Use("zh")
	defer l10n.Use("")
	for s, key := range stateNames {
		if got := s.Name(); got == key {
			t.Errorf("%s: %q has no Chinese translation", s, key)
		}
	}
}

// Every origin's words are keys of the catalogs; an entry that does not
// say where it came from has none.
func TestOriginWordsAreTranslated(t *testing.T) {
	l10n.Set(nil)
	l10n.Use("zh")
	defer l10n.Use("")
	for o, key := range originNames {
		if got := o.Name(); got == key {
			t.Errorf("%s: %q has no Chinese translation", o, key)
		}
		if got := o.Sentence(); got == originSentences[o] {
			t.Errorf("%s: %q has no Chinese translation", o, originSentences[o])
		}
	}
	if Origin("").Name() != "" || Origin("").Sentence() != "" {
		t.Error("an entry without an origin is labelled")
	}
}
