package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Error is a failure during a check or a send, tagged with the stage it
// happened in and the server's reply when there was one.
type Error struct {
	Stage    Stage
	Code     int    // SMTP reply code, 0 if the server did not reply
	Enhanced string // RFC 3463 code such as "5.7.8", "" if none
	Reply    string // the server's text, without code and enhanced code
	// BeforeGreeting is set for failures before the server's 220 greeting:
	// the contract counts all of them as "could not connect".
	BeforeGreeting bool
	Err            error
	text           string // Err's text with secrets scrubbed
}

func (e *Error) Error() string {
	if e.Code != 0 {
		return strings.TrimSpace(fmt.Sprintf("%s: %d %s %s", e.Stage, e.Code, e.Enhanced, e.Reply))
	}
	return fmt.Sprintf("%s: %s", e.Stage, e.errText())
}

// Unwrap gives errors.Is/As access to the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) errText() string {
	if e.text != "" {
		return e.text
	}
	if e.Err == nil {
		return "unknown error"
	}
	return e.Err.Error()
}

// Summary is the server's reply if there was one, else the error text.
func (e *Error) Summary() string {
	if e.Code != 0 {
		return strings.TrimSpace(strings.Join([]string{fmt.Sprint(e.Code), e.Enhanced, e.Reply}, " "))
	}
	return e.errText()
}

func (e *Error) redact(t *Transcript) {
	e.Reply = t.Scrub(e.Reply)
	if e.Err != nil {
		e.text = t.Scrub(e.Err.Error())
	}
}

// Diagnosis is a failure put into words: where it happened, what the server
// said, whether trying again later can help, and what to change.
type Diagnosis struct {
	Stage     Stage  `json:"stage"`
	Code      int    `json:"code"`
	Enhanced  string `json:"enhanced"`
	Message   string `json:"message"`
	Hint      string `json:"hint"`
	Temporary bool   `json:"temporary"`
	// Kind is a stable key for the cause, for tests, scripts and the
	// front ends (icons, buttons, the command line's exit code).
	Kind Kind `json:"kind"`
	// Remedy is the fix as data, for the front ends to word: Hint says
	// what is wrong without naming a command or a button.
	Remedy Remedy `json:"-"`
}

// Diagnose is the one place where a failure becomes a stage, codes, a
// kind, a hint and a remedy. p is the profile that was used (for port- and
// provider-aware advice); err is usually an *Error from Dial or Send.
func Diagnose(err error, p Profile) Diagnosis {
	if err == nil {
		return Diagnosis{Stage: StageDone, Kind: KindOK}
	}
	d := Diagnosis{Stage: StageSetup, Message: err.Error()}
	var e *Error
	if errors.As(err, &e) {
		d.Stage, d.Code, d.Enhanced = e.Stage, e.Code, e.Enhanced
		d.Message = e.Summary()
	}
	diagnose(&d, err, e, p)
	return d
}

// setter records a diagnosis: its kind, whether it is temporary, and the
// hint, an English sentence (the translation key) filled from data.
type setter func(kind Kind, temp bool, hint string, data args)

