package app

import (
	"context"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// SendOptions are the connection options of profile p: its password read
// from Secrets (only when the server asks for one, and once) and, for an
// xoauth2 profile, fresh access tokens from the sign-in manager. Callers add
// what is theirs (Progress, Transcript). The window's test step, the command
// line's check and test, and the outbox's deliveries all build their
// options here.
func (a *App) SendOptions(p smtp.Profile) smtp.Options {
	secrets := a.secrets
	opts := smtp.Options{
		Profile: p,
		Secret:  func() (string, error) { return secrets.Get(p.Name) },
	}
	// Only a signed-in profile needs the manager: others do not build it.
	if p.Auth == smtp.AuthXOAUTH2 {
		opts.Token = a.OAuth().TokenFunc(p)
	}
	return opts
}

// TestResult is what became of a test send.
type TestResult struct {
	// Report is the test's report; Queued and QueueID are set when the
	// message waits in the outbox.
	Report smtp.Report
	// Message is the test message that was tried; nil when none was made
	// (a failure before it could be).
	Message *smtp.TestMessage
	// QueueTried: the failure was temporary, so the message was offered
	// to the outbox.
	QueueTried bool
	// Entry is the outbox entry when it was queued: its NextAttempt is when
	// it will be tried again.
	Entry queue.Entry
	// QueueErr is why it could not be queued (the outbox cannot be opened or
	// written); front ends warn, and the report stays queued=false.
	QueueErr error
}

// Test sends a test message to "to" (the profile's From address when
// empty) with opts (usually from SendOptions) and, when it failed for a
// temporary reason and noQueue is false, puts the very bytes that were tried
// in the outbox, as deferred with one attempt counted, so it is sent again by
// itself. The outbox is opened only then: a test that succeeds, or fails for
// good, never touches it.
func (a *App) Test(ctx context.Context, opts smtp.Options, to []string, noQueue bool) TestResult {
	rep, msg := smtp.Test(ctx, opts, to)
	res := TestResult{Report: rep, Message: msg}
	if rep.OK || !rep.Temporary || msg == nil || noQueue {
		return res
	}
	res.QueueTried = true
	o, err := a.Outbox()
	if err == nil {
		// Queued even if the test was being cancelled as it ended: its
		// failure is known, and the message must not be lost.
		res.Entry, err = o.EnqueueAttempted(context.WithoutCancel(ctx),
			queue.FromTest(opts.Profile.Name, msg), queue.AttemptFromReport(rep))
	}
	if err != nil {
		res.QueueErr = err
		return res
	}
	res.Report.Queued, res.Report.QueueID = true, res.Entry.ID
	return res
}
