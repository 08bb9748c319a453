package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// KeyringService is the service name secrets are stored under in the OS
// keyring; the user name is the profile name.
const KeyringService = "smtpconf"

// DefaultKeyringTimeout bounds each keyring call when Keyring.Timeout is zero.
const DefaultKeyringTimeout = 10 * time.Second

// KeyringError is a failure to use the OS keyring. It never contains the
// secret.
type KeyringError struct {
	Op      string // "get", "set", "delete" or "rename"
	Profile string // the profile whose secret was involved
	Kind    error  // one of the sentinel errors above
	Err     error  // the underlying error, if any; never contains the secret

	to     string // rename target
	reason string // what failed, in words; "" means Kind's text
	hint   string // "" means the default hint for Kind
}

// Error names what failed, e.g.
// `keyring: get "work": no Secret Service on the session bus: The name ...`.
func (e *KeyringError) Error() string {
	var b strings.Builder
	b.WriteString("keyring: ")
	b.WriteString(e.Op)
	if e.Profile != "" {
		b.WriteString(" " + strconv.Quote(e.Profile))
	}
	if e.to != "" {
		b.WriteString(" to " + strconv.Quote(e.to))
	}
	b.WriteString(": ")
	switch {
	case e.reason != "" && e.Err != nil:
		b.WriteString(e.reason + ": " + e.Err.Error())
	case e.reason != "":
		b.WriteString(e.reason)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	case e.Kind != nil:
		b.WriteString(e.Kind.Error())
	default:
		b.WriteString("failed")
	}
	return b.String()
}

