package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
)

// signedInNeedingRefresh signs the fixture's profile in with an access
// token inside the expiry margin (so the next Token refreshes), and makes
// the server issue hour-long tokens from then on.
func signedInNeedingRefresh(t *testing.T, f *fixture) {
	t.Helper()
	f.auth.Set(func(c *oauthtest.Config) { c.AccessTTL = time.Minute })
	f.signIn(t)
	f.auth.Set(func(c *oauthtest.Config) { c.AccessTTL = time.Hour })
}

type tokenResult struct {
	tok string
	err error
}

func tokenAsync(ts *oauth.TokenSource, force bool) <-chan tokenResult {
	c := make(chan tokenResult, 1)
	go func() {
		tok, err := ts.Token(context.Background(), force)
		c <- tokenResult{tok, err}
	}()
	return c
}

func waitArrived(t *testing.T, h *oauthtest.Hold) {
	t.Helper()
	select {
	case <-h.Arrived():
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the token endpoint")
	}
}

// waitUntil waits (at most 10 s) until cond holds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitLockWaiters waits until n callers wait for the profile's token lock.
func waitLockWaiters(t *testing.T, profile string, n int) {
	t.Helper()
	waitUntil(t, fmt.Sprintf("%d waiting for the token lock of %q", n, profile), func() bool { return oauth.LockWaiting(profile) >= n })
}

// holdLockFile takes the lock file of a profile's tokens, as another
// process would (flock locks conflict between open files, in one process
// too); it is released when the test ends, or by the returned func.
func holdLockFile(t *testing.T, dir, profile string) (unlock func()) {
	t.Helper()
	u, err := smtp.LockConfigFile(filepath.Join(dir, oauth.LockFileName(profile)))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() { once.Do(u) }
	t.Cleanup(unlock)
	return unlock
}

// notYet fails if c delivers within a short while: for a wait that a real
// condition has already shown to be under way.
func notYet[T any](t *testing.T, what string, c <-chan T) {
	t.Helper()
	select {
	case <-c:
		t.Fatalf("%s did not wait", what)
	case <-time.After(100 * time.Millisecond):
	}
}

func result(t *testing.T, c <-chan tokenResult) tokenResult {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("Token did not return")
	}
	return tokenResult{}
}

// Two token sources of two managers (the window's test send and its outbox
// worker, or a queue run) need a refresh at the same time: one refreshes,
// the other waits and uses the new token.
func TestConcurrentRefreshIsSerialised(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{})
	signedInNeedingRefresh(t, f)
	hold := f.auth.Hold(t, "refresh_token")
	m2 := &oauth.Manager{Secrets: f.m.Secrets, ConfigDir: f.dir}
	first := tokenAsync(f.m.TokenSource("work"), false)
	waitArrived(t, hold)
	second := tokenAsync(m2.TokenSource("work"), false)
	waitLockWaiters(t, "work", 1) // the second waits for the first's lock
	if n := f.auth.Held("refresh_token"); n != 1 {
		t.Errorf("%d refreshes at the token endpoint at once, want 1", n)
	}
	hold.Release()
	r1, r2 := result(t, first), result(t, second)
	if r1.err != nil || r2.err != nil {
		t.Fatalf("tokens: %v, %v", r1.err, r2.err)
	}
	if !f.auth.Valid(r1.tok) || !f.auth.Valid(r2.tok) {
		t.Error("a token handed out is not valid")
	}
	if n := f.auth.Count("refresh_token"); n != 1 {
		t.Errorf("%d refresh requests, want exactly 1", n)
	}
}

