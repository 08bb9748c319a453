package relay

import (
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/smtpconf/smtpconf/smtp"
)

// CredentialKey is the keyring entry (service "smtpconf") of the relay
// credential. A profile name cannot contain '/', so it never clashes with
// a profile's password.
const CredentialKey = "relay/credential"

// CredentialUser is the user name local clients log in to the relay with.
const CredentialUser = "smtpconf"

// Credential returns the relay credential: the user name and the password
// kept in secrets under CredentialKey. When none is stored and create is
// set, a random one is made and stored first (once: later calls read it).
func Credential(secrets smtp.SecretStore, create bool) (user, pass string, err error) {
	pass, err = secrets.Get(CredentialKey)
	if err == nil {
		return CredentialUser, pass, nil
	}
	if !errors.Is(err, smtp.ErrSecretNotFound) || !create {
		return "", "", err
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	pass = base64.RawURLEncoding.EncodeToString(b[:])
	if err := secrets.Set(CredentialKey, pass); err != nil {
		return "", "", err
	}
	return CredentialUser, pass, nil
}