func diagnose(d *Diagnosis, err error, e *Error, p Profile) {
	set := func(kind Kind, temp bool, hint string, data args) {
		d.Kind, d.Temporary, d.Hint = kind, temp, l10n.L(hint, data)
	}
	beforeGreeting := e != nil && (e.BeforeGreeting || (e.Stage == StageConnect && e.Code == 0))
	// Data every hint may use: the host and port tried, the timeout, and the
	// sentence on which port goes with the security chosen.
	data := func(more ...any) args {
		a := args{"Host": p.Host, "Port": p.Port, "Timeout": p.EffectiveTimeout().String(), "Advice": portAdvice(p)}
		for i := 0; i+1 < len(more); i += 2 {
			a[more[i].(string)] = more[i+1]
		}
		return a
	}

	switch {
	case errors.Is(err, context.Canceled):
		set(KindCanceled, false, "The operation was cancelled before it finished.", nil)
		return
	case errors.Is(err, ErrSignInRequired), errors.Is(err, ErrTokenEndpoint):
		// OAuth2 token errors (package smtp/oauth) know their own fix,
		// already translated.
		d.Kind = KindOAuthSignIn
		if errors.Is(err, ErrTokenEndpoint) {
			d.Kind, d.Temporary = KindOAuthUnreachable, true
		}
		d.Hint, d.Remedy = Hint(err), RemedyOf(err)
		return
	case d.Stage == StageSetup:
		diagnoseSetup(d, err, set)
		return
	}

	// A reply from the server decides first: it is the most precise evidence.
	if d.Code != 0 {
		diagnoseReply(d, p, set)
		return
	}

	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	timeout := isTimeout(err)
	dropped := isDropped(err)

	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		set(KindDNSNotFound, false,
			"The host name {{.Host}} does not exist. Check its spelling (for example smtp.gmail.com), or pick your provider's preset.", data("Host", strconv.Quote(p.Host)))
	case errors.As(err, &dnsErr):
		set(KindDNS, true,
			"The host name {{.Host}} could not be looked up right now. Check that this computer is online and its DNS works, then try again.", data("Host", strconv.Quote(p.Host)))
	case errors.Is(err, syscall.ECONNREFUSED):
		set(KindRefused, true,
			"Nothing accepted the connection on port {{.Port}} of {{.Host}}. Check the port ({{.Advice}}); a firewall may also be rejecting it.", data())
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH):
		set(KindUnreachable, true,
			"The network cannot reach {{.Host}}. Check that this computer is online (and any VPN), then try again.", data())
	case errors.As(err, &recErr) || strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		set(KindTLSOnPlainPort, false,
			"The server on port {{.Port}} answered in plain text, not TLS: this port expects STARTTLS (or no encryption). Set security to STARTTLS, or use port 465 with SSL/TLS.", data())
	case errors.As(err, &hostErr):
		set(KindCertNameMismatch, false,
			"The server's certificate is not valid for {{.Host}} ({{.Error}}). Use the host name the certificate names, which is usually the provider's documented SMTP host.", data("Host", strconv.Quote(p.Host), "Error", hostErr.Error()))
	case errors.As(err, &unknownCA):
		if p.CAFile != "" {
			set(KindCertUntrusted, false,
				"The server's certificate was not signed by the CA in {{.File}}. Check that the CA file is the right one for this server.", data("File", p.CAFile))
		} else {
			set(KindCertUntrusted, false,
				"The server's certificate is not trusted by this computer (self-signed or a private CA). If your organisation uses its own CA, give its certificate as the CA file; only skip verification on a network you trust.", nil)
		}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		set(KindCertExpired, false,
			"The server's certificate has expired (or this computer's clock is wrong). Check the date and time here; otherwise the provider must renew its certificate.", nil)
	case errors.As(err, &invalid):
		set(KindCertInvalid, false, "The server's certificate is not valid: {{.Error}}.", data("Error", invalid.Error()))
	case errors.Is(err, ErrNoSTARTTLS):
		if p.Port == 465 {
			set(KindNoSTARTTLS, false,
				"Port 465 uses SSL/TLS from the first byte, not STARTTLS. Set security to SSL/TLS.", nil)
		} else {
			set(KindNoSTARTTLS, false,
				"The server on port {{.Port}} does not offer STARTTLS, so the connection cannot be encrypted. Try port 465 with SSL/TLS, or check the provider's settings.", data())
		}
	case errors.Is(err, errInsecureAuth):
		set(KindInsecureAuth, false,
			"The password would cross the network unencrypted, so it was not sent. Set security to STARTTLS (port 587) or SSL/TLS (port 465).", nil)
	case errors.Is(err, ErrNoCommonMechanism):
		set(KindAuthNoMechanism, false,
			"The server offers no login method this app can use safely ({{.Error}}). Choose another authentication method, or check the security setting.", data("Error", err.Error()))
	case errors.Is(err, ErrNoAuthOffered):
		set(KindAuthNotOffered, false,
			"The server does not offer a login at this point. Many servers only offer it after STARTTLS or on port 587/465: check the port and security, or set authentication to none for a relay that needs no login.", nil)
	case errors.Is(err, ErrNeedsSMTPUTF8):
		set(KindNeedsSMTPUTF8, false,
			"An address has non-ASCII characters before the @, and this server does not support SMTPUTF8. Use an ASCII address.", nil)
	case errors.Is(err, ErrExpectsImplicitTLS):
		// A settings mistake, not a passing condition: retrying cannot help.
		set(KindExpectsTLS, false,
			"Port {{.Port}} stayed silent, but it answers a TLS handshake: it expects SSL/TLS from the first byte (as port 465 does). Set security to SSL/TLS.", data())
	case beforeGreeting && timeout:
		switch {
		case p.Port == 465 && p.Security != SecurityTLS:
			set(KindTimeoutExpectsTLS, true,
				"No greeting arrived from port 465: that port expects SSL/TLS from the first byte. Set security to SSL/TLS.", nil)
		case p.Port == 25:
			set(KindTimeoutPort25, true,
				"No answer from {{.Host}} on port 25 within {{.Timeout}}. Many internet providers and cloud hosts block outgoing port 25: use port 587 (STARTTLS) or 465 (SSL/TLS).", data())
		default:
			set(KindTimeoutConnect, true,
				"No answer from {{.Host}} on port {{.Port}} within {{.Timeout}}. Check the host and port ({{.Advice}}); a firewall may be dropping the connection. Port 25 is often blocked, 587 and 465 rarely.", data())
		}
	case beforeGreeting && e != nil && e.Stage == StageTLS:
		set(KindTLSHandshake, true,
			"The connection closed during the TLS handshake on port {{.Port}}. If this port expects STARTTLS (587, 25), set security to STARTTLS.", data())
	case beforeGreeting:
		set(KindClosedBeforeGreeting, true,
			"The server closed the connection before greeting. It may be overloaded or refusing this computer; try again later, or check the port ({{.Advice}}).", data())
	case e != nil && e.Stage == StageTLS && !dropped:
		set(KindTLSHandshake, false,
			"The TLS handshake failed ({{.Error}}). Check the security setting for port {{.Port}} ({{.Advice}}).", data("Error", e.errText()))
	case timeout:
		set(KindTimeout, true,
			"The server stopped answering during {{.Stage}} for more than {{.Timeout}}. It may be overloaded; the message can be retried later.", data("Stage", StageName(d.Stage, Inline)))
	case dropped:
		set(KindDropped, true,
			"The connection was dropped during {{.Stage}}. This is usually temporary; the message can be retried later.", data("Stage", StageName(d.Stage, Inline)))
	default:
		set(KindInternal, false,
			"An unexpected error happened during {{.Stage}}: {{.Error}}. Please report it with the transcript.", data("Stage", StageName(d.Stage, Inline), "Error", d.Message))
	}
}

