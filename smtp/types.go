package smtp

import (
	"strings"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Security is how the connection to the server is protected.
type Security string

// The three security modes a profile can use.
const (
	SecurityTLS      Security = "tls"      // implicit TLS from the first byte (usually port 465)
	SecuritySTARTTLS Security = "starttls" // plain connect, then upgrade with STARTTLS (587, 25)
	SecurityNone     Security = "none"     // no encryption at all
)

// Securities lists the valid security modes, strongest first.
var Securities = []Security{SecurityTLS, SecuritySTARTTLS, SecurityNone}

// ParseSecurity accepts the contract's spellings and a few common aliases
// ("ssl", "ssl/tls", "plain").
func ParseSecurity(s string) (Security, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "tls", "ssl", "ssl/tls", "implicit", "smtps":
		return SecurityTLS, nil
	case "starttls", "start-tls":
		return SecuritySTARTTLS, nil
	case "none", "plain", "plaintext", "insecure":
		return SecurityNone, nil
	}
	return "", ErrInvalidSecurity
}

// DefaultPort is the standard submission port for a security mode.
func (s Security) DefaultPort() int {
	switch s {
	case SecurityTLS:
		return 465
	case SecuritySTARTTLS:
		return 587
	default:
		return 25
	}
}

// AuthMethod is the SASL mechanism a profile authenticates with.
type AuthMethod string

// The authentication methods a profile can use.
const (
	AuthAuto    AuthMethod = "auto"     // strongest mechanism the server offers that is safe on this link
	AuthPlain   AuthMethod = "plain"    // AUTH PLAIN
	AuthLogin   AuthMethod = "login"    // AUTH LOGIN
	AuthCRAMMD5 AuthMethod = "cram-md5" // AUTH CRAM-MD5
	AuthXOAUTH2 AuthMethod = "xoauth2"  // AUTH XOAUTH2 with an OAuth2 access token as the secret
	AuthNone    AuthMethod = "none"     // do not authenticate
)

// AuthMethods lists the valid authentication methods.
var AuthMethods = []AuthMethod{AuthAuto, AuthPlain, AuthLogin, AuthCRAMMD5, AuthXOAUTH2, AuthNone}

// ParseAuthMethod accepts the contract's spellings, case-insensitively.
func ParseAuthMethod(s string) (AuthMethod, error) {
	v := AuthMethod(strings.ToLower(strings.TrimSpace(s)))
	if v == "crammd5" || v == "cram_md5" {
		v = AuthCRAMMD5
	}
	for _, m := range AuthMethods {
		if v == m {
			return m, nil
		}
	}
	return "", ErrInvalidAuth
}

// Mechanism is the SASL name the server advertises for a method ("" for auto and none).
func (a AuthMethod) Mechanism() string {
	switch a {
	case AuthPlain:
		return "PLAIN"
	case AuthLogin:
		return "LOGIN"
	case AuthCRAMMD5:
		return "CRAM-MD5"
	case AuthXOAUTH2:
		return "XOAUTH2"
	}
	return ""
}

// Stage names a step of an SMTP exchange. The values are part of the JSON contract.
type Stage string

// The stages of a check or a send, in order.
const (
	StageSetup   Stage = "setup"   // before any connection: profile, settings, keyring
	StageConnect Stage = "connect" // DNS, TCP connect and the server's greeting
	StageTLS     Stage = "tls"     // TLS handshake (implicit or after STARTTLS)
	StageEHLO    Stage = "ehlo"    // EHLO/HELO
	StageAuth    Stage = "auth"    // AUTH
	StageMail    Stage = "mail"    // MAIL FROM
	StageRcpt    Stage = "rcpt"    // RCPT TO
	StageData    Stage = "data"    // DATA and the message itself
	StageDone    Stage = "done"    // finished
)

// Stages lists the stages in the order an exchange passes them.
var Stages = []Stage{StageSetup, StageConnect, StageTLS, StageEHLO, StageAuth, StageMail, StageRcpt, StageData, StageDone}

// LocalName is the preset's name in the language of the moment: brand names
// stay as they are; descriptive names ("Custom server") and the Chinese
// providers' names are in the translation files.
func (p Preset) LocalName() string { return l10n.Data(p.Name) }

// LocalNotes is the preset's note in the language of the moment, for people
// to read: the window and the command line use it. Notes is the English
// text, which is also the translation key.
func (p Preset) LocalNotes() string { return l10n.Data(p.Notes) }