// A refresh holds the lock file in the config directory, which a refresh
// in another process (a cron run of the outbox) waits for; a caller whose
// context ends (`test --timeout`) stops waiting.
func TestRefreshWaitsForTheLockFile(t *testing.T) {
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{})
	signedInNeedingRefresh(t, f)
	unlock := holdLockFile(t, f.dir, "work")

	// With a deadline: it ends while the lock file is still held.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	timed := make(chan error, 1)
	go func() {
		_, err := f.m.TokenSource("work").Token(ctx, false)
		timed <- err
	}()
	select {
	case err := <-timed:
		if !errors.Is(err, oauth.ErrTimeout) {
			t.Fatalf("Token with a 200 ms deadline while the lock file is held = %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Token with a 200 ms deadline still waits for the lock file after 5 s")
	}

	c := tokenAsync(f.m.TokenSource("work"), false)
	waitLockWaiters(t, "work", 1)
	notYet(t, "Token", c)
	if n := f.auth.Count("refresh_token"); n != 0 {
		t.Errorf("refreshed (%d) while another process held the lock", n)
	}
	unlock()
	if r := result(t, c); r.err != nil || !f.auth.Valid(r.tok) {
		t.Fatalf("token after the lock was released: %v", r.err)
	}
}

// Every profile name has a lock file of its own (names that differ only in
// characters other than ASCII letters and digits too), named readably.
func TestLockFileNamesAreDistinct(t *testing.T) {
	names := []string{"工作", "个人", "a b", "a_b", "a.b", "work", "Work", "", strings.Repeat("x", 300)}
	seen := map[string]string{}
	for _, n := range names {
		f := oauth.LockFileName(n)
		if o, dup := seen[f]; dup {
			t.Errorf("%q and %q share the lock file %s", o, n, f)
		}
		seen[f] = n
		if len(f) > 80 || strings.ContainsAny(f, "/\\ ") {
			t.Errorf("lock file name %q", f)
		}
	}
	if f := oauth.LockFileName("work"); !strings.HasPrefix(f, "oauth-work-") || !strings.HasSuffix(f, ".lock") {
		t.Errorf("lock file of \"work\" = %q, want oauth-work-HASH.lock", f)
	}

	// "个人" refreshes while "工作"'s lock file is held.
	f := newFixture(t, smtp.NewSessionSecrets(), "个人", oauthtest.Config{})
	signedInNeedingRefresh(t, f)
	holdLockFile(t, f.dir, "工作")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if tok, err := f.m.TokenSource("个人").Token(ctx, false); err != nil || !f.auth.Valid(tok) {
		t.Fatalf("refresh of 个人 while 工作's lock is held: %v", err)
	}
}

// fileSecrets keeps secrets in files (one per key), so that two processes
// share them, as they share the OS keyring.
type fileSecrets string

func (d fileSecrets) path(k string) string {
	return filepath.Join(string(d), url.PathEscape(k))
}

func (d fileSecrets) Get(k string) (string, error) {
	b, err := os.ReadFile(d.path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return "", smtp.ErrSecretNotFound
	}
	return string(b), err
}

func (d fileSecrets) Set(k, v string) error {
	tmp := d.path(k) + ".tmp"
	if err := os.WriteFile(tmp, []byte(v), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, d.path(k))
}

