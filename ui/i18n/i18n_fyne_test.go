//go:build !nogui

package i18n

import (
	"os"
	"os/exec"
	"testing"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// TestCommandLineLeavesFyneAlone: until the window calls Load, translating
// and switching the language (all the command line does) speak through
// smtp/l10n's built-in translator and give Fyne no catalog, so a command
// pays for no catalog it does not print from. It runs in a fresh process:
// the other tests here call Load.
func TestCommandLineLeavesFyneAlone(t *testing.T) {
	if os.Getenv("SMTPCONF_I18N_FRESH") == "1" {
		if !Use("zh") {
			t.Fatal("Use(zh) refused")
		}
		if got := L("Back"); got != "上一步" {
			t.Errorf("L(Back) = %q", got)
		}
		if got := N("Outbox ({{.Count}})", 3); got != "发件箱（3）" {
			t.Errorf("N(Outbox) = %q", got)
		}
		if got := l10n.L("Back"); got != "上一步" {
			t.Errorf("l10n.L(Back) = %q", got)
		}
		Use("en")
		if got := N("{{.Count}} attempts", 1); got != "1 attempt" {
			t.Errorf("N in English = %q", got)
		}
		if inFyneMode.Load() || len(inFyne) != 0 || applied != "" {
			t.Errorf("Fyne was given translations: mode %v, catalogs %v, applied %q", inFyneMode.Load(), inFyne, applied)
		}
		// The window's Load then gives Fyne the language chosen before.
		Use("zh")
		Load()
		if !inFyne["zh"] || applied != "zh" || L("Back") != "上一步" {
			t.Errorf("after Load: catalogs %v, applied %q, L(Back) = %q", inFyne, applied, L("Back"))
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommandLineLeavesFyneAlone$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SMTPCONF_I18N_FRESH=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
