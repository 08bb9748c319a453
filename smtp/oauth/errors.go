package oauth

import (
	"errors"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Kinds of failure, for errors.Is. Every error this package returns about
// signing in is an *Error whose Kind is one of these (keyring failures stay
// *smtp.KeyringError).
var (
	ErrNoProvider     = errors.New("no OAuth2 provider for this profile")
	ErrNoClientID     = errors.New("no OAuth2 client ID configured")
	ErrSettings       = errors.New("invalid OAuth2 settings")
	ErrConsentDenied  = errors.New("consent denied")
	ErrStateMismatch  = errors.New("sign-in response does not match the request (state)")
	ErrSignInFailed   = errors.New("sign-in failed")
	ErrSignInAgain    = errors.New("sign-in expired or withdrawn; sign in again")
	ErrNotSignedIn    = errors.New("not signed in")
	ErrUnreachable    = errors.New("the sign-in service could not be reached")
	ErrTimeout        = errors.New("sign-in not completed in time")
	ErrClientRejected = errors.New("the provider rejected the app's client ID")
	ErrTokenTooLarge  = errors.New("token too large for the keyring")
	ErrCanceled       = errors.New("sign-in cancelled")
	// ErrNoRefreshToken: the sign-in finished, but the provider issued no
	// refresh token (Google does so only with consent) and none that fits
	// is stored; nothing was stored.
	ErrNoRefreshToken = errors.New("the provider issued no refresh token")
)

// Error is a sign-in or token failure. It never contains a token.
type Error struct {
	Kind     error      // one of the Err* values above
	Provider ProviderID // "" if not known
	// Code and Description are the provider's error ("invalid_grant",
	// "access_denied") and its words, when it gave them.
	Code        string
	Description string
	Err         error // the underlying error, if any
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oauth")
	if e.Provider != "" {
		b.WriteString(" (" + string(e.Provider) + ")")
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.Error())
	if e.Code != "" {
		b.WriteString(": " + e.Code)
		if e.Description != "" {
			b.WriteString(" (" + clip(e.Description, 300) + ")")
		}
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is access to Kind, the cause, and the core's
// sentinels (smtp.ErrSignInRequired, smtp.ErrTokenEndpoint,
// smtp.ErrSecretNotFound, smtp.ErrSecretTooLarge) that the diagnosis and
// the outbox understand.
func (e *Error) Unwrap() []error {
	errs := []error{e.Kind}
	switch e.Kind {
	case ErrSignInAgain, ErrConsentDenied, ErrSignInFailed, ErrStateMismatch, ErrNoRefreshToken:
		errs = append(errs, smtp.ErrSignInRequired)
	case ErrUnreachable:
		errs = append(errs, smtp.ErrTokenEndpoint)
	case ErrNotSignedIn:
		errs = append(errs, smtp.ErrSecretNotFound)
	case ErrTokenTooLarge:
		errs = append(errs, smtp.ErrSecretTooLarge)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func (e *Error) name() string {
	if info, ok := Info(e.Provider); ok {
		return info.Name
	}
	return l10n.L("the provider")
}

// Remedy is the fix as data, for the failures whose fix each front end
// words for itself: signing in, and registering a client ID (where the ID
// goes differs: a command, or the window's Settings).
func (e *Error) Remedy() smtp.Remedy {
	r := smtp.Remedy{Provider: string(e.Provider), ProviderName: e.name()}
	switch e.Kind {
	case ErrNotSignedIn:
		r.Action = smtp.RemedySignIn
	case ErrNoClientID, ErrClientRejected:
		r.Action = smtp.RemedyRegisterOAuthClient
	default:
		return smtp.Remedy{}
	}
	return r
}

// hints say in plain words what to do about each kind of failure, naming
// no command or button; each is a key of the catalogs and may name the
// provider.
var hints = map[error]string{
	ErrNoProvider:     "Signing in is available for Gmail, Outlook.com and Microsoft 365. Pick one of those presets, or use a password for other servers.",
	ErrNoClientID:     "This copy of smtpconf has no client ID for {{.Provider}}. To register one:",
	ErrSettings:       "The OAuth2 settings (oauth.json in the config directory, or the SMTPCONF_* environment variables) cannot be used, as the message says. Fix them, or move oauth.json aside.",
	ErrConsentDenied:  "Access was not granted. Sign in again and allow smtpconf to send mail for your account.",
	ErrStateMismatch:  "The answer from the browser did not belong to this sign-in, so it was refused. Sign in again, and use only the page smtpconf opened.",
	ErrSignInFailed:   "{{.Provider}} did not complete the sign-in. Try again; if it keeps failing, check the client ID settings.",
	ErrSignInAgain:    "The sign-in with {{.Provider}} has expired or was withdrawn (for example after a password change). Sign in again.",
	ErrNotSignedIn:    "This profile is not signed in yet.",
	ErrUnreachable:    "The sign-in service of {{.Provider}} could not be reached. Check that this computer is online, then try again.",
	ErrTimeout:        "The sign-in was not completed in time. Start it again and finish it in the browser.",
	ErrClientRejected: "{{.Provider}} does not accept this app's client ID (or secret). Check the client ID in the settings; to register one:",
	ErrTokenTooLarge:  "The sign-in token from {{.Provider}} is larger than the keyring can store (at most 8192 bytes). Please report this; until then use an app password if the provider allows one.",
	ErrCanceled:       "The sign-in was cancelled.",
	ErrNoRefreshToken: "The sign-in with {{.Provider}} finished, but {{.Provider}} did not give smtpconf a lasting sign-in (no refresh token), so nothing was stored. Remove smtpconf's access in your account's security settings (third-party apps with account access), then sign in again.",
}

// Hint says in plain words what to do, naming no command or button: the
// front ends add those from Remedy. The hints that ask for a client ID end
// with the steps of registering one.
func (e *Error) Hint() string {
	key, ok := hints[e.Kind]
	if !ok {
		return ""
	}
	h := l10n.L(key, map[string]any{"Provider": e.name()})
	if e.Remedy().Action == smtp.RemedyRegisterOAuthClient {
		h += "\n" + strings.Join(RegistrationSteps(e.Provider), "\n")
	}
	return h
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
