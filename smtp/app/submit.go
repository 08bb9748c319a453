package app

import (
	"context"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/submit"
)

// Route picks the profile a message from another program goes through:
// explicit if given, else the profile whose address is the envelope
// sender, else the default profile (see submit.Route).
func (a *App) Route(explicit, sender string) (smtp.Profile, error) {
	return submit.Route(a.store, explicit, sender)
}

// Submit routes m to a profile, checks and adapts it for that profile
// (submit.Prepare) and puts it in the outbox. When Submit returns without an
// error the message is on disk (committed and synced): the relay answers
// 250 and sendmail exits 0 only then. An outbox that cannot be opened or
// written is a *submit.Error with Problem Unstored; nothing was queued.
func (a *App) Submit(ctx context.Context, m submit.Message) (queue.Entry, error) {
	p, err := a.Route(m.Profile, m.From)
	if err != nil {
		return queue.Entry{}, err
	}
	qm, err := submit.Prepare(p, m, time.Now())
	if err != nil {
		return queue.Entry{}, err
	}
	o, err := a.Outbox()
	if err != nil {
		return queue.Entry{}, &submit.Error{Problem: submit.Unstored, Err: err}
	}
	// Not cancelled with the caller: a commit either happens whole or not,
	// and the caller learns which.
	e, err := o.Enqueue(context.WithoutCancel(ctx), qm)
	if err != nil {
		return queue.Entry{}, &submit.Error{Problem: submit.Unstored, Err: err}
	}
	return e, nil
}