// Unwrap returns Kind and Err, so errors.Is works for both.
func (e *KeyringError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Hint says in plain language how to fix the problem, in the language of the
// moment. The hints below are English sentences and translation keys.
func (e *KeyringError) Hint() string {
	if e.hint != "" {
		return l10n.L(e.hint)
	}
	switch e.Kind {
	case ErrKeyringUnavailable:
		return l10n.L(hintNoService)
	case ErrKeyringLocked:
		return l10n.L(hintLocked)
	case ErrKeyringTimeout:
		return l10n.L(hintTimeout)
	case ErrSecretTooLarge:
		return l10n.L(hintTooLarge)
	case ErrInvalidSecret:
		return l10n.L(hintInvalidSecret)
	case ErrSecretNotFound:
		return l10n.L("No password is stored for this profile. Enter it and save it, or use it for this session only.")
	case ErrInvalidName:
		return l10n.L("The profile needs a valid name before its password can be stored.")
	}
	return l10n.L("The keyring could not be used. Check that your keyring is running and unlocked, then try again; or use the password for this session only.")
}

const (
	hintSessionOnly = " Or use the password for this session only."
	hintNoBus       = "No D-Bus session bus was found, so no keyring can be reached. " +
		"Run SMTP Configurator inside a desktop session (or start one with dbus-run-session) " +
		"with GNOME Keyring (apt install gnome-keyring) or KeePassXC's Secret Service integration running, then try again." +
		hintSessionOnly
	hintNoService = "No keyring service is running. Install and unlock GNOME Keyring (apt install gnome-keyring) " +
		"or enable KeePassXC's Secret Service integration, then try again; or use the password for this session only."
	hintNoDefault = "The keyring service is running but has no default keyring to store passwords in. " +
		"Create a keyring and make it the default (in Passwords and Keys, or in KeePassXC's Secret Service settings), " +
		"unlock it, then try again." + hintSessionOnly
	hintLocked = "The keyring is locked and could not be unlocked. " +
		"Unlock it (in Passwords and Keys, unlock the \"Login\" keyring; in KeePassXC, unlock the database), then try again." +
		hintSessionOnly
	hintTimeout = "The keyring did not answer in time. It may be waiting for you to unlock it in a password window " +
		"that is hidden behind other windows; unlock it and try again." + hintSessionOnly
	hintTooLarge = "The password is too long: at most 8192 bytes (8 KiB) can be stored. " +
		"Check that you pasted only the password or token."
	hintRefusedLarge = "The keyring refused the password because it is too long for this system's keyring. " +
		"Check that you pasted only the password or token." + hintSessionOnly
	hintInvalidSecret = "The password must not be empty and must not contain line breaks or NUL characters. " +
		"Check that you pasted only the password or token."
)

// Keyring stores secrets in the OS keyring (the Secret Service on Linux and
// the BSDs, Keychain on macOS, Credential Manager on Windows) through
// go-keyring. Every call is bounded by Timeout: an unlock prompt that nobody
// answers yields ErrKeyringTimeout instead of a hang. A call that timed out
// may still complete later in the background.
type Keyring struct {
	Service string        // "" means KeyringService
	Timeout time.Duration // 0 means DefaultKeyringTimeout

	backend keyringBackend // nil means the OS keyring; set by tests
}

func (k Keyring) service() string {
	if k.Service == "" {
		return KeyringService
	}
	return k.Service
}

func (k Keyring) timeout() time.Duration {
	if k.Timeout <= 0 {
		return DefaultKeyringTimeout
	}
	return k.Timeout
}

func (k Keyring) be() keyringBackend {
	if k.backend == nil {
		return osKeyring{}
	}
	return k.backend
}

// Get returns the secret stored for profile. A missing secret is an error
// wrapping ErrSecretNotFound; other failures are *KeyringError.
func (k Keyring) Get(profile string) (string, error) {
	if err := validateSecretProfile(profile); err != nil {
		return "", &KeyringError{Op: "get", Profile: profile, Kind: ErrInvalidName, Err: err}
	}
	v, err := k.call("get", profile, func(b keyringBackend) (string, error) {
		return b.Get(k.service(), profile)
	})
	if err != nil {
		return "", err
	}
	return v, nil
}

// Set stores secret for profile, replacing any earlier one. The secret is
// checked with ValidateSecret before the keyring is asked.
func (k Keyring) Set(profile, secret string) error {
	if err := validateSecretProfile(profile); err != nil {
		return &KeyringError{Op: "set", Profile: profile, Kind: ErrInvalidName, Err: err}
	}
	if err := ValidateSecret(secret); err != nil {
		kind := ErrInvalidSecret
		if errors.Is(err, ErrSecretTooLarge) {
			kind = ErrSecretTooLarge
		}
		return &KeyringError{Op: "set", Profile: profile, Kind: kind, Err: err}
	}
	_, err := k.call("set", profile, func(b keyringBackend) (string, error) {
		return "", b.Set(k.service(), profile, secret)
	})
	return redactSecret(err, secret)
}

// Delete removes the secret of profile, and its OAuth2 tokens (stored
// under OAuthKey(profile)) if any. Deleting a missing secret is not an error.
func (k Keyring) Delete(profile string) error {
	err := k.deleteEntry(profile)
	if err == nil && !strings.HasSuffix(profile, OAuthKeySuffix) {
		err = k.deleteEntry(OAuthKey(profile))
	}
	return err
}

func (k Keyring) deleteEntry(profile string) error {
	if err := validateSecretProfile(profile); err != nil {
		return &KeyringError{Op: "delete", Profile: profile, Kind: ErrInvalidName, Err: err}
	}
	_, err := k.call("delete", profile, func(b keyringBackend) (string, error) {
		return "", b.Delete(k.service(), profile)
	})
	if errors.Is(err, ErrSecretNotFound) {
		return nil
	}
	return err
}

// Rename moves the secret of oldName to newName, replacing any secret newName
// had. If oldName has no secret there is nothing to do. The secret is never
// lost: it is stored under newName before it is deleted under oldName, and if
// that delete fails the new copy is removed again (or newName's earlier secret
// restored), leaving things as they were. If the delete timed out the outcome
// is unknown, so the new copy is kept and the error says so. The profile's
// OAuth2 tokens (OAuthKey) move the same way.
func (k Keyring) Rename(oldName, newName string) error {
	if err := k.renameEntry(oldName, newName); err != nil {
		return err
	}
	if oldName == newName || strings.HasSuffix(oldName, OAuthKeySuffix) || strings.HasSuffix(newName, OAuthKeySuffix) {
		return nil
	}
	return k.renameEntry(OAuthKey(oldName), OAuthKey(newName))
}

func (k Keyring) renameEntry(oldName, newName string) error {
	fail := func(err error, reason string) error {
		var ke *KeyringError
		if !errors.As(err, &ke) {
			return &KeyringError{Op: "rename", Profile: oldName, to: newName, Kind: ErrKeyringUnavailable, Err: err, reason: reason}
		}
		c := *ke
		c.Op, c.Profile, c.to = "rename", oldName, newName
		if reason != "" {
			if c.reason != "" {
				c.reason = reason + ": " + c.reason
			} else {
				c.reason = reason
			}
		}
		return &c
	}
	for _, n := range []string{oldName, newName} {
		if err := validateSecretProfile(n); err != nil {
			return &KeyringError{Op: "rename", Profile: oldName, to: newName, Kind: ErrInvalidName, Err: err}
		}
	}
	if oldName == newName {
		return nil
	}
	secret, err := k.Get(oldName)
	if errors.Is(err, ErrSecretNotFound) {
		return nil
	}
	if err != nil {
		return fail(err, "reading the secret")
	}
	prev, err := k.Get(newName)
	hadPrev := err == nil
	if err != nil && !errors.Is(err, ErrSecretNotFound) {
		return fail(err, "checking the new name")
	}
	if err := k.Set(newName, secret); err != nil {
		return fail(err, "storing under the new name")
	}
	// deleteEntry, not Delete: Delete also removes oldName's OAuth2 tokens,
	// which Rename moves next.
	err = k.deleteEntry(oldName)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrKeyringTimeout) {
		return fail(err, "removing the old name (the secret is stored under both names or only the new one)")
	}
	var rbErr error
	if hadPrev {
		rbErr = k.Set(newName, prev)
	} else {
		rbErr = k.deleteEntry(newName)
	}
	if rbErr != nil {
		return fail(err, "removing the old name (the secret is now stored under both names)")
	}
	return fail(err, "removing the old name (nothing was changed)")
}

