package smtp

// Tests against real D-Bus and Secret Service setups.
//
// The tests named TestKeyringReal* use the keyring of the session they run
// in, so they only run under .ci/with-keyring.sh, which provides a
// private, unlocked GNOME Keyring and sets SMTPCONF_KEYRING_TEST=1. With that
// variable set they fail (never skip) when something is missing.
//
// godbus caches the session bus connection per process, so the tests of
// broken setups (no bus, no Secret Service, no default keyring, locked
// keyring) re-run this test binary as a child process with its own
// environment, often on a private bus from dbus-run-session. The child tests
// (TestKeyringChild*) skip unless started that way.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

const (
	keyringTestEnv  = "SMTPCONF_KEYRING_TEST"  // "1": real keyring tests must run
	keyringChildEnv = "SMTPCONF_KEYRING_CHILD" // names the child test to run
	keyringScript   = ".ci/with-keyring.sh"
)

func keyringTestsRequired() bool { return os.Getenv(keyringTestEnv) == "1" }

// needTool returns the path of an external program, skipping the test if it
// is missing (failing under with-keyring.sh).
func needKeyringTool(t *testing.T, name, pkg string) string {
	t.Helper()
	if runtime.GOOS != "linux" && !keyringTestsRequired() {
		t.Skip("Secret Service tests run on Linux")
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if keyringTestsRequired() {
			t.Fatalf("%s not found (apt install %s)", name, pkg)
		}
		t.Skipf("%s not found (apt install %s)", name, pkg)
	}
	return p
}

// realKeyring returns a Keyring for the session's (private) keyring, or skips
// unless running under .ci/with-keyring.sh.
func realKeyring(t *testing.T) Keyring {
	t.Helper()
	if !keyringTestsRequired() {
		t.Skipf("needs a private keyring: run with bash %s go test ... (sets %s=1)", keyringScript, keyringTestEnv)
	}
	needKeyringTool(t, "secret-tool", "libsecret-tools")
	k := Keyring{Timeout: 5 * time.Second}
	if _, err := k.Get("smtpconf-test-probe-" + keyringTestSuffix(t)); !errors.Is(err, ErrSecretNotFound) {
		var ke *KeyringError
		hint := ""
		if errors.As(err, &ke) {
			hint = ke.Hint()
		}
		t.Fatalf("keyring unreachable (%s=1): %v\nhint: %s", keyringTestEnv, err, hint)
	}
	return k
}

func keyringTestSuffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

var keyringNonName = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// testProfile returns a profile name unique to this test and run, and deletes
// its secret when the test ends.
func keyringTestProfile(t *testing.T, k Keyring, tag string) string {
	t.Helper()
	name := "smtpconf-test-" + keyringNonName.ReplaceAllString(t.Name(), "-") + "-" + tag + "-" + keyringTestSuffix(t)
	t.Cleanup(func() {
		if err := k.Delete(name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return name
}

// lookup asks secret-tool, an independent Secret Service client, for the
// secret of a profile.
func secretToolLookup(t *testing.T, service, profile string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "secret-tool", "lookup", "service", service, "username", profile)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && stdout.Len() == 0 && stderr.Len() == 0 {
		return "", false
	}
	if err != nil {
		t.Fatalf("secret-tool lookup %s: %v: %s", profile, err, stderr.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), true
}

// countItems counts the keyring items secret-tool finds for a profile.
func secretToolCount(t *testing.T, service, profile string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "secret-tool", "search", "--all", "service", service, "username", profile).Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("secret-tool search: %v", err)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "[/") {
			n++
		}
	}
	return n
}

func wantKeyringStored(t *testing.T, k Keyring, profile, want string) {
	t.Helper()
	got, ok := secretToolLookup(t, k.service(), profile)
	if !ok {
		t.Fatalf("secret-tool finds no secret for %s", profile)
	}
	if got != want {
		t.Fatalf("secret-tool finds a different secret for %s (%d bytes, want %d)", profile, len(got), len(want))
	}
	v, err := k.Get(profile)
	if err != nil {
		t.Fatalf("Get(%s): %v", profile, err)
	}
	if v != want {
		t.Fatalf("Get(%s) returned a different secret (%d bytes, want %d)", profile, len(v), len(want))
	}
}

