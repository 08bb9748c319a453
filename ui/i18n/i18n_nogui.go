//go:build nogui

package i18n

import "github.com/smtpconf/smtpconf/smtp/l10n"

// Load does nothing: the built-in translator loads itself on first use.
func Load() {}

// L translates the English sentence in; see fyne.io/fyne/v2/lang.L.
func L(in string, data ...any) string { return l10n.L(in, data...) }

// N translates a sentence with plural forms; in is the "other" form.
func N(in string, count int, data ...any) string { return l10n.N(in, count, data...) }

// Use switches the language: "" follows the system locale. It reports false,
// changing nothing, for a language there is no translation for.
func Use(code string) bool { return l10n.Use(code) }
