package oauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
)

// A sign-in cancelled while its tokens wait to be stored (another
// process holds the lock file) returns at once, reports the cancel and
// stores nothing, although the lock file is still held.
func TestSignInCancelledBeforeStoring(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	holdLockFile(t, f.dir, "work") // held until the test ends
	browsed := make(chan error, 1)
	f.m.Browser = func(u string) error {
		go func() { browsed <- oauthtest.Browser(nil)(u) }()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := f.m.SignIn(ctx, f.p, nil)
		done <- err
	}()
	// The code is exchanged, and keep waits for the lock file.
	waitUntil(t, "the code exchange", func() bool { return f.auth.Count("authorization_code") == 1 })
	waitLockWaiters(t, "work", 1)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, oauth.ErrCanceled) {
			t.Fatalf("SignIn = %v, want cancelled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SignIn did not return after Cancel while another process held the lock file")
	}
	if _, err := store.Get(smtp.OAuthKey("work")); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Errorf("tokens stored by a cancelled sign-in: %v", err)
	}
	select {
	case <-browsed:
	case <-time.After(5 * time.Second):
		t.Error("the browser's request was not answered")
	}
}

// A sign-in cancelled while the code is being exchanged stores nothing.
func TestSignInCancelledDuringExchange(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	hold := f.auth.Hold(t, "authorization_code")
	f.m.Browser = func(u string) error {
		go func() { _ = oauthtest.Browser(nil)(u) }()
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-hold.Arrived()
		cancel()
	}()
	_, err := f.m.SignIn(ctx, f.p, nil)
	if !errors.Is(err, oauth.ErrCanceled) {
		t.Fatalf("SignIn = %v, want cancelled", err)
	}
	// The exchange was abandoned, not left to finish in the background:
	// the token endpoint, still holding it, sees the client give up.
	waitUntil(t, "the cancelled code exchange to be abandoned", func() bool { return f.auth.Held("authorization_code") == 0 })
	hold.Release()
	if n := f.auth.Count("authorization_code"); n != 0 {
		t.Errorf("the code exchange went on after the cancel (%d answered)", n)
	}
	if _, err := store.Get(smtp.OAuthKey("work")); !errors.Is(err, smtp.ErrSecretNotFound) {
		t.Errorf("tokens stored by a cancelled sign-in: %v", err)
	}
}

// A new sign-in without a refresh token (Google gives one only with
// consent) keeps the stored one when it is for the same client; else it
// fails clearly and leaves the stored sign-in alone.
func TestSignInWithoutRefreshToken(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	f.signIn(t)
	rt := func() string {
		v, _ := store.Get(smtp.OAuthKey("work"))
		var e map[string]any
		_ = json.Unmarshal([]byte(v), &e)
		s, _ := e["refresh_token"].(string)
		return s
	}
	rt1 := rt()
	f.auth.Set(func(c *oauthtest.Config) { c.NoRefreshToken = true })
	st := f.signIn(t)
	if !st.SignedIn || rt() != rt1 {
		t.Fatalf("second sign-in without a refresh token: %+v; refresh token kept %v", st, rt() == rt1)
	}
	if _, err := f.m.TokenSource("work").Token(context.Background(), true); err != nil {
		t.Fatalf("refresh with the kept refresh token: %v", err)
	}

	// Another client: the old refresh token would not work with it.
	f.auth.Set(func(c *oauthtest.Config) { c.ClientID = "another-client" })
	before, _ := store.Get(smtp.OAuthKey("work"))
	_, err := f.m.SignIn(context.Background(), f.p, nil)
	var oe *oauth.Error
	if !errors.Is(err, oauth.ErrNoRefreshToken) || !errors.As(err, &oe) ||
		!strings.Contains(oe.Hint(), "security settings") {
		t.Fatalf("sign-in with another client and no refresh token = %v", err)
	}
	if now, _ := store.Get(smtp.OAuthKey("work")); now != before {
		t.Error("the stored sign-in was replaced")
	}

	// Nothing stored yet: the same error, and nothing stored.
	f.m.Secrets = smtp.NewSessionSecrets()
	if _, err := f.m.SignIn(context.Background(), f.p, nil); !errors.Is(err, oauth.ErrNoRefreshToken) {
		t.Fatalf("first sign-in without a refresh token = %v", err)
	}
	if st, _ := f.m.Status("work"); st.SignedIn {
		t.Error("signed in without a refresh token")
	}
}