func wantKeyringMissing(t *testing.T, k Keyring, profile string) {
	t.Helper()
	if _, ok := secretToolLookup(t, k.service(), profile); ok {
		t.Fatalf("secret-tool still finds a secret for %s", profile)
	}
	if _, err := k.Get(profile); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get(%s) = %v, want ErrSecretNotFound", profile, err)
	}
}

func TestKeyringRealSetGetOverwrite(t *testing.T) {
	k := realKeyring(t)
	p := keyringTestProfile(t, k, "a")
	if err := k.Set(p, "first secret"); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, p, "first secret")
	if err := k.Set(p, "second secret"); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, p, "second secret")
	if n := secretToolCount(t, k.service(), p); n != 1 {
		t.Fatalf("%d keyring items after overwriting, want 1", n)
	}
}

func TestKeyringRealDelete(t *testing.T) {
	k := realKeyring(t)
	p := keyringTestProfile(t, k, "a")
	if err := k.Set(p, "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(p); err != nil {
		t.Fatal(err)
	}
	wantKeyringMissing(t, k, p)
	if err := k.Delete(p); err != nil {
		t.Fatalf("Delete of a missing secret: %v", err)
	}
}

func TestKeyringRealRename(t *testing.T) {
	k := realKeyring(t)
	oldName, newName := keyringTestProfile(t, k, "old"), keyringTestProfile(t, k, "new")
	if err := k.Set(oldName, "moving secret"); err != nil {
		t.Fatal(err)
	}
	if err := k.Rename(oldName, newName); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, newName, "moving secret")
	wantKeyringMissing(t, k, oldName)

	// Nothing to move: no error, nothing created.
	other := keyringTestProfile(t, k, "other")
	if err := k.Rename(oldName, other); err != nil {
		t.Fatal(err)
	}
	wantKeyringMissing(t, k, other)

	// Onto a name with a secret: the moved one wins.
	if err := k.Set(other, "stale"); err != nil {
		t.Fatal(err)
	}
	if err := k.Rename(newName, other); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, other, "moving secret")
	wantKeyringMissing(t, k, newName)
	if n := secretToolCount(t, k.service(), other); n != 1 {
		t.Fatalf("%d items, want 1", n)
	}
}

func TestKeyringRealUnicode(t *testing.T) {
	k := realKeyring(t)
	for i, s := range []string{"pässwörd", "пароль 密码 🔑", "tab\tand spaces ", `"quotes' \ back`} {
		p := keyringTestProfile(t, k, string(rune('a'+i)))
		if err := k.Set(p, s); err != nil {
			t.Fatal(err)
		}
		wantKeyringStored(t, k, p, s)
	}
	// Unicode profile names work too.
	p := keyringTestProfile(t, k, "Bürö-日本")
	if err := k.Set(p, "x"); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, p, "x")
}

func TestKeyringRealTooLarge(t *testing.T) {
	k := realKeyring(t)
	p := keyringTestProfile(t, k, "a")
	big := strings.Repeat("9kib-secret-", 9<<10/12)
	err := k.Set(p, big)
	var ke *KeyringError
	if !errors.Is(err, ErrSecretTooLarge) || !errors.As(err, &ke) || !strings.Contains(ke.Hint(), "8192") {
		t.Fatalf("Set of %d bytes = %v", len(big), err)
	}
	if strings.Contains(err.Error(), "9kib-secret") {
		t.Fatal("error contains the secret")
	}
	wantKeyringMissing(t, k, p)

	exact := strings.Repeat("x", MaxSecretSize)
	if err := k.Set(p, exact); err != nil {
		t.Fatalf("Set of exactly %d bytes: %v", MaxSecretSize, err)
	}
	wantKeyringStored(t, k, p, exact)
}

func TestKeyringRealTwoProfiles(t *testing.T) {
	k := realKeyring(t)
	a, b := keyringTestProfile(t, k, "a"), keyringTestProfile(t, k, "b")
	if err := k.Set(a, "secret A"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(b, "secret B"); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, a, "secret A")
	wantKeyringStored(t, k, b, "secret B")
	if err := k.Delete(a); err != nil {
		t.Fatal(err)
	}
	wantKeyringMissing(t, k, a)
	wantKeyringStored(t, k, b, "secret B")
}

