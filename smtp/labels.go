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

// StageName names a stage: as a row or title ("Sign-in (AUTH)"), or as a
// noun phrase that hints put after "during" or "at" ("the server stopped
// answering during login"). JSON keeps the contract's values.
func StageName(s Stage, f Form) string {
	if f == Inline {
		switch s {
		case StageConnect:
			return l10n.L("connecting")
		case StageTLS:
			return l10n.L("the TLS handshake")
		case StageEHLO:
			return l10n.L("the greeting (EHLO)")
		case StageAuth:
			return l10n.L("login")
		case StageMail:
			return l10n.L("the sender address (MAIL FROM)")
		case StageRcpt:
			return l10n.L("the recipient address (RCPT TO)")
		case StageData:
			return l10n.L("sending the message (DATA)")
		}
		return string(s)
	}
	switch s {
	case StageSetup:
		return l10n.L("Preparing")
	case StageConnect:
		return l10n.L("Connect")
	case StageTLS:
		return l10n.L("Encryption (TLS)")
	case StageEHLO:
		return l10n.L("Greeting (EHLO)")
	case StageAuth:
		return l10n.L("Sign-in (AUTH)")
	case StageMail:
		return l10n.L("Sender (MAIL FROM)")
	case StageRcpt:
		return l10n.L("Recipient (RCPT TO)")
	case StageData:
		return l10n.L("Message (DATA)")
	case StageDone:
		return l10n.L("Done")
	}
	return string(s)
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
