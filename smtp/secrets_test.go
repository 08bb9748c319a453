package smtp

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// fakeKeyring is an in-memory keyringBackend whose calls can fail or block.
type fakeKeyring struct {
	mu        sync.Mutex
	m         map[string]string // service + "\x00" + user -> secret
	fail      map[string]error  // op ("get", "set", "delete") -> error to return
	failUser  string            // if set, fail only for this user
	block     chan struct{}     // if non-nil, every call waits for it to close
	noDefault bool
	calls     []string
}

func newFakeKeyring() *fakeKeyring {
	return &fakeKeyring{m: map[string]string{}, fail: map[string]error{}}
}

func (f *fakeKeyring) enter(op, user string) error {
	f.mu.Lock()
	f.calls = append(f.calls, op+" "+user)
	block := f.block
	err := f.fail[op]
	if f.failUser != "" && f.failUser != user {
		err = nil
	}
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	return err
}

func (f *fakeKeyring) Get(s, u string) (string, error) {
	if err := f.enter("get", u); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[s+"\x00"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(s, u, p string) error {
	if err := f.enter("set", u); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.m[s+"\x00"+u] = p
	return nil
}

func (f *fakeKeyring) Delete(s, u string) error {
	if err := f.enter("delete", u); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[s+"\x00"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.m, s+"\x00"+u)
	return nil
}

func (f *fakeKeyring) noDefaultCollection() bool { return f.noDefault }

func (f *fakeKeyring) stored(service, user string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[service+"\x00"+user]
	return v, ok
}

// fakeSessionBus makes the "no session bus" pre-check pass for unit tests.
func fakeSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/fake-for-unit-tests")
}

func TestSecretValidate(t *testing.T) {
	ok := []string{"x", "pässwörd 🔑", "with\ttab", "sp ace", strings.Repeat("a", MaxSecretSize)}
	for _, s := range ok {
		if err := ValidateSecret(s); err != nil {
			t.Errorf("ValidateSecret(len %d) = %v", len(s), err)
		}
	}
	bad := []struct {
		s    string
		kind error
	}{
		{"", ErrInvalidSecret},
		{"a\nb", ErrInvalidSecret},
		{"a\rb", ErrInvalidSecret},
		{"a\x00b", ErrInvalidSecret},
		{"a\xffb", ErrInvalidSecret},
		{strings.Repeat("a", MaxSecretSize+1), ErrSecretTooLarge},
	}
	for _, c := range bad {
		err := ValidateSecret(c.s)
		if !errors.Is(err, c.kind) {
			t.Errorf("ValidateSecret(%q...) = %v, want %v", secretPrefix(c.s, 8), err, c.kind)
			continue
		}
		if c.s != "" && strings.Contains(err.Error(), c.s) {
			t.Errorf("error %q contains the secret", err)
		}
	}
}

func secretPrefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func TestSessionSecrets(t *testing.T) {
	s := NewSessionSecrets()
	if _, err := s.Get("work"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get of missing = %v, want ErrSecretNotFound", err)
	}
	if err := s.Set("work", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("home", "other"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("work"); err != nil || v != "s3cret" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Set("work", "new"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("work"); v != "new" {
		t.Fatalf("Set did not overwrite: %q", v)
	}
	if err := s.Set("work", "bad\nsecret"); !errors.Is(err, ErrInvalidSecret) || strings.Contains(err.Error(), "bad") {
		t.Fatalf("Set with LF = %v", err)
	}
	if err := s.Set("work", strings.Repeat("x", MaxSecretSize+1)); !errors.Is(err, ErrSecretTooLarge) {
		t.Fatalf("Set too large = %v", err)
	}
	if err := s.Set("", "x"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Set with empty name = %v", err)
	}
	if err := s.Rename("work", "job"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("work"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("old name still there after Rename: %v", err)
	}
	if v, _ := s.Get("job"); v != "new" {
		t.Fatalf("Rename lost the secret: %q", v)
	}
	if err := s.Rename("missing", "other"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("other"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Rename of a missing secret created one")
	}
	if err := s.Delete("job"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("job"); err != nil {
		t.Fatalf("Delete of missing = %v", err)
	}
	if _, err := s.Get("job"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Delete did not delete")
	}
	if v, _ := s.Get("home"); v != "other" {
		t.Fatal("profiles clash")
	}
	s.Clear()
	if _, err := s.Get("home"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Clear did not clear")
	}

	var zero SessionSecrets // the zero value works too
	if err := zero.Set("a", "b"); err != nil {
		t.Fatal(err)
	}
}

func TestSessionSecretsConcurrent(t *testing.T) {
	s := NewSessionSecrets()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := string(rune('a' + i))
			for range 200 {
				_ = s.Set(name, "v"+name)
				if v, err := s.Get(name); err != nil || v != "v"+name {
					t.Errorf("Get(%s) = %q, %v", name, v, err)
					return
				}
				_ = s.Delete(name)
			}
		}()
	}
	wg.Wait()
}

func TestKeyringFakeRoundTrip(t *testing.T) {
	fakeSessionBus(t)
	f := newFakeKeyring()
	k := Keyring{backend: f}
	if _, err := k.Get("work"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get of missing = %v", err)
	}
	var ke *KeyringError
	if _, err := k.Get("work"); errors.As(err, &ke) {
		t.Fatalf("missing secret should be a plain error, not a KeyringError with a hint: %v", err)
	}
	if err := k.Set("work", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if v, ok := f.stored(KeyringService, "work"); !ok || v != "s3cret" {
		t.Fatalf("stored %q under service %q", v, KeyringService)
	}
	if v, err := k.Get("work"); err != nil || v != "s3cret" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := k.Delete("work"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete("work"); err != nil {
		t.Fatalf("Delete of missing = %v", err)
	}

	k2 := Keyring{Service: "other", backend: f}
	if err := k2.Set("work", "x"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.stored("other", "work"); !ok {
		t.Fatal("Service not used")
	}
}

func TestKeyringSetRejectsBeforeKeyring(t *testing.T) {
	fakeSessionBus(t)
	f := newFakeKeyring()
	k := Keyring{backend: f}
	big := strings.Repeat("secretpart", 1000) // 10000 bytes
	cases := []struct {
		secret string
		kind   error
	}{
		{"", ErrInvalidSecret},
		{"pass\nword", ErrInvalidSecret},
		{"pass\rword", ErrInvalidSecret},
		{"pass\x00word", ErrInvalidSecret},
		{big, ErrSecretTooLarge},
	}
	for _, c := range cases {
		err := k.Set("work", c.secret)
		var ke *KeyringError
		if !errors.Is(err, c.kind) || !errors.As(err, &ke) {
			t.Errorf("Set(%q...) = %v, want a KeyringError of kind %v", secretPrefix(c.secret, 8), err, c.kind)
			continue
		}
		if ke.Hint() == "" || !strings.HasPrefix(err.Error(), `keyring: set "work": `) {
			t.Errorf("error %q / hint %q", err, ke.Hint())
		}
		if c.secret != "" && (strings.Contains(err.Error(), "pass") || strings.Contains(err.Error(), "secretpart")) {
			t.Errorf("error contains the secret: %q", err)
		}
	}
	if err := k.Set("work", big); !strings.Contains(err.(*KeyringError).Hint(), "8192 bytes") {
		t.Errorf("too-large hint does not name the limit: %q", err.(*KeyringError).Hint())
	}
	if len(f.calls) != 0 {
		t.Fatalf("keyring was called for invalid secrets: %v", f.calls)
	}
	if err := k.Set("", "x"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Set with empty profile = %v", err)
	}
}

func TestKeyringErrorClassification(t *testing.T) {
	fakeSessionBus(t)
	const secret = "hunter2-very-secret"
	cases := []struct {
		name      string
		err       error
		noDefault bool
		kind      error
		text      string // in Error()
		hint      string // in Hint()
	}{
		{"service unknown", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
			Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}},
			false, ErrKeyringUnavailable, "no Secret Service on the session bus: The name org.freedesktop.secrets", "gnome-keyring"},
		{"spawn failed", dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited", Body: []any{"exited 1"}},
			false, ErrKeyringUnavailable, "no Secret Service", "gnome-keyring"},
		{"no bus socket", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connect: no such file or directory")},
			false, ErrKeyringUnavailable, "no D-Bus session bus: dial unix", "D-Bus session bus"},
		{"dbus auth", errors.New("dbus: authentication failed"),
			false, ErrKeyringUnavailable, "no D-Bus session bus", "gnome-keyring"},
		{"locked (dbus)", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"locked"}},
			false, ErrKeyringLocked, "locked", "Unlock"},
		{"locked (go-keyring)", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"),
			false, ErrKeyringLocked, "the keyring is locked and was not unlocked: failed to unlock", "Unlock"},
		{"no default collection", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
			true, ErrKeyringUnavailable, "no default keyring", "default"},
		{"too big", keyring.ErrSetDataTooBig, false, ErrSecretTooLarge, "too large", "too long"},
		{"no reply", dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply", Body: []any{"no reply"}},
			false, ErrKeyringTimeout, "did not answer", "hidden"},
		{"other dbus error", &dbus.Error{Name: "org.example.Weird", Body: []any{"weird"}},
			false, ErrKeyringUnavailable, "the Secret Service failed: weird", "keyring"},
		{"echoes secret", errors.New("backend said " + secret),
			false, ErrKeyringUnavailable, "[redacted]", "keyring"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ops := []string{"get", "set", "delete"}
			if c.name == "echoes secret" {
				ops = []string{"set"} // only Set knows the secret
			}
			for _, op := range ops {
				f := newFakeKeyring()
				f.noDefault = c.noDefault
				f.fail[op] = c.err
				k := Keyring{backend: f}
				var err error
				switch op {
				case "get":
					_, err = k.Get("work")
				case "set":
					err = k.Set("work", secret)
				case "delete":
					err = k.Delete("work")
				}
				var ke *KeyringError
				if !errors.As(err, &ke) {
					t.Fatalf("%s: %v (%T) is not a KeyringError", op, err, err)
				}
				if !errors.Is(err, c.kind) {
					t.Errorf("%s: %v: errors.Is(kind %v) is false", op, err, c.kind)
				}
				if ke.Kind != c.kind || ke.Op != op || ke.Profile != "work" {
					t.Errorf("%s: %+v", op, ke)
				}
				if !strings.Contains(err.Error(), c.text) || !strings.HasPrefix(err.Error(), "keyring: "+op+` "work": `) {
					t.Errorf("%s: Error() = %q, want it to contain %q", op, err, c.text)
				}
				if !strings.Contains(ke.Hint(), c.hint) {
					t.Errorf("%s: Hint() = %q, want it to contain %q", op, ke.Hint(), c.hint)
				}
				if strings.Contains(err.Error(), secret) || strings.Contains(ke.Hint(), secret) {
					t.Errorf("%s: error contains the secret: %q", op, err)
				}
				if c.name != "echoes secret" && fmt.Sprint(ke.Err) != fmt.Sprint(c.err) {
					t.Errorf("%s: Err = %v, want the underlying error", op, ke.Err)
				}
			}
		})
	}
}

func TestKeyringHintsAreSentences(t *testing.T) {
	for _, kind := range []error{ErrKeyringUnavailable, ErrKeyringLocked, ErrKeyringTimeout,
		ErrSecretTooLarge, ErrInvalidSecret, ErrSecretNotFound, ErrInvalidName, errors.New("x")} {
		h := (&KeyringError{Op: "get", Kind: kind}).Hint()
		if h == "" || !strings.HasSuffix(h, ".") || strings.ToUpper(h[:1]) != h[:1] {
			t.Errorf("hint for %v is not a sentence: %q", kind, h)
		}
	}
	h := (&KeyringError{Kind: ErrKeyringUnavailable}).Hint()
	if !strings.Contains(h, "apt install gnome-keyring") || !strings.Contains(h, "KeePassXC") ||
		!strings.Contains(h, "session only") {
		t.Errorf("unavailable hint: %q", h)
	}
	e := &KeyringError{Op: "get", Profile: "w", Kind: ErrKeyringLocked}
	if e.Error() != `keyring: get "w": keyring locked` {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestKeyringTimeout(t *testing.T) {
	fakeSessionBus(t)
	f := newFakeKeyring()
	f.block = make(chan struct{})
	defer close(f.block)
	k := Keyring{Timeout: 100 * time.Millisecond, backend: f}
	start := time.Now()
	_, err := k.Get("work")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Get took %v despite the timeout", d)
	}
	var ke *KeyringError
	if !errors.Is(err, ErrKeyringTimeout) || !errors.As(err, &ke) {
		t.Fatalf("Get = %v, want ErrKeyringTimeout", err)
	}
	if !strings.Contains(err.Error(), "within 100ms") || !strings.Contains(ke.Hint(), "unlock") {
		t.Errorf("Error %q, Hint %q", err, ke.Hint())
	}
	if err := k.Set("work", "s3cret"); !errors.Is(err, ErrKeyringTimeout) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Set = %v", err)
	}
	if err := k.Delete("work"); !errors.Is(err, ErrKeyringTimeout) {
		t.Fatalf("Delete = %v", err)
	}
	if (Keyring{}).timeout() != 10*time.Second {
		t.Fatal("default timeout is not 10s")
	}
}

func TestKeyringNoBusAddressPrecheck(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if secretServiceBusMissing() == nil {
		t.Skip("a session bus exists at /run/user/UID; cannot test the missing-bus pre-check")
	}
	f := newFakeKeyring()
	k := Keyring{backend: f}
	_, err := k.Get("work")
	var ke *KeyringError
	if !errors.Is(err, ErrKeyringUnavailable) || !errors.As(err, &ke) ||
		!strings.Contains(err.Error(), "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set") ||
		!strings.Contains(ke.Hint(), "gnome-keyring") {
		t.Fatalf("Get = %v", err)
	}
	if len(f.calls) != 0 {
		t.Fatal("keyring called without a bus")
	}
}

func TestKeyringRenameFake(t *testing.T) {
	fakeSessionBus(t)
	t.Run("moves", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		_ = k.Set("old", "s3cret")
		if err := k.Rename("old", "new"); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.stored(KeyringService, "old"); ok {
			t.Error("old still stored")
		}
		if v, _ := f.stored(KeyringService, "new"); v != "s3cret" {
			t.Errorf("new = %q", v)
		}
		// set before delete
		var setAt, delAt int
		for i, c := range f.calls {
			switch c {
			case "set new":
				setAt = i
			case "delete old":
				delAt = i
			}
		}
		if setAt > delAt {
			t.Errorf("deleted before setting: %v", f.calls)
		}
	})
	t.Run("password and OAuth2 tokens both move", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		_ = k.Set("old", "s3cret")
		_ = k.Set(OAuthKey("old"), `{"refresh_token":"r"}`)
		if err := k.Rename("old", "new"); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"old", OAuthKey("old")} {
			if _, ok := f.stored(KeyringService, u); ok {
				t.Errorf("%s still stored", u)
			}
		}
		if v, _ := f.stored(KeyringService, "new"); v != "s3cret" {
			t.Errorf("new = %q", v)
		}
		if v, _ := f.stored(KeyringService, OAuthKey("new")); v != `{"refresh_token":"r"}` {
			t.Errorf("the tokens were lost in the rename: %s = %q (calls %v)", OAuthKey("new"), v, f.calls)
		}
	})
	t.Run("missing is nothing to do", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		if err := k.Rename("old", "new"); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.stored(KeyringService, "new"); ok {
			t.Error("created a secret")
		}
	})
	t.Run("same name", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		_ = k.Set("old", "s3cret")
		if err := k.Rename("old", "old"); err != nil {
			t.Fatal(err)
		}
		if v, _ := f.stored(KeyringService, "old"); v != "s3cret" {
			t.Error("lost the secret")
		}
	})
	t.Run("set fails keeps old", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		_ = k.Set("old", "s3cret")
		f.fail["set"] = dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"locked"}}
		err := k.Rename("old", "new")
		if !errors.Is(err, ErrKeyringLocked) || !strings.HasPrefix(err.Error(), `keyring: rename "old" to "new": storing under the new name`) {
			t.Fatalf("Rename = %v", err)
		}
		if v, _ := f.stored(KeyringService, "old"); v != "s3cret" {
			t.Error("lost the secret")
		}
	})
	t.Run("delete fails rolls back", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		_ = k.Set("old", "s3cret")
		f.fail["delete"] = dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked", Body: []any{"locked"}}
		f.failUser = "old"
		err := k.Rename("old", "new")
		if !errors.Is(err, ErrKeyringLocked) || !strings.Contains(err.Error(), "nothing was changed") {
			t.Fatalf("Rename = %v", err)
		}
		if v, _ := f.stored(KeyringService, "old"); v != "s3cret" {
			t.Error("lost the secret")
		}
		if _, ok := f.stored(KeyringService, "new"); ok {
			t.Error("new copy not rolled back")
		}
	})
	t.Run("delete fails restores previous", func(t *testing.T) {
		f := newFakeKeyring()
		k := Keyring{backend: f}
		_ = k.Set("old", "s3cret")
		_ = k.Set("new", "earlier")
		f.fail["delete"] = errors.New("dbus: connection closed")
		f.failUser = "old"
		if err := k.Rename("old", "new"); err == nil {
			t.Fatal("no error")
		}
		if v, _ := f.stored(KeyringService, "new"); v != "earlier" {
			t.Errorf("new = %q, want the earlier secret restored", v)
		}
		if v, _ := f.stored(KeyringService, "old"); v != "s3cret" {
			t.Error("lost the secret")
		}
	})
	t.Run("empty names", func(t *testing.T) {
		k := Keyring{backend: newFakeKeyring()}
		if err := k.Rename("", "x"); !errors.Is(err, ErrInvalidName) {
			t.Fatal(err)
		}
		if err := k.Rename("x", ""); !errors.Is(err, ErrInvalidName) {
			t.Fatal(err)
		}
	})
}

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
