package smtp

import (
	"errors"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestLayeredSecrets(t *testing.T) {
	fakeSessionBus(t)
	f := newFakeKeyring()
	sess := NewSessionSecrets()
	l := LayeredSecrets{Session: sess, Persistent: Keyring{backend: f}}

	if _, err := l.Get("work"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get = %v", err)
	}
	_ = sess.Set("work", "session-only")
	f.calls = nil
	if v, err := l.Get("work"); err != nil || v != "session-only" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if len(f.calls) != 0 {
		t.Error("keyring asked although a session secret exists")
	}
	if _, ok := f.stored(KeyringService, "work"); ok {
		t.Error("session secret reached the keyring")
	}
	if err := l.Set("work", "stored"); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Get("work"); v != "stored" {
		t.Fatalf("after Set, Get = %q", v)
	}
	if err := l.Rename("work", "job"); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Get("job"); v != "stored" {
		t.Fatal("rename lost it")
	}
	_ = sess.Set("job", "s")
	if err := l.Delete("job"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Get("job"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Delete left something")
	}

	// Keyring errors come through when there is no session secret.
	f.fail["get"] = dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"x"}}
	if _, err := l.Get("other"); !errors.Is(err, ErrKeyringUnavailable) {
		t.Fatalf("Get = %v", err)
	}
}