// call runs one keyring operation in a goroutine bounded by the timeout and
// classifies its error.
func (k Keyring) call(op, profile string, f func(keyringBackend) (string, error)) (string, error) {
	if err := secretServiceBusMissing(); err != nil {
		return "", &KeyringError{Op: op, Profile: profile, Kind: ErrKeyringUnavailable, Err: err,
			reason: "no D-Bus session bus", hint: hintNoBus}
	}
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	be := k.be()
	go func() {
		v, err := f(be)
		if err != nil {
			err = classifyKeyringError(be, op, profile, err)
		}
		done <- result{v, err}
	}()
	t := time.NewTimer(k.timeout())
	defer t.Stop()
	select {
	case r := <-done:
		return r.v, r.err
	case <-t.C:
		return "", &KeyringError{Op: op, Profile: profile, Kind: ErrKeyringTimeout,
			reason: "no answer from the keyring within " + k.timeout().String()}
	}
}

// secretServiceBusMissing reports, where go-keyring uses the Secret Service,
// that there is no session bus to find it on. godbus would otherwise run
// dbus-launch, leaving a stray bus and keyring daemon behind on every call.
func secretServiceBusMissing() error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return nil
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return nil
	}
	dir := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return nil
		}
	}
	return errSessionBusNotSet
}

var errSessionBusNotSet = errors.New("DBUS_SESSION_BUS_ADDRESS is not set and " +
	"/run/user/" + strconv.Itoa(os.Getuid()) + "/bus does not exist")

