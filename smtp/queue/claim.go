package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// The database side of a run: claiming the next due message of a profile
// under a lease, and writing each outcome (and what it means for the
// profile's other waiting messages) in the same transaction.

// write records an outcome. lost is true when the message was no longer
// ours (its lease expired and another runner took it).
func (r *run) write(ctx context.Context, tx *sql.Tx, profile string, rec *record, now time.Time) (lost bool, extra []Outcome, err error) {
	c := rec.c
	var next, sentAt int64
	switch rec.state {
	case Deferred, Queued:
		next = ms(rec.next)
	case Sent:
		sentAt = ms(now)
	}
	errText, d := rec.errText, rec.d
	if rec.state == Sent {
		errText, d = "", smtp.Diagnosis{}
	}
	res, err := tx.ExecContext(ctx, `UPDATE messages SET state = ?, next_attempt = ?, last_error = ?, last_stage = ?,
		last_code = ?, last_enhanced = ?, last_hint = ?, last_kind = ?, last_remedy = ?, lease_owner = '', lease_until = 0,
		sent_at = ?, reply = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?`,
		string(rec.state), next, errText, string(d.Stage), d.Code, d.Enhanced, d.Hint, d.Kind, d.Remedy.String(),
		sentAt, rec.reply, c.id, r.o.owner.String())
	if err != nil {
		return false, nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return true, nil, nil
	}
	lines := rec.transcript
	if lines == nil {
		lines = []string{}
	}
	tj, _ := json.Marshal(lines)
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO transcripts (id, lines) VALUES (?, ?)", c.id, string(tj)); err != nil {
		return false, nil, err
	}
	switch rec.others {
	case othersPush:
		extra, err = r.pushOthers(ctx, tx, profile, rec, now, string(tj))
	case othersFail:
		extra, err = r.updateOthers(ctx, tx, profile, now, "", nil, string(tj), "not tried: "+rec.errText, rec.d)
	}
	return false, extra, err
}

// pushOthers: the profile's connection failed temporarily. Its other due
// messages were not tried; they wait until the head's next attempt (their
// attempts and last error untouched), except those past their give-up
// time, which fail now.
func (r *run) pushOthers(ctx context.Context, tx *sql.Tx, profile string, rec *record, now time.Time, transcript string) ([]Outcome, error) {
	next := rec.next
	if rec.state != Deferred || !next.After(now) {
		next = now.Add(r.o.settings.Schedule.delay(1, rec.d.Code))
	}
	giveUp := "gave up (its give-up time has passed); not tried, as the connection failed: " + rec.d.Message
	d := rec.d
	d.Hint = strings.TrimSpace(d.Hint + " The outbox stopped trying: the message could not be delivered before its give-up time.")
	failed, err := r.updateOthers(ctx, tx, profile, now, "AND give_up_at <= ?", []any{ms(now)}, transcript, giveUp, d)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `UPDATE messages SET next_attempt = ? WHERE profile = ?
		AND state IN ('queued','deferred') AND next_attempt <= ? AND id != ?
		RETURNING id, state, attempts, subject, message_id, rcpt_to`, ms(next), profile, ms(now), rec.c.id)
	if err != nil {
		return nil, err
	}
	pushed, err := scanOutcomes(rows, next)
	return append(failed, pushed...), err
}

// updateOthers fails the profile's due messages (those matching cond too).
func (r *run) updateOthers(ctx context.Context, tx *sql.Tx, profile string, now time.Time, cond string, args []any,
	transcript, errText string, d smtp.Diagnosis) ([]Outcome, error) {
	where := "profile = ? AND state IN ('queued','deferred') AND next_attempt <= ? " + cond
	wargs := append([]any{profile, ms(now)}, args...)
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO transcripts (id, lines) SELECT id, ? FROM messages WHERE "+where,
		append([]any{transcript}, wargs...)...); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `UPDATE messages SET state = 'failed', next_attempt = 0, last_error = ?, last_stage = ?,
		last_code = ?, last_enhanced = ?, last_hint = ?, last_kind = ?, last_remedy = ? WHERE `+where+`
		RETURNING id, state, attempts, subject, message_id, rcpt_to`,
		append([]any{errText, string(d.Stage), d.Code, d.Enhanced, d.Hint, d.Kind, d.Remedy.String()}, wargs...)...)
	if err != nil {
		return nil, err
	}
	out, err := scanOutcomes(rows, time.Time{})
	for i := range out {
		out[i].Error, out[i].Stage, out[i].Code, out[i].Enhanced, out[i].Hint, out[i].Kind, out[i].Remedy =
			errText, d.Stage, d.Code, d.Enhanced, d.Hint, string(d.Kind), d.Remedy
	}
	return out, err
}

func scanOutcomes(rows *sql.Rows, next time.Time) ([]Outcome, error) {
	defer rows.Close()
	var out []Outcome
	for rows.Next() {
		var oc Outcome
		var state, to string
		if err := rows.Scan(&oc.ID, &state, &oc.Attempts, &oc.Subject, &oc.MessageID, &to); err != nil {
			return nil, err
		}
		oc.State = State(state)
		_ = json.Unmarshal([]byte(to), &oc.To)
		if oc.State != Failed {
			oc.NextAttempt = next
		}
		out = append(out, oc)
	}
	return out, rows.Err()
}

// claim takes the profile's oldest due message not yet tried in this run:
// queued or deferred and due, or sending with an expired lease.
func (r *run) claim(ctx context.Context, tx *sql.Tx, profile string, now time.Time) (*claimed, error) {
	o := r.o
	until := now.Add(time.Duration(o.settings.LeaseDuration))
	var (
		c                        claimed
		to                       string
		created, giveUp, leaseMS int64
	)
	err := tx.QueryRowContext(ctx, `UPDATE messages SET state = 'sending', attempts = attempts + 1,
		last_attempt = ?, lease_owner = ?, lease_until = ?
		WHERE id = (SELECT id FROM messages
			WHERE profile = ? AND state IN ('queued','deferred','sending') AND last_attempt < ? AND
			((state IN ('queued','deferred') AND next_attempt <= ?) OR (state = 'sending' AND lease_until <= ?))
			ORDER BY created, id LIMIT 1)
		RETURNING id, mail_from, rcpt_to, subject, message_id, attempts, created, give_up_at, lease_until`,
		ms(now), o.owner.String(), ms(until), profile, ms(r.start), ms(now), ms(now)).
		Scan(&c.id, &c.from, &to, &c.subject, &c.messageID, &c.attempts, &created, &giveUp, &leaseMS)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(to), &c.to); err != nil {
		return nil, fmt.Errorf("%w: entry %s: recipients: %v", ErrCorrupt, c.id, err)
	}
	c.created, c.giveUp, c.leaseUntil = fromMS(created), fromMS(giveUp), fromMS(leaseMS)
	if err := tx.QueryRowContext(ctx, "SELECT raw FROM bodies WHERE id = ?", c.id).Scan(&c.raw); err != nil {
		if err == sql.ErrNoRows {
			return nil, fmt.Errorf("%w: entry %s has no message bytes", ErrCorrupt, c.id)
		}
		return nil, err
	}
	return &c, nil
}
