// Package localefix runs before Fyne's lang package initialises, to spare
// people a false alarm: under the common LANG=C.UTF-8 (containers, CI,
// minimal installs) Fyne reads the locale "C", fails to parse it as a
// language tag and logs "Fyne error: Error parsing user locale C" on every
// start, even for the command line. The C locale means "no language
// preference", which is what an empty LANGUAGE also leaves, so LANGUAGE=en
// is set for exactly that case; C programs ignore LANGUAGE under the C
// locale, so nothing the app starts behaves differently.
//
// It must be imported (blank) by ui/i18n: Go initialises a package before
// the ones importing it, and among ready packages by import path, so this
// one, which imports only os and strings, runs before fyne.io/fyne/v2/lang,
// which waits for golang.org/x/text (a later path). A test checks.
package localefix

import (
	"os"
	"strings"
)

func init() {
	Apply(os.Getenv, os.Setenv)
}

// Apply sets LANGUAGE=en when the locale in effect is a C locale with a
// codeset (C.UTF-8, POSIX.UTF-8) and LANGUAGE is unset.
func Apply(getenv func(string) string, setenv func(string, string) error) {
	if getenv("LANGUAGE") != "" {
		return
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if l := getenv(v); l != "" {
			base, _, dotted := strings.Cut(l, ".")
			if dotted && (base == "C" || base == "POSIX") {
				setenv("LANGUAGE", "en")
			}
			return
		}
	}
}