func diagnoseSetup(d *Diagnosis, err error, set setter) {
	var ke *KeyringError
	var h hinter
	switch {
	case errors.As(err, &ke):
		// The error's own hint is translated already.
		d.Kind, d.Hint = KindKeyring, ke.Hint()
	case errors.As(err, &h):
		// Other errors that know their own fix (an outbox that cannot be
		// opened, a profile not signed in yet).
		d.Kind, d.Hint, d.Remedy = KindSetup, h.Hint(), RemedyOf(err)
	case errors.Is(err, ErrSecretNotFound):
		set(KindNoPassword, false, "No password is stored for this profile.", nil)
		d.Remedy = Remedy{Action: RemedyStorePassword}
	case errors.Is(err, ErrNoSuchProfile):
		set(KindNoProfile, false, "There is no profile by that name.", nil)
		d.Remedy = Remedy{Action: RemedyChooseProfile}
	case errors.Is(err, errInsecureAuth):
		set(KindInsecureAuth, false,
			"The password would cross the network unencrypted, so nothing was sent. Set security to STARTTLS (port 587) or SSL/TLS (port 465).", nil)
	case errors.Is(err, ErrCorruptConfig), errors.Is(err, ErrConfigVersion):
		set(KindConfig, false, "The profiles file cannot be read; it was left as it is. Fix it by hand, or move it aside to start afresh.", nil)
	default:
		// The validation clauses without their English sentinel prefixes.
		ps := problems(err)
		sep := "; "
		if l10n.HasHan(strings.Join(ps, "")) {
			sep = "；"
		}
		set(KindInvalidSettings, false, "The settings are not valid: {{.Error}}. Correct them and try again.", args{"Error": strings.Join(ps, sep)})
	}
}