// A wrong state does not end the sign-in: it is refused (400) and the
// right answer is still taken.
func TestSignInWrongStateThenRight(t *testing.T) {
	store := smtp.NewSessionSecrets()
	f := newFixture(t, store, "work", oauthtest.Config{})
	var forgedErr error
	forge := oauthtest.Browser(func(u *url.URL) {
		if u.Hostname() == "127.0.0.1" && u.Query().Get("state") != "" {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		}
	})
	f.m.Browser = func(u string) error {
		forgedErr = forge(u)
		return oauthtest.Browser(nil)(u)
	}
	if _, err := f.m.SignIn(context.Background(), f.p, nil); err != nil {
		t.Fatalf("SignIn after a wrong state = %v", err)
	}
	if forgedErr == nil || !strings.Contains(forgedErr.Error(), "400") {
		t.Errorf("the wrong state was answered %v, want 400", forgedErr)
	}
	if n := f.auth.Count("authorization_code"); n != 1 {
		t.Errorf("%d codes exchanged, want 1 (the right one)", n)
	}
	if st, _ := f.m.Status("work"); !st.SignedIn {
		t.Error("not signed in")
	}
}

func TestDeviceDeadline(t *testing.T) {
	now := time.Now()
	exp := now.Add(15 * time.Minute) // Microsoft's device codes
	if got := oauth.DeviceDeadline(now, 0, exp); !got.Equal(exp) {
		t.Errorf("no timeout: deadline %s, want the code's expiry", got.Sub(now))
	}
	if got := oauth.DeviceDeadline(now, time.Minute, exp); !got.Equal(now.Add(time.Minute)) {
		t.Errorf("--timeout 1m: deadline %s", got.Sub(now))
	}
	if got := oauth.DeviceDeadline(now, 0, time.Time{}); !got.Equal(now.Add(oauth.DefaultSignInTimeout)) {
		t.Errorf("no expiry: deadline %s", got.Sub(now))
	}
}

// The device flow waits until the code expires when no timeout is set (not
// the browser's 5 minutes), and reports a timeout then.
func TestDeviceFlowUntilCodeExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t, smtp.NewSessionSecrets(), "work", oauthtest.Config{DevicePending: 1000, DeviceExpires: 2})
	f.m.Timeout = 0
	start := time.Now()
	_, err := f.m.SignInDevice(context.Background(), f.p, nil)
	if !errors.Is(err, oauth.ErrTimeout) || time.Since(start) > 10*time.Second {
		t.Fatalf("device sign-in past the code's expiry = %v after %s", err, time.Since(start))
	}
}

// For a localhost redirect (Microsoft) both 127.0.0.1 and ::1 listen on
// one port; when that port is taken on ::1, another pair is chosen.
func TestLoopbackPortTakenOnIPv6(t *testing.T) {
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback")
	} else {
		l.Close()
	}
	var mu sync.Mutex
	failed := ""
	restore := oauth.SetListenTCP(func(addr string) (net.Listener, error) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(addr, "[::1]:") && addr != "[::1]:0" && failed == "" {
			failed = addr
			return nil, &net.OpError{Op: "listen", Net: "tcp", Err: syscall.EADDRINUSE}
		}
		return net.Listen("tcp", addr)
	})
	defer restore()
	ln, ln6, err := oauth.ListenLoopback(true)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln6 == nil {
		t.Fatal("went ahead without ::1 although IPv6 loopback works")
	}
	defer ln6.Close()
	p4, p6 := ln.Addr().(*net.TCPAddr).Port, ln6.Addr().(*net.TCPAddr).Port
	if p4 != p6 || failed == "" || failed == fmt.Sprintf("[::1]:%d", p6) {
		t.Errorf("ports %d and %d; the taken one was %s", p4, p6, failed)
	}
}

func TestBrowserOpensOnlyWebAddresses(t *testing.T) {
	m := &oauth.Manager{Getenv: func(k string) string {
		if k == oauth.EnvBrowser {
			return "true"
		}
		return ""
	}}
	for _, bad := range []string{"-n", "--help", "file:///etc/passwd", "javascript:alert(1)", ""} {
		if err := m.SystemBrowser(bad); err == nil {
			t.Errorf("%q was passed to the browser", bad)
		}
	}
	if err := m.SystemBrowser("https://example.com/auth?x=1"); err != nil {
		t.Errorf("https address: %v", err)
	}
}
