package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// TestOutboxSettings: an invalid outbox.json is the open error (and the
// database is not created), unless the App is lenient, which opens it with
// the defaults and keeps the problem to show.
func TestOutboxSettings(t *testing.T) {
	bad := func(t *testing.T) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, queue.SettingsFile), []byte(`{"poll": "soon"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	t.Run("strict", func(t *testing.T) {
		a := newTestApp(t, Config{Dir: bad(t)})
		o, err := a.Outbox()
		if o != nil || !errors.Is(err, queue.ErrSettings) || outboxFileExists(t, a) {
			t.Fatalf("outbox %v, error %v, file exists %v", o, err, outboxFileExists(t, a))
		}
		if _, err2 := a.Outbox(); err2 != err {
			t.Fatalf("second open: %v, want the first error", err2)
		}
	})
	t.Run("lenient", func(t *testing.T) {
		a := newTestApp(t, Config{Dir: bad(t), LenientOutboxSettings: true})
		o, err := a.Outbox()
		if err != nil || !errors.Is(a.OutboxSettingsError(), queue.ErrSettings) {
			t.Fatalf("open: %v, settings error %v", err, a.OutboxSettingsError())
		}
		if o.Settings() != queue.DefaultSettings() {
			t.Fatalf("settings %+v, want the defaults", o.Settings())
		}
	})
}

// TestQueueRunUsesGivenSecrets: a run with the App's QueueConfig reads the
// profiles from its store and the passwords from the secrets it was given,
// including a "this session only" password the keyring does not have.
func TestQueueRunUsesGivenSecrets(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{"me": "session-only"}})
	session := smtp.NewSessionSecrets()
	a := newTestApp(t, Config{Session: session})
	p := plainProfile("p", srv.Port)
	p.Security, p.Auth, p.Username = smtp.SecuritySTARTTLS, smtp.AuthPlain, "me"
	save(t, a, p)
	if err := session.Set("p", "session-only"); err != nil {
		t.Fatal(err)
	}
	e := enqueueTest(t, a, "p")
	cfg := a.QueueConfig()
	cfg.Options = func(o *smtp.Options) { o.RootCAs = srv.CAPool }
	o, _ := a.Outbox()
	if _, err := o.Run(ctxT(t), cfg); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.Get(context.Background(), e.ID); got.State != queue.Sent {
		t.Fatalf("entry %+v", got)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != "me" {
		t.Fatalf("messages %+v", msgs)
	}
	if a.builtOAuth() {
		t.Fatal("a run of password profiles built a sign-in manager")
	}
}

// TestQueueRunUsesGivenOAuth: a run signs xoauth2 profiles in with the
// manager the App was given (its provider settings, its secrets), the same
// one a test send uses: here only that manager can refresh the expired
// token, as only it knows the test provider.
func TestQueueRunUsesGivenOAuth(t *testing.T) {
	const account = "me@example.com"
	auth := oauthtest.Start(t, oauthtest.Config{ClientID: "app-client", Email: account})
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2: func(user, token string) bool { return user == account && auth.Valid(token) }})
	secrets := smtp.NewSessionSecrets()
	dir := t.TempDir()
	m := &oauth.Manager{Secrets: smtp.LayeredSecrets{Session: smtp.NewSessionSecrets(), Persistent: secrets},
		ConfigDir: dir, Getenv: auth.Getenv(func(string) string { return "" }), Browser: oauthtest.Browser(nil)}
	a := newTestApp(t, Config{Dir: dir, Keyring: secrets, OAuth: m})
	if a.OAuth() != m {
		t.Fatal("the App does not use the manager it was given")
	}
	p := plainProfile("p", srv.Port)
	p.Security, p.Auth, p.Username, p.Preset, p.From = smtp.SecuritySTARTTLS, smtp.AuthXOAUTH2, account, "gmail", account
	save(t, a, p)
	if _, err := m.SignIn(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	auth.ExpireAccess() // the stored token is refused: only m can refresh it

	e := enqueueTest(t, a, "p")
	cfg := a.QueueConfig()
	cfg.Options = func(o *smtp.Options) { o.RootCAs = srv.CAPool }
	o, _ := a.Outbox()
	if _, err := o.Run(ctxT(t), cfg); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.Get(context.Background(), e.ID); got.State != queue.Sent {
		t.Fatalf("entry %+v", got)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != account || auth.Count("refresh_token") != 1 {
		t.Fatalf("messages %+v, %d refreshes", msgs, auth.Count("refresh_token"))
	}

	// A test send takes its token from the same manager: no new refresh.
	opts := a.SendOptions(p)
	opts.RootCAs = srv.CAPool
	if res := a.Test(ctxT(t), opts, nil, false); !res.Report.OK || auth.Count("refresh_token") != 1 {
		t.Fatalf("test: %+v, %d refreshes", res.Report, auth.Count("refresh_token"))
	}
}

// enqueueTest puts a small message for profile in a's outbox.
func enqueueTest(t *testing.T, a *App, profile string) queue.Entry {
	t.Helper()
	o, err := a.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: me@example.com\r\nTo: you@example.com\r\nSubject: queued\r\nMessage-ID: <q1@example.com>\r\n\r\nHello.\r\n"
	e, err := o.Enqueue(context.Background(), queue.Message{Profile: profile, From: "me@example.com",
		To: []string{"you@example.com"}, Raw: []byte(raw)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