// classifyKeyringError turns an error from go-keyring or godbus into an error
// wrapping ErrSecretNotFound or a *KeyringError.
func classifyKeyringError(be keyringBackend, op, profile string, err error) error {
	ke := &KeyringError{Op: op, Profile: profile, Err: err}
	var de dbus.Error
	var dep *dbus.Error
	name := ""
	if errors.As(err, &de) {
		name = de.Name
	} else if errors.As(err, &dep) {
		name = dep.Name
	}
	msg := err.Error()
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("keyring: %s %q: %w", op, profile, ErrSecretNotFound)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		ke.Kind, ke.reason, ke.hint = ErrSecretTooLarge, "the keyring refused the secret as too large", hintRefusedLarge
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		ke.Kind, ke.reason = ErrKeyringUnavailable, "no Secret Service on the session bus"
	case name == "org.freedesktop.Secret.Error.IsLocked":
		ke.Kind, ke.reason = ErrKeyringLocked, "the keyring is locked"
	case name == "org.freedesktop.Secret.Error.NoSuchObject":
		ke.Kind, ke.reason, ke.hint = ErrKeyringUnavailable, "the Secret Service has no default keyring", hintNoDefault
	case name == "org.freedesktop.DBus.Error.NoReply", name == "org.freedesktop.DBus.Error.Timeout",
		name == "org.freedesktop.DBus.Error.TimedOut":
		ke.Kind, ke.reason = ErrKeyringTimeout, "the keyring did not answer"
	case name != "":
		ke.Kind, ke.reason = ErrKeyringUnavailable, "the Secret Service failed"
	case strings.HasPrefix(msg, "failed to unlock correct collection"):
		// go-keyring's Unlock found nothing unlocked: either the prompt was
		// dismissed (or could not be shown), or there is no default keyring.
		if be.noDefaultCollection() {
			ke.Kind, ke.reason, ke.hint = ErrKeyringUnavailable, "the Secret Service has no default keyring", hintNoDefault
		} else {
			ke.Kind, ke.reason = ErrKeyringLocked, "the keyring is locked and was not unlocked"
		}
	case isBusConnectError(err):
		ke.Kind, ke.reason, ke.hint = ErrKeyringUnavailable, "no D-Bus session bus", hintNoBus
	default:
		ke.Kind, ke.reason = ErrKeyringUnavailable, "the keyring failed"
	}
	return ke
}

// isBusConnectError reports errors from connecting to the session bus.
func isBusConnectError(err error) bool {
	var ne net.Error
	var errno syscall.Errno
	return errors.As(err, &ne) || errors.As(err, &errno) ||
		errors.Is(err, dbus.ErrClosed) || errors.Is(err, os.ErrNotExist) ||
		errors.Is(err, io.EOF) || strings.HasPrefix(err.Error(), "dbus: ")
}

// redactSecret makes sure err does not contain secret. The underlying error
// is replaced by its redacted text if it did.
func redactSecret(err error, secret string) error {
	var ke *KeyringError
	if err == nil || secret == "" || !errors.As(err, &ke) || ke.Err == nil ||
		!strings.Contains(ke.Err.Error(), secret) {
		return err
	}
	c := *ke
	c.Err = errors.New(strings.ReplaceAll(ke.Err.Error(), secret, "[redacted]"))
	return &c
}

// keyringBackend is what Keyring needs from the OS keyring.
type keyringBackend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
	// noDefaultCollection reports that the Secret Service has no default
	// collection (so an unlock failure is not about a locked keyring).
	noDefaultCollection() bool
}

type osKeyring struct{}

func (osKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (osKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

func (osKeyring) noDefaultCollection() bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var path dbus.ObjectPath
	err = conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
		CallWithContext(ctx, "org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&path)
	return err == nil && path == "/"
}