func (d fileSecrets) Delete(k string) error {
	if err := os.Remove(d.path(k)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// TestHelperRefreshProcess is the other process of
// TestRefreshAcrossProcesses; it does nothing in a normal run.
func TestHelperRefreshProcess(t *testing.T) {
	if os.Getenv("SMTPCONF_TEST_HELPER") != "refresh" {
		t.Skip("helper process")
	}
	m := &oauth.Manager{Secrets: fileSecrets(os.Getenv("SMTPCONF_TEST_SECRETS")), ConfigDir: os.Getenv("SMTPCONF_TEST_DIR")}
	go func() {
		// Tell the test once this process waits for the lock.
		for oauth.LockWaiting("work") == 0 {
			time.Sleep(2 * time.Millisecond)
		}
		fmt.Println("waiting")
	}()
	tok, err := m.TokenSource("work").Token(context.Background(), false)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	fmt.Println("token:", tok)
}

// Two processes need a refresh at once: the second waits for the first's
// (the lock file), then uses its token; one refresh request in all.
func TestRefreshAcrossProcesses(t *testing.T) {
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "openbsd", "dragonfly":
	default:
		t.Skip("the lock file is per process here (no flock)")
	}
	secrets := fileSecrets(t.TempDir())
	f := newFixture(t, secrets, "work", oauthtest.Config{})
	signedInNeedingRefresh(t, f)
	hold := f.auth.Hold(t, "refresh_token")
	mine := tokenAsync(f.m.TokenSource("work"), false)
	waitArrived(t, hold)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRefreshProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SMTPCONF_TEST_HELPER=refresh", "SMTPCONF_TEST_SECRETS="+string(secrets), "SMTPCONF_TEST_DIR="+f.dir)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	waitUntil(t, "the other process to wait for the lock", func() bool {
		return strings.Contains(out.String(), "waiting\n") || strings.Contains(out.String(), "error:")
	})
	if n := f.auth.Held("refresh_token"); n != 1 {
		t.Errorf("%d refreshes at the token endpoint at once, want 1", n)
	}
	hold.Release()
	if r := result(t, mine); r.err != nil {
		t.Fatal(r.err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("other process: %v\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the other process did not finish")
	}
	var tok string
	for _, l := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "token: "); ok {
			tok = v
		}
	}
	if !f.auth.Valid(tok) {
		t.Errorf("the other process got no valid token:\n%s", out.String())
	}
	if n := f.auth.Count("refresh_token"); n != 1 {
		t.Errorf("%d refresh requests, want exactly 1", n)
	}
}

// syncBuffer is a strings.Builder that a child process's output may be
// written to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Sign out while a refresh is under way: the sign-out waits for it, and the
// tokens are gone afterwards (the refresh does not store them again).
func TestSignOutDuringRefresh(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	signedInNeedingRefresh(t, f)
	hold := f.auth.Hold(t, "refresh_token")
	c := tokenAsync(f.m.TokenSource("work"), false)
	waitArrived(t, hold)
	out := make(chan error, 1)
	go func() { out <- (&oauth.Manager{Secrets: store, ConfigDir: f.dir}).SignOut("work") }()
	// SignOut waits for the refresh's lock (or, wrongly, returns).
	waitUntil(t, "SignOut to wait for the lock", func() bool { return oauth.LockWaiting("work") >= 1 || len(out) > 0 })
	notYet(t, "SignOut during a refresh", out)
	if _, err := store.Get(smtp.OAuthKey("work")); err != nil {
		t.Fatalf("signed out before the refresh finished: %v", err)
	}
	hold.Release()
	result(t, c)
	select {
	case err := <-out:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SignOut did not return after the refresh")
	}
	if _, err := store.Get(smtp.OAuthKey("work")); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Fatalf("the tokens are back in the keyring after sign-out: %v", err)
	}
	if st, err := f.m.Status("work"); err != nil || st.SignedIn {
		t.Errorf("status after sign-out: %+v %v", st, err)
	}
}

// Where the lock does not reach (another config directory, a system without
// flock), a refresh looks again before it saves: it does not undo a
// sign-out, nor overwrite a newer sign-in.
func TestRefreshDoesNotUndoSignOutOrNewSignIn(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	signedInNeedingRefresh(t, f)
	hold := f.auth.Hold(t, "refresh_token")
	c := tokenAsync(f.m.TokenSource("work"), false)
	waitArrived(t, hold)
	if err := store.Delete(smtp.OAuthKey("work")); err != nil { // signed out, without the lock
		t.Fatal(err)
	}
	hold.Release()
	if r := result(t, c); !errors.Is(r.err, oauth.ErrNotSignedIn) {
		t.Errorf("refresh after a sign-out = %v, want not signed in", r.err)
	}
	if _, err := store.Get(smtp.OAuthKey("work")); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Fatalf("the refresh stored the tokens again: %v", err)
	}

	// A new sign-in meanwhile: its entry stays.
	signedInNeedingRefresh(t, f)
	hold = f.auth.Hold(t, "refresh_token")
	c = tokenAsync(f.m.TokenSource("work"), false)
	waitArrived(t, hold)
	v, _ := store.Get(smtp.OAuthKey("work"))
	var e map[string]any
	if err := json.Unmarshal([]byte(v), &e); err != nil {
		t.Fatal(err)
	}
	e["refresh_token"] = "rt-from-a-newer-sign-in"
	nv, _ := json.Marshal(e)
	if err := store.Set(smtp.OAuthKey("work"), string(nv)); err != nil {
		t.Fatal(err)
	}
	hold.Release()
	if r := result(t, c); r.err != nil {
		t.Fatal(r.err)
	}
	if now, _ := store.Get(smtp.OAuthKey("work")); now != string(nv) {
		t.Errorf("the refresh overwrote a newer sign-in:\n%s", now)
	}
}

