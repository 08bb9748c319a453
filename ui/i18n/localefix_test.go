//go:build !nogui

package i18n

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets TestNoLocaleNoiseUnderCUTF8 run this test binary as a
// child: by the time TestMain runs, every package (Fyne's lang included)
// has initialised and said whatever it says.
func TestMain(m *testing.M) {
	if os.Getenv("SMTPCONF_LOCALE_CHILD") == "1" {
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestNoLocaleNoiseUnderCUTF8: under LANG=C.UTF-8 Fyne used to log "Error
// parsing user locale C" at start; localefix must run before Fyne's lang
// initialises, which depends on Go's package initialisation order.
func TestNoLocaleNoiseUnderCUTF8(t *testing.T) {
	for _, lc := range []string{"C.UTF-8", "POSIX.UTF-8", "C", "en_US.UTF-8", "zh_CN.UTF-8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SMTPCONF_LOCALE_CHILD=1", "LANG="+lc, "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("LANG=%s: %v\n%s", lc, err, out)
		}
		if strings.Contains(string(out), "Fyne error") {
			t.Errorf("LANG=%s: the program starts with an error message:\n%s", lc, out)
		}
	}
}
