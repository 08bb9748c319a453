package cli

import (
	"context"
	"errors"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
)

// Exit codes of the command line (the contract in DESIGN.md). The core
// says what failed (a kind and a stage); the command line alone turns that
// into a number.
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

// kindExit is the exit code of each kind of failure. A kind missing here
// exits 2 when it happened before any connection (stage setup), else 1.
var kindExit = map[smtp.Kind]int{
	smtp.KindOK:       ExitOK,
	smtp.KindCanceled: ExitInternal,

	smtp.KindOAuthSignIn:      ExitAuth,
	smtp.KindOAuthUnreachable: ExitConnect,

	smtp.KindKeyring: ExitUsage, smtp.KindSetup: ExitUsage, smtp.KindNoPassword: ExitUsage,
	smtp.KindNoProfile: ExitUsage, smtp.KindConfig: ExitUsage, smtp.KindInvalidSettings: ExitUsage,

	smtp.KindDNSNotFound: ExitConnect, smtp.KindDNS: ExitConnect, smtp.KindRefused: ExitConnect,
	smtp.KindUnreachable: ExitConnect, smtp.KindExpectsTLS: ExitConnect, smtp.KindTimeoutExpectsTLS: ExitConnect,
	smtp.KindTimeoutPort25: ExitConnect, smtp.KindTimeoutConnect: ExitConnect,
	smtp.KindClosedBeforeGreeting: ExitConnect, smtp.KindGreetingRefused: ExitConnect,

	smtp.KindTLSOnPlainPort: ExitTLS, smtp.KindCertNameMismatch: ExitTLS, smtp.KindCertUntrusted: ExitTLS,
	smtp.KindCertExpired: ExitTLS, smtp.KindCertInvalid: ExitTLS, smtp.KindNoSTARTTLS: ExitTLS,
	smtp.KindInsecureAuth: ExitTLS, smtp.KindMustSTARTTLS: ExitTLS, smtp.KindTLSHandshake: ExitTLS,

	smtp.KindAuthNoMechanism: ExitAuth, smtp.KindAuthNotOffered: ExitAuth, smtp.KindAuthAppPassword: ExitAuth,
	smtp.KindAuthBasicDisabled: ExitAuth, smtp.KindAuthMechanism: ExitAuth, smtp.KindAuthFailed: ExitAuth,

	smtp.KindNeedsSMTPUTF8: ExitRejected, smtp.KindTooLarge: ExitRejected, smtp.KindSenderNotAllowed: ExitRejected,
	smtp.KindRecipientUnknown: ExitRejected, smtp.KindRelayDenied: ExitRejected, smtp.KindRejected: ExitRejected,

	smtp.KindTimeout: ExitTemporary, smtp.KindDropped: ExitTemporary, smtp.KindGreetingTemporary: ExitTemporary,
	smtp.KindAuthTemporary: ExitTemporary, smtp.KindServiceUnavailable: ExitTemporary,
	smtp.KindInsufficientStorage: ExitTemporary, smtp.KindTemporary: ExitTemporary,

	smtp.KindInternal: ExitInternal, smtp.KindUnexpectedReply: ExitInternal,
}

// exitCode is the exit code of a failure the core diagnosed.
func exitCode(k smtp.Kind, stage smtp.Stage, temporary bool) int {
	switch {
	case k == smtp.KindInsecureAuth && stage == smtp.StageSetup:
		// Refused before connecting: a settings mistake.
		return ExitUsage
	case k == smtp.KindTLSHandshake && temporary:
		// The implicit-TLS handshake dropped before any greeting: the
		// contract counts it as "could not connect".
		return ExitConnect
	}
	if c, ok := kindExit[k]; ok {
		return c
	}
	if stage == smtp.StageSetup {
		return ExitUsage
	}
	return ExitInternal
}

// reportExit is the exit code of a failed check or test.
func reportExit(r smtp.Report) int { return exitCode(r.Kind, r.Stage, r.Temporary) }

// oauthExit is the exit code of a sign-in command's failure: 2 for
// settings (no client ID, no provider, not signed in, token too large, the
// keyring), 3 when the provider cannot be reached, 5 for a refused or
// expired sign-in, 130 when cancelled (Ctrl+C), as `queue run`.
func oauthExit(err error) int {
	var e *oauth.Error
	var ke *smtp.KeyringError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &e):
		switch e.Kind {
		case oauth.ErrUnreachable:
			return ExitConnect
		case oauth.ErrConsentDenied, oauth.ErrStateMismatch, oauth.ErrSignInFailed, oauth.ErrSignInAgain,
			oauth.ErrTimeout, oauth.ErrNoRefreshToken:
			return ExitAuth
		case oauth.ErrCanceled:
			return exitInterrupted
		}
		return ExitUsage
	case errors.As(err, &ke):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	d := smtp.Diagnose(err, smtp.Profile{})
	return exitCode(d.Kind, d.Stage, d.Temporary)
}
