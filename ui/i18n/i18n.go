// Package i18n is the one way the front ends (the window and the command
// line) translate what a person reads. Once the window has called Load it is
// Fyne's lang package, with the app's translations added, and smtp/l10n is
// pointed at it, so hints and messages from the domain code come out in the
// same language as the window. Before that (the command line, in either
// build) and in the headless build (-tags nogui), which links no Fyne, it is
// smtp/l10n's built-in translator over the same files: a command loads no
// catalog it does not print from.
//
// L and N take the English sentence as the key, exactly like lang.L and
// lang.N: the sentence must also be a key in
// assets/translations/en.json and zh.json (a test in ui/ checks).
package i18n

import "github.com/smtpconf/smtpconf/smtp/l10n"

// Language is one choice a person can make.
type Language struct {
	Code string // "" follows the system, else "en" or "zh"
	Name string // in its own language, so anyone can find theirs
}

// Languages are the choices, in the order a picker shows them.
func Languages() []Language {
	return []Language{
		{"", L("System default")},
		{"en", "English"},
		{"zh", "简体中文"},
	}
}

// Current is the language being spoken: "en" or "zh".
func Current() string { return l10n.Language() }

// Valid reports whether code is a language Use accepts ("" included).
func Valid(code string) bool {
	return code == "" || l10n.Normalize(code) != ""
}