func TestEndpointsMustBeHTTPS(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SMTPCONF_GOOGLE_CLIENT_ID": "id"}
	getenv := func(k string) string { return env[k] }
	for _, ok := range []string{"https://example.com/token", "http://127.0.0.1:8080/t", "http://[::1]:1/t", "http://localhost/t"} {
		env["SMTPCONF_OAUTH_GOOGLE_TOKEN_URL"] = ok
		if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://example.com/token", "ftp://example.com/", "-x", "file:///etc/passwd", "http://127.0.0.1.example.com/"} {
		env["SMTPCONF_OAUTH_GOOGLE_TOKEN_URL"] = bad
		_, err := oauth.ResolveConfig(dir, oauth.Google, getenv)
		if !errors.Is(err, oauth.ErrSettings) || !strings.Contains(err.Error(), "SMTPCONF_OAUTH_GOOGLE_TOKEN_URL") {
			t.Errorf("%s: %v, want a settings error naming the variable", bad, err)
		}
	}
	delete(env, "SMTPCONF_OAUTH_GOOGLE_TOKEN_URL")
	env["SMTPCONF_OAUTH_BASE_URL"] = "http://auth.example.com"
	if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); !errors.Is(err, oauth.ErrSettings) || !strings.Contains(err.Error(), "SMTPCONF_OAUTH_BASE_URL") {
		t.Errorf("plain http base URL: %v", err)
	}
	delete(env, "SMTPCONF_OAUTH_BASE_URL")
	var s oauth.Settings
	s.Google.AuthURL = "http://accounts.example.com/auth"
	if err := oauth.SaveSettings(dir, s); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth.ResolveConfig(dir, oauth.Google, getenv); !errors.Is(err, oauth.ErrSettings) || !strings.Contains(err.Error(), oauth.SettingsFile) {
		t.Errorf("plain http in oauth.json: %v", err)
	}
}

// Config is asked on the UI thread: oauth.json is read again only when it
// changed (or was saved through SaveSettings).
func TestConfigIsCached(t *testing.T) {
	dir := t.TempDir()
	m := &oauth.Manager{ConfigDir: dir, Getenv: func(string) string { return "" }}
	save := func(id string) {
		var s oauth.Settings
		s.Google.ClientID = id
		if err := oauth.SaveSettings(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	id := func() string {
		c, err := m.Config(oauth.Google)
		if err != nil {
			t.Fatal(err)
		}
		return c.ClientID
	}
	save("aaaa")
	if got := id(); got != "aaaa" {
		t.Fatalf("client ID %q", got)
	}
	// Changed behind its back with the same size and time: still cached.
	path := filepath.Join(dir, oauth.SettingsFile)
	fi, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), "aaaa", "bbbb", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if got := id(); got != "aaaa" {
		t.Errorf("oauth.json was read again although unchanged in size and time (%q)", got)
	}
	// A real change (new time) is seen; so is SaveSettings.
	if err := os.Chtimes(path, fi.ModTime().Add(time.Second), fi.ModTime().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := id(); got != "bbbb" {
		t.Errorf("after a change: %q", got)
	}
	save("cccc")
	if got := id(); got != "cccc" {
		t.Errorf("after SaveSettings: %q", got)
	}
	os.Remove(path)
	if _, err := m.Config(oauth.Google); !errors.Is(err, oauth.ErrNoClientID) {
		t.Errorf("after removing oauth.json: %v", err)
	}
}
