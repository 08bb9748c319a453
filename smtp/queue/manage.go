package queue

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// held reports whether a live runner holds the message: its state is
// sending, its lease has not expired, and its owner is not known to be gone.
func (o *Outbox) held(l lease, now time.Time) bool {
	if l.state != Sending || l.until <= ms(now) {
		return false
	}
	return o.owner.check(l.owner) != gone
}

// Retry makes a deferred or failed message due now (state queued); a failed
// one also gets a fresh give-up time. A queued one is made due now. A sent
// one gives ErrAlreadySent, one that a live runner is sending ErrBusy, and a
// message left "sending" by a runner that is gone is taken back.
func (o *Outbox) Retry(ctx context.Context, id string) (Entry, error) {
	err := o.writeTx(ctx, func(tx *sql.Tx) error {
		l, err := leaseOf(ctx, tx, id)
		if err != nil {
			return err
		}
		now := o.now()
		switch {
		case l.state == Sent:
			return fmt.Errorf("%w: %s was delivered; nothing to retry", ErrAlreadySent, id)
		case o.held(l, now):
			return fmt.Errorf("%w: %s is held by %s", ErrBusy, id, describeOwner(l.owner))
		}
		_, err = tx.ExecContext(ctx, `UPDATE messages SET state = 'queued', next_attempt = ?,
			give_up_at = CASE WHEN state = 'failed' THEN ? ELSE give_up_at END,
			lease_owner = '', lease_until = 0 WHERE id = ?`,
			ms(now), ms(now.Add(time.Duration(o.settings.GiveUp))), id)
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	o.signal()
	return o.Get(ctx, id)
}

// RetryAll makes every deferred and failed message (and every queued one
// waiting for a later time) due now, as Retry does, and returns how many it
// changed. Messages being sent by a live runner are left to it.
func (o *Outbox) RetryAll(ctx context.Context) (int, error) {
	var n int64
	err := o.writeTx(ctx, func(tx *sql.Tx) error {
		now := o.now()
		if err := o.reclaimTx(ctx, tx, now, ""); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE messages SET state = 'queued', next_attempt = ?,
			give_up_at = CASE WHEN state = 'failed' THEN ? ELSE give_up_at END
			WHERE state IN ('deferred', 'failed') OR (state = 'queued' AND next_attempt > ?)`,
			ms(now), ms(now.Add(time.Duration(o.settings.GiveUp))), ms(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, err
	}
	o.signal()
	return int(n), nil
}

// Delete removes a message, whatever its state, except one that a live
// runner is sending right now (ErrBusy).
func (o *Outbox) Delete(ctx context.Context, id string) error {
	return o.writeTx(ctx, func(tx *sql.Tx) error {
		l, err := leaseOf(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.held(l, o.now()) {
			return fmt.Errorf("%w: %s is held by %s; try again when it is done", ErrBusy, id, describeOwner(l.owner))
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM messages WHERE id = ?", id)
		return err
	})
}

// lease is a message's state and who holds it until when (Unix ms).
type lease struct {
	state State
	owner string
	until int64
}

// leaseOf reads the lease of message id inside tx; ErrNotFound if there is
// no such message.
func leaseOf(ctx context.Context, tx *sql.Tx, id string) (lease, error) {
	var l lease
	err := tx.QueryRowContext(ctx, "SELECT state, lease_owner, lease_until FROM messages WHERE id = ?", id).
		Scan(&l.state, &l.owner, &l.until)
	if err == sql.ErrNoRows {
		return l, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	return l, err
}

// reclaimTx takes back messages left "sending" by a runner that is gone:
// they become deferred and due now, with a note that the interrupted
// attempt may have delivered them. Expired leases need no reclaiming: a
// claim takes them directly. profile "" means every profile.
func (o *Outbox) reclaimTx(ctx context.Context, tx *sql.Tx, now time.Time, profile string) error {
	q := "SELECT id, lease_owner FROM messages WHERE state = 'sending'"
	args := []any{}
	if profile != "" {
		q += " AND profile = ?"
		args = append(args, profile)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	type held struct{ id, owner string }
	var stale []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.id, &h.owner); err != nil {
			rows.Close()
			return err
		}
		if o.owner.check(h.owner) == gone {
			stale = append(stale, h)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, h := range stale {
		_, err := tx.ExecContext(ctx, `UPDATE messages SET state = 'deferred', next_attempt = ?,
			lease_owner = '', lease_until = 0,
			last_error = ?, last_stage = '', last_code = 0, last_enhanced = '', last_kind = 'interrupted', last_remedy = '',
			last_hint = ?
			WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
			ms(now), "interrupted: "+describeOwner(h.owner)+" ended while sending",
			l10n.L("The program sending this message stopped before the server answered, so it may have been delivered already. It will be sent again; the receiver can recognise the copy by its Message-ID."),
			h.id, h.owner)
		if err != nil {
			return err
		}
	}
	return nil
}

// Reclaim takes back at once the messages left "sending" by runners that
// are gone (a run does it at its start).
func (o *Outbox) Reclaim(ctx context.Context) error {
	return o.bookTx(ctx, func(tx *sql.Tx) error { return o.reclaimTx(ctx, tx, o.now(), "") })
}

// Prune deletes the oldest sent entries beyond Settings.KeepSent.
func (o *Outbox) Prune(ctx context.Context) error {
	return o.bookTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id IN (
			SELECT id FROM messages WHERE state = 'sent' ORDER BY sent_at DESC, id DESC LIMIT -1 OFFSET ?)`,
			o.settings.KeepSent)
		return err
	})
}
