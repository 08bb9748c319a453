package smtp

import (
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// The words for the core's values (stages, security modes, sign-in
// methods, times) live here, translated, so that the window and the
// command line name each thing the same way.

// Form is where a label goes: on its own (a row, a title, a choice in a
// list) or inside a sentence.
type Form int

const (
	// Title is a label on its own, capitalised: "Sign-in (AUTH)", "None".
	Title Form = iota
	// Inline is a phrase inside a sentence, lower-case where the language
	// has case: "login", "no encryption".
	Inline
)

// Names are the words for the values of one type, each an English key of
// the translation catalogs: the one way the core's enumerations (stages,
// outbox states, detection sources) are named for people. A value without
// a word is named by itself, the contract's value.
type Names[T ~string] map[T]string

// Of is v's name in the person's language.
func (n Names[T]) Of(v T) string {
	if key, ok := n[v]; ok {
		return l10n.L(key)
	}
	return string(v)
}

// stageTitles name the stages as a row or title; stagePhrases as the noun
// phrase that hints put after "during" or "at".
var (
	stageTitles = Names[Stage]{
		StageSetup:   "Preparing",
		StageConnect: "Connect",
		StageTLS:     "Encryption (TLS)",
		StageEHLO:    "Greeting (EHLO)",
		StageAuth:    "Sign-in (AUTH)",
		StageMail:    "Sender (MAIL FROM)",
		StageRcpt:    "Recipient (RCPT TO)",
		StageData:    "Message (DATA)",
		StageDone:    "Done",
	}
	stagePhrases = Names[Stage]{
		StageConnect: "connecting",
		StageTLS:     "the TLS handshake",
		StageEHLO:    "the greeting (EHLO)",
		StageAuth:    "login",
		StageMail:    "the sender address (MAIL FROM)",
		StageRcpt:    "the recipient address (RCPT TO)",
		StageData:    "sending the message (DATA)",
	}
)

// StageName names a stage: as a row or title ("Sign-in (AUTH)"), or as a
// noun phrase that hints put after "during" or "at" ("the server stopped
// answering during login"). JSON keeps the contract's values.
func StageName(s Stage, f Form) string {
	if f == Inline {
		return stagePhrases.Of(s)
	}
	return stageTitles.Of(s)
}

// SecurityName names a security mode: "SSL/TLS", "STARTTLS", and for no
// encryption "None" as a choice, "no encryption" inside a sentence.
func SecurityName(s Security, f Form) string {
	switch s {
	case SecurityTLS:
		return "SSL/TLS"
	case SecuritySTARTTLS:
		return "STARTTLS"
	case SecurityNone:
		if f == Inline {
			return l10n.L("no encryption")
		}
		return l10n.L("None")
	}
	return string(s)
}

// AuthName names a sign-in method: as a choice ("Automatic (recommended)")
// or inside a sentence or a table ("automatic"). Mechanisms keep their
// SASL names ("PLAIN").
func AuthName(a AuthMethod, f Form) string {
	switch a {
	case AuthAuto:
		if f == Inline {
			return l10n.L("automatic")
		}
		return l10n.L("Automatic (recommended)")
	case AuthXOAUTH2:
		if f == Title {
			return l10n.L("XOAUTH2 (OAuth2 access token)")
		}
	case AuthNone:
		if f == Inline {
			return l10n.L("none (no sign-in)")
		}
		return l10n.L("None (no sign-in)")
	}
	if m := a.Mechanism(); m != "" {
		return m
	}
	return string(a)
}

// ClockTime is a local time for people: "14:32" today, else "Jan 2 14:32"
// this year, else "2006-01-02 15:04". The layout of a date in this year is
// translated ("1月2日 15:04"); the month's name in the English one is
// English in any case.
func ClockTime(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	if t.Year() == now.Year() {
		return t.Format(l10n.L("Jan 2 15:04"))
	}
	return t.Format("2006-01-02 15:04")
}
