package queue

import (
	"context"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/oauth/oauthtest"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// TestXOAUTH2Delivery: the outbox sends for a signed-in xoauth2 profile with
// tokens from the sign-in manager its caller gave it (refreshing a refused
// one), waits while the profile is not signed in (a local condition), and
// fails the message when the sign-in was revoked (an authentication failure).
func TestXOAUTH2Delivery(t *testing.T) {
	const account = "me@example.com"
	auth := oauthtest.Start(t, oauthtest.Config{ClientID: "queue-client", Email: account})
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, RequireAuth: true,
		XOAUTH2: func(user, token string) bool { return user == account && auth.Valid(token) }})
	p := plainProfile("p", srv.Port)
	p.Security, p.Auth, p.Username, p.Preset = smtp.SecuritySTARTTLS, smtp.AuthXOAUTH2, account, "gmail"
	secrets := smtp.NewSessionSecrets()
	cfg := config(newProfiles(p))
	m := &oauth.Manager{Secrets: secrets, ConfigDir: t.TempDir(), Getenv: auth.Getenv(nil), Browser: oauthtest.Browser(nil)}
	cfg.SendOptions = func(p smtp.Profile) smtp.Options {
		return smtp.Options{Secret: func() (string, error) { return secrets.Get(p.Name) }, Token: m.TokenFunc(p)}
	}
	cfg.Options = func(o *smtp.Options) { o.RootCAs = srv.CAPool }
	ctx := ctxT(t)
	o := openTest(t, fastSettings())

	// Not signed in: deferred, nothing sent.
	e := enqueue(t, o, testMessage("p", 1))
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := get(t, o, e.ID); got.State != Deferred || got.LastStage != smtp.StageSetup || srv.Connections() != 0 {
		t.Fatalf("not signed in: %+v, %d connections", got, srv.Connections())
	}

	if _, err := m.SignIn(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	auth.ExpireAccess() // the stored token is refused: refresh once, retry once
	if _, err := o.Retry(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := get(t, o, e.ID); got.State != Sent {
		t.Fatalf("signed in: %+v", got)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != account || auth.Count("refresh_token") != 1 {
		t.Fatalf("messages %+v, %d refreshes", msgs, auth.Count("refresh_token"))
	}

	// Revoked: an authentication failure fails the message.
	auth.Set(func(c *oauthtest.Config) { c.InvalidGrant = true })
	auth.ExpireAccess()
	e2 := enqueue(t, o, testMessage("p", 2))
	if _, err := o.Run(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if got := get(t, o, e2.ID); got.State != Failed || got.LastHint == "" {
		t.Fatalf("revoked: %+v", got)
	}
}