func diagnoseReply(d *Diagnosis, p Profile, set setter) {
	provider := providerName(p)
	code, enh := d.Code, d.Enhanced
	text := strings.ToLower(d.Message)
	temp := code >= 400 && code < 500
	// Reply is the server's reply ("535 5.7.8 Authentication failed"), kept as
	// it came: it is evidence, and what a search engine or the provider's
	// support knows.
	reply := args{"Reply": d.Message, "Port": p.Port}
	switch {
	// Security mismatches reported by the server.
	case code == 530 && (strings.Contains(text, "starttls") || enh == "5.7.0" && p.Security == SecurityNone):
		set(KindMustSTARTTLS, false,
			"The server requires encryption first ({{.Reply}}). Set security to STARTTLS for port {{.Port}}.", reply)

	// The greeting.
	case d.Stage == StageConnect && temp:
		set(KindGreetingTemporary, true,
			"The server is not accepting connections right now ({{.Reply}}). It is busy or limiting connections; the message will be retried later.", reply)
	case d.Stage == StageConnect:
		set(KindGreetingRefused, false,
			"The server refused this connection ({{.Reply}}). It may not offer mail submission to this computer; check the host and port.", reply)

	// Authentication.
	case d.Stage == StageAuth && code == 534 && enh == "5.7.9":
		if provider == "" {
			set(KindAuthAppPassword, false,
				"The server requires an application-specific password. Create an app password in your account's security settings and save it as this profile's password.", nil)
		} else {
			set(KindAuthAppPassword, false,
				"{{.Provider}} requires an application-specific password. Create an app password in your account's security settings and save it as this profile's password.", args{"Provider": provider})
		}
	case d.Stage == StageAuth && enh == "5.7.139":
		set(KindAuthBasicDisabled, false,
			"Basic authentication (user name and password) is disabled for this Microsoft account or organisation. Use OAuth2, or ask the administrator to enable SMTP AUTH for the mailbox.", nil)
	case d.Stage == StageAuth && (code == 504 || enh == "5.7.4"):
		set(KindAuthMechanism, false,
			"The server does not accept this login method ({{.Reply}}). Set authentication to auto, or to LOGIN for Microsoft 365.", reply)
	case d.Stage == StageAuth && temp:
		set(KindAuthTemporary, true,
			"The server could not check the login right now ({{.Reply}}). Try again later.", reply)
	case d.Stage == StageAuth:
		hint, data := authHint(p, provider, d.Message)
		set(KindAuthFailed, false, hint, data)

	// Temporary replies in the transaction.
	case code == 421:
		set(KindServiceUnavailable, true,
			"The server is closing the connection ({{.Reply}}): it is busy or rate-limiting. The message will be retried later.", reply)
	case code == 452 || enh == "4.3.1":
		set(KindInsufficientStorage, true,
			"The server is short of resources or limiting recipients ({{.Reply}}). Try again later.", reply)
	case temp:
		set(KindTemporary, true,
			"The server asked to try again later ({{.Reply}}), for example because of greylisting or a temporary problem. The message will be retried.", reply)

	// Permanent rejections.
	case code == 552 || enh == "5.3.4" || enh == "5.2.3":
		set(KindTooLarge, false,
			"The message is too large for this server ({{.Reply}}). Send a smaller message or fewer attachments.", reply)
	case d.Stage == StageMail && (enh == "5.7.1" || enh == "5.7.60" || code == 553) ||
		d.Stage == StageData && enh == "5.7.60" || strings.Contains(text, "sendasdenied"):
		if p.From == "" {
			set(KindSenderNotAllowed, false,
				"The server does not let this account send as this address ({{.Reply}}). Set the From address to your account's own address (or an alias the provider has verified).", reply)
		} else {
			reply["From"] = p.From
			set(KindSenderNotAllowed, false,
				"The server does not let this account send as {{.From}} ({{.Reply}}). Set the From address to your account's own address (or an alias the provider has verified).", reply)
		}
	case d.Stage == StageRcpt && (enh == "5.1.1" || enh == "5.1.10" || code == 550 && strings.Contains(text, "user")):
		set(KindRecipientUnknown, false,
			"The recipient address was refused ({{.Reply}}). Check it for typos.", reply)
	case d.Stage == StageRcpt && (enh == "5.7.1" || strings.Contains(text, "relay")):
		set(KindRelayDenied, false,
			"The server will not relay to this recipient ({{.Reply}}). Usually you must log in first: set a user name and password, or check the authentication settings.", reply)
	case code >= 500:
		reply["Stage"] = StageName(d.Stage, Inline)
		set(KindRejected, false,
			"The server rejected the message permanently at {{.Stage}} ({{.Reply}}). Retrying will not help; the reply says why.", reply)
	default:
		set(KindUnexpectedReply, false, "The server gave an unexpected reply ({{.Reply}}).", reply)
	}
}

