//go:build !nogui

package i18n

import (
	"os"
	"testing"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// translatingError translates its message, as the app's errors do, and
// records whether it was asked for it while the translations were locked.
type translatingError struct{ t *testing.T }

func (e translatingError) Error() string {
	if !mu.TryLock() {
		e.t.Error("an error in the template data was printed while the translations were locked: a read lock taken twice deadlocks when a switch waits")
		return "locked"
	}
	mu.Unlock()
	return L("Back")
}

// TestTemplateDataPrintedOutsideTheLock: a message whose data holds an
// error that translates itself must not take the read lock twice.
func TestTemplateDataPrintedOutsideTheLock(t *testing.T) {
	Load()
	t.Cleanup(func() { Use("en") })
	Use("en")
	err := translatingError{t}
	for name, got := range map[string]string{
		"L":      L("no such sentence: {{.Err}}", map[string]any{"Err": err}),
		"N":      N("no such sentence: {{.Err}} {{.Count}}", 2, map[string]any{"Err": err}),
		"l10n.L": l10n.L("no such sentence: {{.Err}}", map[string]any{"Err": err}),
	} {
		want := map[string]string{"L": "no such sentence: Back", "N": "no such sentence: Back 2", "l10n.L": "no such sentence: Back"}[name]
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	var nilErr *os.PathError
	if got := L("no such sentence: {{.Err}}", map[string]any{"Err": nilErr}); got != "no such sentence: <nil>" {
		t.Errorf("a nil error pointer: %q", got)
	}
}

// TestApplyRestoresTheEnvironment: switching sets LC_ALL for a moment only.
func TestApplyRestoresTheEnvironment(t *testing.T) {
	Load()
	t.Cleanup(func() { Use("en") })
	t.Setenv("LC_ALL", "de_DE.UTF-8")
	t.Setenv("LANGUAGE", "de:fr")
	Use("zh")
	if got := os.Getenv("LC_ALL"); got != "de_DE.UTF-8" {
		t.Errorf("LC_ALL after a switch = %q", got)
	}
	if got := os.Getenv("LANGUAGE"); got != "de:fr" {
		t.Errorf("LANGUAGE after a switch = %q", got)
	}

	// apply puts the environment back with a deferred restore, so a panic
	// in Fyne cannot leave it changed either.
	restore := setLocaleEnv("zh_CN.UTF-8")
	if os.Getenv("LC_ALL") != "zh_CN.UTF-8" || os.Getenv("LANGUAGE") != "" {
		t.Errorf("setLocaleEnv: LC_ALL %q, LANGUAGE %q", os.Getenv("LC_ALL"), os.Getenv("LANGUAGE"))
	}
	restore()
	if os.Getenv("LC_ALL") != "de_DE.UTF-8" || os.Getenv("LANGUAGE") != "de:fr" {
		t.Errorf("after restore: LC_ALL %q, LANGUAGE %q", os.Getenv("LC_ALL"), os.Getenv("LANGUAGE"))
	}
}
