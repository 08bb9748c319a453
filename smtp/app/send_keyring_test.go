package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// TestKeyringRealTestAndQueueRun: with no injected store the App uses the OS
// keyring (here the private one of .ci/with-keyring.sh). A password stored
// through it is read by a test send, and by the outbox run that delivers
// the test message queued after a temporary failure.
func TestKeyringRealTestAndQueueRun(t *testing.T) {
	if os.Getenv("SMTPCONF_KEYRING_TEST") != "1" {
		t.Skip("needs a private keyring: run with .ci/with-keyring.sh go test ... (sets SMTPCONF_KEYRING_TEST=1)")
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	name := "smtpconf-test-app-" + hex.EncodeToString(b)
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{"me": "keyring-pass"},
		FailData: &smtptest.Reply{Code: 452, Enhanced: "4.3.1", Message: "insufficient storage"}})
	a := New(Config{Dir: t.TempDir()})
	t.Cleanup(func() { _ = a.Close() })
	if _, ok := a.Secrets().Persistent.(smtp.Keyring); !ok {
		t.Fatalf("persistent store %T, want the OS keyring", a.Secrets().Persistent)
	}
	if err := a.Secrets().Set(name, "keyring-pass"); err != nil {
		t.Fatalf("keyring Set: %v", err)
	}
	t.Cleanup(func() {
		if err := (smtp.Keyring{Timeout: 5 * time.Second}).Delete(name); err != nil && !errors.Is(err, smtp.ErrSecretNotFound) {
			t.Errorf("cleanup: %v", err)
		}
	})
	p := plainProfile(name, srv.Port)
	p.Security, p.Auth, p.Username = smtp.SecuritySTARTTLS, smtp.AuthPlain, "me"
	save(t, a, p)

	opts := a.SendOptions(p)
	opts.RootCAs = srv.CAPool
	res := a.Test(ctxT(t), opts, []string{"you@example.com"}, false)
	if res.Report.OK || !res.Report.Queued || res.Report.Stage != smtp.StageData {
		t.Fatalf("test: %+v (queue error %v)", res.Report, res.QueueErr)
	}

	srv.Set(func(c *smtptest.Config) { c.FailData = nil })
	o, err := a.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Retry(context.Background(), res.Entry.ID); err != nil {
		t.Fatal(err)
	}
	cfg := a.QueueConfig()
	cfg.Options = func(o *smtp.Options) { o.RootCAs = srv.CAPool }
	if _, err := o.Run(ctxT(t), cfg); err != nil {
		t.Fatal(err)
	}
	if got, _ := o.Get(context.Background(), res.Entry.ID); got.State != queue.Sent {
		t.Fatalf("entry %+v", got)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != "me" {
		t.Fatalf("messages %+v", msgs)
	}
}