// authHint is the hint (a translation key) and its data for a refused login,
// naming what the provider expects instead of the account password.
func authHint(p Profile, provider, reply string) (string, args) {
	if p.Preset == "local" {
		return "The local test inbox refused the login ({{.Reply}}). It accepts only the user name and password saved in this profile: enter the password again and save.", args{"Reply": reply}
	}
	if p.Auth == AuthXOAUTH2 {
		return "The server refused the sign-in ({{.Reply}}), even with a fresh token. Check that the user name is the address you signed in with ({{.User}}), then sign in again.", args{"Reply": reply, "User": p.Username}
	}
	pr, ok := PresetByID(p.Preset)
	if ok {
		data := args{"Provider": provider, "Reply": reply, "URL": pr.HelpURL}
		switch pr.Credential {
		case CredAppPassword:
			return "{{.Provider}} refused the user name or password ({{.Reply}}). {{.Provider}} needs an app password, not your normal account password: create one ({{.URL}}) and save it as this profile's password.", data
		case CredAuthCode:
			return "{{.Provider}} refused the user name or password ({{.Reply}}). Use the authorisation code (授权码) from the mailbox settings, not your account password, and make sure SMTP is enabled there ({{.URL}}).", data
		case CredAPIKey:
			return "{{.Provider}} refused the credentials ({{.Reply}}). Check the user name and use an SMTP key or API key as the password ({{.URL}}).", data
		case CredOAuth2:
			return "{{.Provider}} refused the password login ({{.Reply}}). This provider only accepts OAuth2 sign-in for SMTP.", data
		}
	}
	return "The server refused the user name or password ({{.Reply}}). Check both; many providers need an app password or authorisation code instead of the account password.", args{"Reply": reply}
}

func providerName(p Profile) string {
	if pr, ok := PresetByID(p.Preset); ok && p.Preset != "custom" && p.Preset != "local" {
		return pr.Name
	}
	return ""
}

// portAdvice is a clause on which port goes with the profile's security,
// put in parentheses inside hints.
func portAdvice(p Profile) string {
	switch p.Security {
	case SecurityTLS:
		return l10n.L("SSL/TLS normally uses port {{.Port}}", args{"Port": 465})
	case SecuritySTARTTLS:
		return l10n.L("STARTTLS normally uses port {{.Port}}", args{"Port": 587})
	}
	return l10n.L("unencrypted SMTP normally uses port {{.Port}} or {{.Other}}", args{"Port": 25, "Other": 587})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) ||
		errors.As(err, &ne) && ne.Timeout()
}

func isDropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "connection reset")
}
