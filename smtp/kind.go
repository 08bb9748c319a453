package smtp

// Kind is a stable key for the cause of a failure ("auth-app-password",
// "tls-on-plain-port", ...): for tests, scripts (the "kind" field of the
// JSON reports) and the front ends, which choose icons, buttons and exit
// codes by it. Its value is the contract's string.
type Kind string

// The kinds a diagnosis gives. Grouped as Diagnose finds them.
const (
	KindOK       Kind = "ok"
	KindCanceled Kind = "canceled"
	// KindInterrupted: the outbox found a message left "sending" by a run
	// that stopped (package smtp/queue).
	KindInterrupted Kind = "interrupted"

	// Sign-in (OAuth2) tokens.
	KindOAuthSignIn      Kind = "oauth-sign-in"
	KindOAuthUnreachable Kind = "oauth-unreachable"

	// Before any connection.
	KindKeyring         Kind = "keyring"
	KindSetup           Kind = "setup"
	KindNoPassword      Kind = "no-password"
	KindNoProfile       Kind = "no-profile"
	KindInsecureAuth    Kind = "insecure-auth"
	KindConfig          Kind = "config"
	KindInvalidSettings Kind = "invalid-settings"

	// Reaching the server and securing the connection.
	KindDNSNotFound          Kind = "dns-not-found"
	KindDNS                  Kind = "dns"
	KindRefused              Kind = "refused"
	KindUnreachable          Kind = "unreachable"
	KindTLSOnPlainPort       Kind = "tls-on-plain-port"
	KindCertNameMismatch     Kind = "cert-name-mismatch"
	KindCertUntrusted        Kind = "cert-untrusted"
	KindCertExpired          Kind = "cert-expired"
	KindCertInvalid          Kind = "cert-invalid"
	KindNoSTARTTLS           Kind = "no-starttls"
	KindAuthNoMechanism      Kind = "auth-no-mechanism"
	KindAuthNotOffered       Kind = "auth-not-offered"
	KindNeedsSMTPUTF8        Kind = "needs-smtputf8"
	KindExpectsTLS           Kind = "expects-tls"
	KindTimeoutExpectsTLS    Kind = "timeout-expects-tls"
	KindTimeoutPort25        Kind = "timeout-port-25"
	KindTimeoutConnect       Kind = "timeout-connect"
	KindTLSHandshake         Kind = "tls-handshake"
	KindClosedBeforeGreeting Kind = "closed-before-greeting"
	KindTimeout              Kind = "timeout"
	KindDropped              Kind = "dropped"
	KindInternal             Kind = "internal"

	// The server's replies.
	KindMustSTARTTLS        Kind = "must-starttls"
	KindGreetingTemporary   Kind = "greeting-temporary"
	KindGreetingRefused     Kind = "greeting-refused"
	KindAuthAppPassword     Kind = "auth-app-password"
	KindAuthBasicDisabled   Kind = "auth-basic-disabled"
	KindAuthMechanism       Kind = "auth-mechanism"
	KindAuthTemporary       Kind = "auth-temporary"
	KindAuthFailed          Kind = "auth-failed"
	KindServiceUnavailable  Kind = "service-unavailable"
	KindInsufficientStorage Kind = "insufficient-storage"
	KindTemporary           Kind = "temporary"
	KindTooLarge            Kind = "too-large"
	KindSenderNotAllowed    Kind = "sender-not-allowed"
	KindRecipientUnknown    Kind = "recipient-unknown"
	KindRelayDenied         Kind = "relay-denied"
	KindRejected            Kind = "rejected"
	KindUnexpectedReply     Kind = "unexpected-reply"
)

// Kinds lists every kind, for front ends that map each to something of
// their own (the command line's exit codes) and for their tests.
var Kinds = []Kind{
	KindOK, KindCanceled, KindInterrupted, KindOAuthSignIn, KindOAuthUnreachable,
	KindKeyring, KindSetup, KindNoPassword, KindNoProfile, KindInsecureAuth, KindConfig, KindInvalidSettings,
	KindDNSNotFound, KindDNS, KindRefused, KindUnreachable, KindTLSOnPlainPort, KindCertNameMismatch,
	KindCertUntrusted, KindCertExpired, KindCertInvalid, KindNoSTARTTLS, KindAuthNoMechanism,
	KindAuthNotOffered, KindNeedsSMTPUTF8, KindExpectsTLS, KindTimeoutExpectsTLS, KindTimeoutPort25,
	KindTimeoutConnect, KindTLSHandshake, KindClosedBeforeGreeting, KindTimeout, KindDropped, KindInternal,
	KindMustSTARTTLS, KindGreetingTemporary, KindGreetingRefused, KindAuthAppPassword, KindAuthBasicDisabled,
	KindAuthMechanism, KindAuthTemporary, KindAuthFailed, KindServiceUnavailable, KindInsufficientStorage,
	KindTemporary, KindTooLarge, KindSenderNotAllowed, KindRecipientUnknown, KindRelayDenied, KindRejected,
	KindUnexpectedReply,
}

// Network reports whether the failure means this computer could not reach
// the server (no DNS, no route, no answer, a dropped connection): when the
// network comes back, such a message is worth trying again at once.
func (k Kind) Network() bool {
	switch k {
	case KindDNS, KindUnreachable, KindTimeoutConnect, KindTimeout, KindDropped:
		return true
	}
	return false
}
