package oauth

import (
	"testing"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Every hint is a key of the catalogs: the table hands its keys to the
// translator as data, out of the catalog test's sight.
func TestHintsAreTranslated(t *testing.T) {
	l10n.Set(nil)
	defer l10n.Use("")
	for kind := range hints {
		e := &Error{Kind: kind, Provider: Google}
		l10n.Use("en")
		en := e.Hint()
		l10n.Use("zh")
		if zh := e.Hint(); en == "" || zh == en {
			t.Errorf("%v: %q has no Chinese translation", kind, en)
		}
	}
}