func TestKeyringRealService(t *testing.T) {
	k := realKeyring(t)
	k.Service = "smtpconf-test-service"
	p := keyringTestProfile(t, k, "a")
	if err := k.Set(p, "elsewhere"); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, p, "elsewhere")
	if _, ok := secretToolLookup(t, KeyringService, p); ok {
		t.Fatal("secret also found under the default service")
	}
}

func TestKeyringRealLayered(t *testing.T) {
	k := realKeyring(t)
	p := keyringTestProfile(t, k, "a")
	l := LayeredSecrets{Session: NewSessionSecrets(), Persistent: k}
	if err := l.Session.Set(p, "session only"); err != nil {
		t.Fatal(err)
	}
	if v, err := l.Get(p); err != nil || v != "session only" {
		t.Fatalf("Get = %v", err)
	}
	wantKeyringMissing(t, k, p)
	if err := l.Set(p, "kept"); err != nil {
		t.Fatal(err)
	}
	wantKeyringStored(t, k, p, "kept")
	if v, _ := l.Get(p); v != "kept" {
		t.Fatal("session secret shadows the stored one after Set")
	}
}

func TestKeyringRealConcurrent(t *testing.T) {
	k := realKeyring(t)
	var names []string
	for i := range 6 {
		names = append(names, keyringTestProfile(t, k, string(rune('a'+i))))
	}
	var wg sync.WaitGroup
	for i, p := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := "secret " + p
			for range 3 {
				if err := k.Set(p, want); err != nil {
					t.Errorf("Set %d: %v", i, err)
					return
				}
				if v, err := k.Get(p); err != nil || v != want {
					t.Errorf("Get %d: %v (same secret: %v)", i, err, v == want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// --- Broken setups, in child processes ---

// childTest skips unless this process is the child started for name.
func keyringChildTest(t *testing.T) {
	t.Helper()
	if os.Getenv(keyringChildEnv) != t.Name() {
		t.Skip("helper: runs only in a child process started by another test")
	}
}

// runChild runs test name of this binary in a child process, under wrapper
// (e.g. dbus-run-session), with a fresh HOME and XDG_RUNTIME_DIR, no display
// and the given extra environment ("KEY=" removes KEY). It fails t if the
// child fails, and returns the child's output.
func runKeyringChild(t *testing.T, name string, wrapper []string, extra ...string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "smtpconf-keyring-child-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Daemons on the child's bus may still be exiting; retry briefly.
		for range 10 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	for _, d := range []string{"home", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	drop := map[string]bool{
		"HOME": true, "XDG_RUNTIME_DIR": true, "XDG_DATA_HOME": true, "XDG_CONFIG_HOME": true,
		"DISPLAY": true, "WAYLAND_DISPLAY": true, "GNOME_KEYRING_CONTROL": true,
		keyringChildEnv: true,
	}
	set := []string{
		"HOME=" + filepath.Join(dir, "home"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		keyringChildEnv + "=" + name,
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		drop[k] = true
		if v != "" {
			set = append(set, kv)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, set...)

	args := append(append([]string{}, wrapper...), os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("child %s (%v):\n%s", name, time.Since(start).Round(time.Millisecond), keyringIndent(out))
	if err != nil {
		t.Fatalf("child %s: %v", name, err)
	}
	if !bytes.Contains(out, []byte("--- PASS: "+name)) && !bytes.Contains(out, []byte("--- SKIP: "+name)) {
		t.Fatalf("child %s did not run", name)
	}
	return string(out)
}

func keyringIndent(b []byte) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if strings.Contains(l, "Failed to set fd limit") {
			continue // dbus-daemon noise in containers
		}
		lines = append(lines, "\t| "+l)
	}
	return strings.Join(lines, "\n")
}

// dbusRunSession returns the wrapper that runs a child on a private bus.
func dbusRunSession(t *testing.T, args ...string) []string {
	return append([]string{needKeyringTool(t, "dbus-run-session", "dbus")}, append(args, "--")...)
}

// wantKeyringFailure checks that all operations fail with kind, that Error
// contains text and Hint contains hint, and logs what was seen.
func wantKeyringFailure(t *testing.T, k Keyring, kind error, text, hint string) {
	t.Helper()
	const secret = "never-show-this-secret"
	checks := []struct {
		op string
		f  func() error
	}{
		{"get", func() error { _, err := k.Get("work"); return err }},
		{"set", func() error { return k.Set("work", secret) }},
		{"delete", func() error { return k.Delete("work") }},
		{"rename", func() error { return k.Rename("work", "job") }},
	}
	for _, c := range checks {
		start := time.Now()
		err := c.f()
		d := time.Since(start)
		var ke *KeyringError
		if !errors.As(err, &ke) {
			t.Errorf("%s: %v (%T) is not a *KeyringError", c.op, err, err)
			continue
		}
		t.Logf("%s (%v): Error: %v\n\tKind: %v; Err: %T %v\n\tHint: %s", c.op, d.Round(time.Millisecond), err, ke.Kind, ke.Err, ke.Err, ke.Hint())
		if !errors.Is(err, kind) {
			t.Errorf("%s: errors.Is(err, %v) is false", c.op, kind)
		}
		if !strings.Contains(err.Error(), text) {
			t.Errorf("%s: Error() lacks %q", c.op, text)
		}
		if !strings.Contains(ke.Hint(), hint) {
			t.Errorf("%s: Hint() lacks %q", c.op, hint)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(ke.Hint(), secret) {
			t.Errorf("%s: error contains the secret", c.op)
		}
	}
}

func TestKeyringNoSessionBus(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Secret Service tests run on Linux")
	}
	t.Run("missing socket", func(t *testing.T) {
		runKeyringChild(t, "TestKeyringChildNoBus", nil, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus")
	})
	t.Run("not set", func(t *testing.T) {
		runKeyringChild(t, "TestKeyringChildNoBus", nil, "DBUS_SESSION_BUS_ADDRESS=")
	})
}

func TestKeyringChildNoBus(t *testing.T) {
	keyringChildTest(t)
	k := Keyring{Timeout: 5 * time.Second}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if secretServiceBusMissing() == nil {
			t.Skip("a session bus exists at /run/user/UID/bus")
		}
		wantKeyringFailure(t, k, ErrKeyringUnavailable, "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set", "gnome-keyring")
		return
	}
	wantKeyringFailure(t, k, ErrKeyringUnavailable, "no D-Bus session bus: dial unix /nonexistent/bus", "gnome-keyring")
}

// TestKeyringNoSecretService runs on a private bus that knows no services at
// all, so nothing provides org.freedesktop.secrets.
func TestKeyringNoSecretService(t *testing.T) {
	needKeyringTool(t, "dbus-run-session", "dbus")
	empty := t.TempDir()
	conf := filepath.Join(t.TempDir(), "session.conf")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <servicedir>`+empty+`</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	runKeyringChild(t, "TestKeyringChildNoService", dbusRunSession(t, "--config-file="+conf))
}

func TestKeyringChildNoService(t *testing.T) {
	keyringChildTest(t)
	k := Keyring{Timeout: 5 * time.Second}
	wantKeyringFailure(t, k, ErrKeyringUnavailable,
		"no Secret Service on the session bus: The name org.freedesktop.secrets was not provided by any .service files",
		"apt install gnome-keyring")
	_, err := k.Get("work")
	var de dbus.Error
	if !errors.As(err, &de) || de.Name != "org.freedesktop.DBus.Error.ServiceUnknown" {
		t.Errorf("underlying error is not ServiceUnknown: %#v", err)
	}
}

// TestKeyringAutoActivated runs on a private bus with the system's service
// files, without starting a keyring: the bus activates one (gnome-keyring's
// org.freedesktop.secrets.service) in a fresh HOME, where it has no default
// keyring.
func TestKeyringAutoActivated(t *testing.T) {
	out := runKeyringChild(t, "TestKeyringChildAutoActivated", dbusRunSession(t))
	if strings.Contains(out, "no Secret Service") {
		t.Log("no Secret Service could be activated on this system")
	}
}

func TestKeyringChildAutoActivated(t *testing.T) {
	keyringChildTest(t)
	k := Keyring{Timeout: 5 * time.Second}
	_, err := k.Get("work")
	var ke *KeyringError
	if !errors.As(err, &ke) {
		t.Fatalf("Get = %v, want a *KeyringError", err)
	}
	t.Logf("Get: %v\n\tHint: %s", err, ke.Hint())
	switch {
	case strings.Contains(err.Error(), "no default keyring"):
		wantKeyringFailure(t, k, ErrKeyringUnavailable, "the Secret Service has no default keyring: failed to unlock correct collection", "default keyring")
	case strings.Contains(err.Error(), "no Secret Service"):
		wantKeyringFailure(t, k, ErrKeyringUnavailable, "no Secret Service", "gnome-keyring")
	default:
		if !errors.Is(err, ErrKeyringLocked) && !errors.Is(err, ErrKeyringTimeout) {
			t.Fatalf("unexpected classification: %v", err)
		}
	}
}

// TestKeyringLocked starts a keyring on a private bus, locks it, and checks
// what happens without a display (the unlock prompt cannot be shown) and
// with a prompter that never answers (as with a hidden prompt window).
func TestKeyringLocked(t *testing.T) {
	wrapper := dbusRunSession(t)
	needKeyringTool(t, "gnome-keyring-daemon", "gnome-keyring")
	runKeyringChild(t, "TestKeyringChildLocked", wrapper)
}

func TestKeyringChildLocked(t *testing.T) {
	keyringChildTest(t)
	daemon := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	daemon.Stdin = strings.NewReader("pw")
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = daemon.Process.Kill()
		_ = daemon.Wait()
	})
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := 0; ; i++ {
		var has bool
		if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&has); err != nil {
			t.Fatal(err)
		}
		if has {
			break
		}
		if i == 100 {
			t.Fatal("gnome-keyring-daemon did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	k := Keyring{Timeout: 5 * time.Second}
	if err := k.Set("work", "s3cret"); err != nil {
		t.Fatal(err)
	}
	lock := func() {
		t.Helper()
		var locked []dbus.ObjectPath
		var prompt dbus.ObjectPath
		err := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets").
			Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).
			Store(&locked, &prompt)
		if err != nil || len(locked) != 1 {
			t.Fatalf("locking the keyring: %v %v", locked, err)
		}
	}
	lock()

	t.Run("no prompter", func(t *testing.T) {
		wantKeyringFailure(t, k, ErrKeyringLocked, "the keyring is locked and was not unlocked: failed to unlock correct collection '/org/freedesktop/secrets/collection/login'", "Unlock it")
	})

	t.Run("prompt never answered", func(t *testing.T) {
		// Own the prompter's name and never answer, like a prompt
		// window nobody sees.
		pc, err := dbus.ConnectSessionBus()
		if err != nil {
			t.Fatal(err)
		}
		release := make(chan struct{})
		defer func() { close(release); pc.Close() }()
		begin := func(dbus.ObjectPath) *dbus.Error { <-release; return nil }
		if err := pc.ExportMethodTable(map[string]any{"BeginPrompting": begin},
			"/org/gnome/keyring/Prompter", "org.gnome.keyring.internal.Prompter"); err != nil {
			t.Fatal(err)
		}
		r, err := pc.RequestName("org.gnome.keyring.SystemPrompter", dbus.NameFlagDoNotQueue)
		if err != nil || r != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("owning the prompter name: %v %v", r, err)
		}
		k := Keyring{Timeout: time.Second}
		start := time.Now()
		_, err = k.Get("work")
		d := time.Since(start)
		var ke *KeyringError
		if !errors.Is(err, ErrKeyringTimeout) || !errors.As(err, &ke) {
			t.Fatalf("Get = %v, want ErrKeyringTimeout", err)
		}
		t.Logf("get (%v): Error: %v\n\tHint: %s", d.Round(time.Millisecond), err, ke.Hint())
		if d > 3*time.Second {
			t.Errorf("Get took %v with a 1s timeout", d)
		}
		if !strings.Contains(err.Error(), "no answer from the keyring within 1s") || !strings.Contains(ke.Hint(), "hidden") {
			t.Errorf("Error %q, Hint %q", err, ke.Hint())
		}
	})
}

// The tests below use a fake backend (fakeKeyring): no D-Bus needed.

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
