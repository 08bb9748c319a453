package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// TestTestQueuesOnlyTemporaryFailures: a test that fails for a temporary
// reason is queued (deferred, one attempt, the very message tried); one that
// fails for good, or with noQueue, or that succeeds, is not, and then the
// outbox database is never created.
func TestTestQueuesOnlyTemporaryFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      *smtptest.Reply
		noQueue   bool
		wantOK    bool
		wantQueue bool
	}{
		{name: "success", wantOK: true},
		{name: "temporary", fail: &smtptest.Reply{Code: 451, Enhanced: "4.3.0", Message: "try again later"}, wantQueue: true},
		{name: "temporary no-queue", fail: &smtptest.Reply{Code: 451, Enhanced: "4.3.0", Message: "try again later"}, noQueue: true},
		{name: "permanent", fail: &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "no such user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.Config{FailRcpt: tc.fail})
			a := newTestApp(t, Config{})
			p := plainProfile("p", srv.Port)
			res := a.Test(ctxT(t), a.SendOptions(p), []string{"you@example.com"}, tc.noQueue)
			rep := res.Report
			if rep.OK != tc.wantOK || res.Message == nil {
				t.Fatalf("report %+v, message %v", rep, res.Message)
			}
			if !tc.wantOK && rep.Temporary != (tc.fail.Code < 500) {
				t.Fatalf("temporary = %v for %d", rep.Temporary, tc.fail.Code)
			}
			if res.QueueTried != tc.wantQueue || rep.Queued != tc.wantQueue || res.QueueErr != nil {
				t.Fatalf("queue tried %v, queued %v, error %v; want %v", res.QueueTried, rep.Queued, res.QueueErr, tc.wantQueue)
			}
			if !tc.wantQueue {
				if rep.QueueID != "" || outboxFileExists(t, a) || a.openedOutbox() {
					t.Fatalf("not queued, yet queue id %q, outbox.db exists %v, opened %v", rep.QueueID, outboxFileExists(t, a), a.openedOutbox())
				}
				return
			}
			if rep.QueueID == "" || rep.QueueID != res.Entry.ID || res.Entry.NextAttempt.IsZero() {
				t.Fatalf("queue id %q, entry %+v", rep.QueueID, res.Entry)
			}
			o, err := a.Outbox()
			if err != nil {
				t.Fatal(err)
			}
			e, err := o.Get(context.Background(), rep.QueueID)
			if err != nil {
				t.Fatal(err)
			}
			if e.State != queue.Deferred || e.Attempts != 1 || e.Profile != "p" || e.MessageID != res.Message.MessageID ||
				e.LastCode != 451 || e.LastStage != smtp.StageRcpt {
				t.Fatalf("entry %+v", e)
			}
		})
	}
}

// TestTestQueueError: when the outbox cannot be opened, the test's report
// stays unqueued and the error is handed back for the front end to word;
// the broken file is left alone.
func TestTestQueueError(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{FailRcpt: &smtptest.Reply{Code: 421, Enhanced: "4.7.0", Message: "busy"}})
	dir := t.TempDir()
	junk := []byte("this is not a database, and it stays as it is")
	path := filepath.Join(dir, queue.FileName)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, Config{Dir: dir})
	res := a.Test(ctxT(t), a.SendOptions(plainProfile("p", srv.Port)), []string{"you@example.com"}, false)
	var oe *queue.OpenError
	if !res.QueueTried || res.Report.Queued || res.Report.QueueID != "" || !errors.As(res.QueueErr, &oe) {
		t.Fatalf("queue tried %v, report %+v, error %v", res.QueueTried, res.Report, res.QueueErr)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != string(junk) {
		t.Fatalf("the outbox file changed: %q, %v", data, err)
	}
}

// TestSendOptionsReadGivenSecrets: the options read the session layer
// first, then the persistent store the App was given, and only when the
// server asks.
func TestSendOptionsReadGivenSecrets(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: map[string]string{"me": "session-pass"}})
	keyring, session := smtp.NewSessionSecrets(), smtp.NewSessionSecrets()
	a := newTestApp(t, Config{Keyring: keyring, Session: session})
	p := plainProfile("p", srv.Port)
	p.Security, p.Auth, p.Username = smtp.SecuritySTARTTLS, smtp.AuthPlain, "me"
	if err := keyring.Set("p", "stored-pass"); err != nil {
		t.Fatal(err)
	}
	if err := session.Set("p", "session-pass"); err != nil {
		t.Fatal(err)
	}
	opts := a.SendOptions(p)
	opts.RootCAs = srv.CAPool
	res := a.Test(ctxT(t), opts, nil, false)
	if !res.Report.OK || res.QueueTried || a.builtOAuth() {
		t.Fatalf("report %+v, queue tried %v, OAuth manager built %v", res.Report, res.QueueTried, a.builtOAuth())
	}
	if msgs := srv.Messages(); len(msgs) != 1 || msgs[0].Auth != "me" {
		t.Fatalf("messages %+v", msgs)
	}
}
