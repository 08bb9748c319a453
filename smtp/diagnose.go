package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
)

// Exit codes of the command line (contract). The diagnosis picks one; the
// command line only returns it.
const (
	ExitOK        = 0
	ExitInternal  = 1
	ExitUsage     = 2
	ExitConnect   = 3
	ExitTLS       = 4
	ExitAuth      = 5
	ExitRejected  = 6
	ExitTemporary = 7
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
	// Kind is a stable key for the cause ("auth-app-password", "tls-on-plain-port", ...),
	// for tests, translations and the window's icons.
	Kind string `json:"kind"`
	Exit int    `json:"-"`
}

// hinter is implemented by errors that know their own fix (keyring errors).
type hinter interface{ Hint() string }

// Diagnose is the one place where a failure becomes a stage, codes, an exit
// code and a hint. p is the profile that was used (for port- and
// provider-aware advice); err is usually an *Error from Dial or Send.
func Diagnose(err error, p Profile) Diagnosis {
	if err == nil {
		return Diagnosis{Stage: StageDone, Kind: "ok"}
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

func diagnose(d *Diagnosis, err error, e *Error, p Profile) {
	set := func(kind string, exit int, temp bool, hint string, args ...any) {
		d.Kind, d.Exit, d.Temporary, d.Hint = kind, exit, temp, fmt.Sprintf(hint, args...)
	}
	beforeGreeting := e != nil && (e.BeforeGreeting || (e.Stage == StageConnect && e.Code == 0))

	switch {
	case errors.Is(err, context.Canceled):
		set("canceled", ExitInternal, false, "The operation was cancelled before it finished.")
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
		set("dns-not-found", ExitConnect, false,
			"The host name %q does not exist. Check its spelling (for example smtp.gmail.com), or pick your provider's preset.", p.Host)
	case errors.As(err, &dnsErr):
		set("dns", ExitConnect, true,
			"The host name %q could not be looked up right now. Check that this computer is online and its DNS works, then try again.", p.Host)
	case errors.Is(err, syscall.ECONNREFUSED):
		set("refused", ExitConnect, true,
			"Nothing accepted the connection on port %d of %s. Check the port (%s); a firewall may also be rejecting it.", p.Port, p.Host, portAdvice(p))
	case errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH):
		set("unreachable", ExitConnect, true,
			"The network cannot reach %s. Check that this computer is online (and any VPN), then try again.", p.Host)
	case errors.As(err, &recErr) || strings.Contains(err.Error(), "first record does not look like a TLS handshake"):
		set("tls-on-plain-port", ExitTLS, false,
			"The server on port %d answered in plain text, not TLS: this port expects STARTTLS (or no encryption). Set security to STARTTLS, or use port 465 with SSL/TLS.", p.Port)
	case errors.As(err, &hostErr):
		set("cert-name-mismatch", ExitTLS, false,
			"The server's certificate is not valid for %q (%v). Use the host name the certificate names, which is usually the provider's documented SMTP host.", p.Host, hostErr.Error())
	case errors.As(err, &unknownCA):
		if p.CAFile != "" {
			set("cert-untrusted", ExitTLS, false,
				"The server's certificate was not signed by the CA in %s. Check that the CA file is the right one for this server.", p.CAFile)
		} else {
			set("cert-untrusted", ExitTLS, false,
				"The server's certificate is not trusted by this computer (self-signed or a private CA). If your organisation uses its own CA, give its certificate as the CA file; only skip verification on a network you trust.")
		}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		set("cert-expired", ExitTLS, false,
			"The server's certificate has expired (or this computer's clock is wrong). Check the date and time here; otherwise the provider must renew its certificate.")
	case errors.As(err, &invalid):
		set("cert-invalid", ExitTLS, false, "The server's certificate is not valid: %v.", invalid.Error())
	case errors.Is(err, ErrNoSTARTTLS):
		if p.Port == 465 {
			set("no-starttls", ExitTLS, false,
				"Port 465 uses SSL/TLS from the first byte, not STARTTLS. Set security to SSL/TLS.")
		} else {
			set("no-starttls", ExitTLS, false,
				"The server on port %d does not offer STARTTLS, so the connection cannot be encrypted. Try port 465 with SSL/TLS, or check the provider's settings.", p.Port)
		}
	case errors.Is(err, errInsecureAuth):
		set("insecure-auth", ExitTLS, false,
			"The password would cross the network unencrypted, so it was not sent. Set security to STARTTLS (port 587) or SSL/TLS (port 465).")
	case errors.Is(err, ErrNoCommonMechanism):
		set("auth-no-mechanism", ExitAuth, false,
			"The server offers no login method this app can use safely (%s). Choose another authentication method, or check the security setting.", err.Error())
	case errors.Is(err, ErrNoAuthOffered):
		set("auth-not-offered", ExitAuth, false,
			"The server does not offer a login at this point. Many servers only offer it after STARTTLS or on port 587/465: check the port and security, or set authentication to none for a relay that needs no login.")
	case errors.Is(err, ErrNeedsSMTPUTF8):
		set("needs-smtputf8", ExitRejected, false,
			"An address has non-ASCII characters before the @, and this server does not support SMTPUTF8. Use an ASCII address.")
	case errors.Is(err, ErrExpectsImplicitTLS):
		// A settings mistake, not a passing condition: retrying cannot help.
		set("expects-tls", ExitConnect, false,
			"Port %d stayed silent, but it answers a TLS handshake: it expects SSL/TLS from the first byte (as port 465 does). Set security to SSL/TLS.", p.Port)
	case beforeGreeting && timeout:
		switch {
		case p.Port == 465 && p.Security != SecurityTLS:
			set("timeout-expects-tls", ExitConnect, true,
				"No greeting arrived from port 465: that port expects SSL/TLS from the first byte. Set security to SSL/TLS.")
		case p.Port == 25:
			set("timeout-port-25", ExitConnect, true,
				"No answer from %s on port 25 within %s. Many internet providers and cloud hosts block outgoing port 25: use port 587 (STARTTLS) or 465 (SSL/TLS).", p.Host, p.EffectiveTimeout())
		default:
			set("timeout-connect", ExitConnect, true,
				"No answer from %s on port %d within %s. Check the host and port (%s); a firewall may be dropping the connection. Port 25 is often blocked, 587 and 465 rarely.", p.Host, p.Port, p.EffectiveTimeout(), portAdvice(p))
		}
	case beforeGreeting && e != nil && e.Stage == StageTLS:
		set("tls-handshake", ExitConnect, true,
			"The connection closed during the TLS handshake on port %d. If this port expects STARTTLS (587, 25), set security to STARTTLS.", p.Port)
	case beforeGreeting:
		set("closed-before-greeting", ExitConnect, true,
			"The server closed the connection before greeting. It may be overloaded or refusing this computer; try again later, or check the port (%s).", portAdvice(p))
	case e != nil && e.Stage == StageTLS && !dropped:
		set("tls-handshake", ExitTLS, false,
			"The TLS handshake failed (%s). Check the security setting for port %d (%s).", e.errText(), p.Port, portAdvice(p))
	case timeout:
		set("timeout", ExitTemporary, true,
			"The server stopped answering during %s for more than %s. It may be overloaded; the message can be retried later.", stageWords(d.Stage), p.EffectiveTimeout())
	case dropped:
		set("dropped", ExitTemporary, true,
			"The connection was dropped during %s. This is usually temporary; the message can be retried later.", stageWords(d.Stage))
	default:
		set("internal", ExitInternal, false,
			"An unexpected error happened during %s: %s. Please report it with the transcript.", stageWords(d.Stage), d.Message)
	}
}

func diagnoseSetup(d *Diagnosis, err error, set func(string, int, bool, string, ...any)) {
	var ke *KeyringError
	var h hinter
	switch {
	case errors.As(err, &ke):
		set("keyring", ExitUsage, false, "%s", ke.Hint())
	case errors.As(err, &h):
		// Other errors that know their own fix (an outbox that cannot be opened).
		set("setup", ExitUsage, false, "%s", h.Hint())
	case errors.Is(err, ErrSecretNotFound):
		set("no-password", ExitUsage, false,
			"No password is stored for this profile. Save one with: smtpconf profile save NAME --password-stdin")
	case errors.Is(err, ErrNoSuchProfile):
		set("no-profile", ExitUsage, false,
			"There is no profile by that name. List the profiles with 'smtpconf profile list', or create one with 'smtpconf profile save NAME --preset ID'.")
	case errors.Is(err, errInsecureAuth):
		set("insecure-auth", ExitUsage, false,
			"The password would cross the network unencrypted, so nothing was sent. Set security to STARTTLS (port 587) or SSL/TLS (port 465).")
	case errors.Is(err, ErrCorruptConfig), errors.Is(err, ErrConfigVersion):
		set("config", ExitUsage, false, "The profiles file cannot be read; it was left as it is. Fix it by hand, or move it aside to start afresh.")
	default:
		set("invalid-settings", ExitUsage, false, "The settings are not valid: %s. Correct them and try again.", err.Error())
	}
}

func diagnoseReply(d *Diagnosis, p Profile, set func(string, int, bool, string, ...any)) {
	provider := providerName(p)
	code, enh := d.Code, d.Enhanced
	text := strings.ToLower(d.Message)
	temp := code >= 400 && code < 500
	switch {
	// Security mismatches reported by the server.
	case code == 530 && (strings.Contains(text, "starttls") || enh == "5.7.0" && p.Security == SecurityNone):
		set("must-starttls", ExitTLS, false,
			"The server requires encryption first (%s). Set security to STARTTLS for port %d.", d.Message, p.Port)

	// The greeting.
	case d.Stage == StageConnect && temp:
		set("greeting-temporary", ExitTemporary, true,
			"The server is not accepting connections right now (%s). It is busy or limiting connections; the message will be retried later.", d.Message)
	case d.Stage == StageConnect:
		set("greeting-refused", ExitConnect, false,
			"The server refused this connection (%s). It may not offer mail submission to this computer; check the host and port.", d.Message)

	// Authentication.
	case d.Stage == StageAuth && code == 534 && enh == "5.7.9":
		set("auth-app-password", ExitAuth, false,
			"%s requires an application-specific password. Create an app password in your account's security settings and save it as this profile's password.", orServer(provider))
	case d.Stage == StageAuth && enh == "5.7.139":
		set("auth-basic-disabled", ExitAuth, false,
			"Basic authentication (user name and password) is disabled for this Microsoft account or organisation. Use OAuth2, or ask the administrator to enable SMTP AUTH for the mailbox.")
	case d.Stage == StageAuth && (code == 504 || enh == "5.7.4"):
		set("auth-mechanism", ExitAuth, false,
			"The server does not accept this login method (%s). Set authentication to auto, or to LOGIN for Microsoft 365.", d.Message)
	case d.Stage == StageAuth && temp:
		set("auth-temporary", ExitTemporary, true,
			"The server could not check the login right now (%s). Try again later.", d.Message)
	case d.Stage == StageAuth:
		set("auth-failed", ExitAuth, false, "%s", authHint(p, provider, d.Message))

	// Temporary replies in the transaction.
	case code == 421:
		set("service-unavailable", ExitTemporary, true,
			"The server is closing the connection (%s): it is busy or rate-limiting. The message will be retried later.", d.Message)
	case code == 452 || enh == "4.3.1":
		set("insufficient-storage", ExitTemporary, true,
			"The server is short of resources or limiting recipients (%s). Try again later.", d.Message)
	case temp:
		set("temporary", ExitTemporary, true,
			"The server asked to try again later (%s), for example because of greylisting or a temporary problem. The message will be retried.", d.Message)

	// Permanent rejections.
	case code == 552 || enh == "5.3.4" || enh == "5.2.3":
		set("too-large", ExitRejected, false,
			"The message is too large for this server (%s). Send a smaller message or fewer attachments.", d.Message)
	case d.Stage == StageMail && (enh == "5.7.1" || enh == "5.7.60" || code == 553) ||
		d.Stage == StageData && enh == "5.7.60" || strings.Contains(text, "sendasdenied"):
		set("sender-not-allowed", ExitRejected, false,
			"The server does not let this account send as %s (%s). Set the From address to your account's own address (or an alias the provider has verified).", fromOr(p), d.Message)
	case d.Stage == StageRcpt && (enh == "5.1.1" || enh == "5.1.10" || code == 550 && strings.Contains(text, "user")):
		set("recipient-unknown", ExitRejected, false,
			"The recipient address was refused (%s). Check it for typos.", d.Message)
	case d.Stage == StageRcpt && (enh == "5.7.1" || strings.Contains(text, "relay")):
		set("relay-denied", ExitRejected, false,
			"The server will not relay to this recipient (%s). Usually you must log in first: set a user name and password, or check the authentication settings.", d.Message)
	case code >= 500:
		set("rejected", ExitRejected, false,
			"The server rejected the message permanently at %s (%s). Retrying will not help; the reply says why.", stageWords(d.Stage), d.Message)
	default:
		set("unexpected-reply", ExitInternal, false, "The server gave an unexpected reply (%s).", d.Message)
	}
}

func authHint(p Profile, provider, reply string) string {
	if p.Preset == "local" {
		return fmt.Sprintf("The local test inbox refused the login (%s). It accepts only the user name and password saved in this profile: enter the password again and save.", reply)
	}
	pr, ok := PresetByID(p.Preset)
	if ok {
		switch pr.Credential {
		case CredAppPassword:
			return fmt.Sprintf("%s refused the user name or password (%s). %s needs an app password, not your normal account password: create one (%s) and save it as this profile's password.", provider, reply, provider, pr.HelpURL)
		case CredAuthCode:
			return fmt.Sprintf("%s refused the user name or password (%s). Use the authorisation code (授权码) from the mailbox settings, not your account password, and make sure SMTP is enabled there (%s).", provider, reply, pr.HelpURL)
		case CredAPIKey:
			return fmt.Sprintf("%s refused the credentials (%s). Check the user name and use an SMTP key or API key as the password (%s).", provider, reply, pr.HelpURL)
		case CredOAuth2:
			return fmt.Sprintf("%s refused the password login (%s). This provider only accepts OAuth2 sign-in for SMTP.", provider, reply)
		}
	}
	return fmt.Sprintf("The server refused the user name or password (%s). Check both; many providers need an app password or authorisation code instead of the account password.", reply)
}

func providerName(p Profile) string {
	if pr, ok := PresetByID(p.Preset); ok && p.Preset != "custom" && p.Preset != "local" {
		return pr.Name
	}
	return ""
}

func orServer(provider string) string {
	if provider == "" {
		return "The server"
	}
	return provider
}

func fromOr(p Profile) string {
	if p.From != "" {
		return p.From
	}
	return "this address"
}

func portAdvice(p Profile) string {
	switch p.Security {
	case SecurityTLS:
		return "SSL/TLS normally uses port 465"
	case SecuritySTARTTLS:
		return "STARTTLS normally uses port 587"
	}
	return "unencrypted SMTP normally uses port 25 or 587"
}

func stageWords(s Stage) string {
	switch s {
	case StageConnect:
		return "connecting"
	case StageTLS:
		return "the TLS handshake"
	case StageEHLO:
		return "the greeting (EHLO)"
	case StageAuth:
		return "login"
	case StageMail:
		return "the sender address (MAIL FROM)"
	case StageRcpt:
		return "the recipient address (RCPT TO)"
	case StageData:
		return "sending the message (DATA)"
	}
	return string(s)
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
