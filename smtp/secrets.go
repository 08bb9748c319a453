package smtp

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SecretStore is where profile secrets (passwords and tokens) live, keyed by
// profile name.
type SecretStore interface {
	// Get returns the secret of a profile, or an error matching
	// ErrSecretNotFound (errors.Is) when none is stored.
	Get(profile string) (string, error)
	// Set stores the secret of a profile, replacing any earlier one.
	Set(profile, secret string) error
	// Delete removes the secret of a profile; deleting a missing secret is
	// not an error.
	Delete(profile string) error
}

// MaxSecretSize is the largest secret, in bytes, that Set accepts.
const MaxSecretSize = 8 << 10

// Sentinel errors for secrets. Callers test them with errors.Is. Errors from
// Keyring are *KeyringError values whose Kind is one of these (except a
// missing secret, which is a plain error wrapping ErrSecretNotFound).
var (
	ErrSecretNotFound     = errors.New("secret not found")
	ErrInvalidSecret      = errors.New("invalid secret")
	ErrSecretTooLarge     = errors.New("secret too large")
	ErrKeyringUnavailable = errors.New("keyring unavailable")
	ErrKeyringLocked      = errors.New("keyring locked")
	ErrKeyringTimeout     = errors.New("keyring timed out")
)

// ValidateSecret checks that a secret can be stored: not empty, at most
// MaxSecretSize bytes, valid UTF-8, and free of NUL, CR and LF. The error
// wraps ErrInvalidSecret or ErrSecretTooLarge and never contains the secret.
func ValidateSecret(secret string) error {
	switch {
	case secret == "":
		return fmt.Errorf("%w: empty", ErrInvalidSecret)
	case len(secret) > MaxSecretSize:
		return fmt.Errorf("%w: %d bytes, limit %d", ErrSecretTooLarge, len(secret), MaxSecretSize)
	case strings.ContainsAny(secret, "\r\n"):
		return fmt.Errorf("%w: contains a line break", ErrInvalidSecret)
	case strings.ContainsRune(secret, 0):
		return fmt.Errorf("%w: contains a NUL character", ErrInvalidSecret)
	case !utf8.ValidString(secret):
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalidSecret)
	}
	return nil
}

func validateSecretProfile(profile string) error {
	switch {
	case profile == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case strings.ContainsRune(profile, 0) || !utf8.ValidString(profile):
		return fmt.Errorf("%w: %q", ErrInvalidName, profile)
	}
	return nil
}

var (
	_ SecretStore = Keyring{}
	_ SecretStore = (*SessionSecrets)(nil)
	_ SecretStore = LayeredSecrets{}
)
