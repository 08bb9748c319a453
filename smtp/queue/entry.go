package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// State is where a message stands. The values are the contract of
// `smtpconf queue list --json`.
type State string

// The states.
const (
	// Queued: waiting for its first attempt, or made due by hand.
	Queued State = "queued"
	// Sending: claimed by a runner, being sent.
	Sending State = "sending"
	// Deferred: failed temporarily, waiting for NextAttempt.
	Deferred State = "deferred"
	// Sent: delivered (the server accepted it).
	Sent State = "sent"
	// Failed: failed permanently, or gave up; stays until deleted.
	Failed State = "failed"
)

// Waiting reports whether the message is still to be sent.
func (s State) Waiting() bool { return s == Queued || s == Sending || s == Deferred }

// Entry is one message in the outbox.
type Entry struct {
	ID        string
	Profile   string
	From      string
	To        []string
	Subject   string
	MessageID string
	Size      int // bytes
	Origin    Origin

	State       State
	Attempts    int
	Created     time.Time
	NextAttempt time.Time // zero unless queued or deferred
	GiveUpAt    time.Time
	LastAttempt time.Time // zero if never tried

	// The last failure (all empty after delivery).
	LastError    string // the server's reply or the error, e.g. "451 4.7.1 Try again later"
	LastStage    smtp.Stage
	LastCode     int
	LastEnhanced string
	LastHint     string      // plain-language fix, from smtp.Diagnose
	LastKind     string      // smtp.Diagnosis.Kind
	LastRemedy   smtp.Remedy // the fix as data, for each front end to word

	LeaseOwner string    // "pid 1234 on host" while sending
	LeaseUntil time.Time // zero unless sending

	SentAt time.Time // zero unless sent
	Reply  string    // the server's final reply when sent

	// Filled by Get only.
	Transcript []string // of the last attempt, secrets removed
	Raw        []byte   // the exact message bytes
}

// Due reports whether the entry may be tried at now.
func (e Entry) Due(now time.Time) bool {
	return (e.State == Queued || e.State == Deferred) && !e.NextAttempt.After(now)
}

const entryColumns = `id, profile, mail_from, rcpt_to, subject, message_id, size, state, attempts,
	created, next_attempt, give_up_at, last_attempt, last_error, last_stage, last_code, last_enhanced,
	last_hint, last_kind, last_remedy, lease_owner, lease_until, sent_at, reply, origin`

type scanner interface{ Scan(...any) error }

func scanEntry(s scanner) (Entry, error) {
	var e Entry
	err := scanEntryInto(s, &e)
	return e, err
}

// scanEntryInto scans a row into e (List scans straight into its slice: a
// 10,000-entry list must not allocate and copy each entry twice).
func scanEntryInto(s scanner, e *Entry) error {
	var (
		to, state, stage, owner, remedy               string
		created, next, giveUp, last, leaseUntil, sent int64
	)
	err := s.Scan(&e.ID, &e.Profile, &e.From, &to, &e.Subject, &e.MessageID, &e.Size, &state, &e.Attempts,
		&created, &next, &giveUp, &last, &e.LastError, &stage, &e.LastCode, &e.LastEnhanced,
		&e.LastHint, &e.LastKind, &remedy, &owner, &leaseUntil, &sent, &e.Reply, &e.Origin)
	if err != nil {
		return err
	}
	if e.To, err = decodeAddrs(to); err != nil {
		return fmt.Errorf("%w: entry %s: recipients: %v", ErrCorrupt, e.ID, err)
	}
	e.State, e.LastStage, e.LastRemedy = State(state), smtp.Stage(stage), smtp.ParseRemedy(remedy)
	e.Created, e.GiveUpAt, e.LastAttempt, e.SentAt = fromMS(created), fromMS(giveUp), fromMS(last), fromMS(sent)
	if e.State == Queued || e.State == Deferred {
		e.NextAttempt = fromMS(next)
	}
	if e.State == Sending {
		e.LeaseUntil = fromMS(leaseUntil)
		e.LeaseOwner = describeOwner(owner)
	}
	return nil
}

// decodeAddrs reads the JSON array of recipients. Addresses rarely need
// JSON escapes, so the common case is split by hand, which is several
// times faster than encoding/json.
func decodeAddrs(s string) ([]string, error) {
	if len(s) >= 4 && s[0] == '[' && s[1] == '"' && s[len(s)-2] == '"' && s[len(s)-1] == ']' &&
		!strings.ContainsAny(s, "\\\x00") {
		inner := s[2 : len(s)-2]
		if !strings.Contains(strings.ReplaceAll(inner, `","`, ""), `"`) {
			return strings.Split(inner, `","`), nil
		}
	}
	var out []string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

// List returns every entry, oldest first, without transcript or bytes.
func (o *Outbox) List(ctx context.Context) ([]Entry, error) {
	// The count only sizes the slice: growing a slice of 10,000 entries
	// would copy them over and over.
	var n int
	if err := o.db.QueryRowContext(ctx, "SELECT count(*) FROM messages").Scan(&n); err != nil {
		return nil, o.wrap(err)
	}
	// In table order (mostly creation order already), sorted below: cheaper
	// than walking the index and looking up each row.
	rows, err := o.db.QueryContext(ctx, "SELECT "+entryColumns+" FROM messages")
	if err != nil {
		return nil, o.wrap(err)
	}
	defer rows.Close()
	out := make([]Entry, 0, n+n/8+8)
	for rows.Next() {
		out = append(out, Entry{})
		if err := scanEntryInto(rows, &out[len(out)-1]); err != nil {
			return nil, o.wrap(err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, o.wrap(err)
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Get returns one entry with its last transcript and its bytes.
func (o *Outbox) Get(ctx context.Context, id string) (Entry, error) {
	e, err := scanEntry(o.db.QueryRowContext(ctx, "SELECT "+entryColumns+" FROM messages WHERE id = ?", id))
	if err == sql.ErrNoRows {
		return e, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err != nil {
		return e, o.wrap(err)
	}
	var lines string
	err = o.db.QueryRowContext(ctx, "SELECT lines FROM transcripts WHERE id = ?", id).Scan(&lines)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return e, o.wrap(err)
	default:
		_ = json.Unmarshal([]byte(lines), &e.Transcript)
	}
	err = o.db.QueryRowContext(ctx, "SELECT raw FROM bodies WHERE id = ?", id).Scan(&e.Raw)
	if err != nil && err != sql.ErrNoRows {
		return e, o.wrap(err)
	}
	return e, nil
}

// Resolve finds the entry whose id is idOrPrefix, or the only one whose id
// starts with it (at least 4 characters), so people can type a short id.
func (o *Outbox) Resolve(ctx context.Context, idOrPrefix string) (string, error) {
	idOrPrefix = strings.ToLower(strings.TrimSpace(idOrPrefix))
	if idOrPrefix == "" {
		return "", fmt.Errorf("%w: empty id", ErrNotFound)
	}
	var id string
	err := o.db.QueryRowContext(ctx, "SELECT id FROM messages WHERE id = ?", idOrPrefix).Scan(&id)
	if err == nil {
		return id, nil
	}
	if err != sql.ErrNoRows {
		return "", o.wrap(err)
	}
	if len(idOrPrefix) < 4 || strings.ContainsAny(idOrPrefix, "%_\\") {
		return "", fmt.Errorf("%w: %q", ErrNotFound, idOrPrefix)
	}
	rows, err := o.db.QueryContext(ctx, "SELECT id FROM messages WHERE id >= ? AND id < ? LIMIT 2", idOrPrefix, idOrPrefix+"\xff")
	if err != nil {
		return "", o.wrap(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return "", o.wrap(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", o.wrap(err)
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("%w: %q", ErrNotFound, idOrPrefix)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%w: %q; give more of the id", ErrAmbiguous, idOrPrefix)
}

// Counts is how many entries are in each state.
type Counts struct {
	Queued, Sending, Deferred, Sent, Failed int
}

// Waiting is the number of messages still to be sent (queued, sending or
// deferred): the number the window shows on the outbox tab.
func (c Counts) Waiting() int { return c.Queued + c.Sending + c.Deferred }

// Counts counts the entries by state.
func (o *Outbox) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	rows, err := o.db.QueryContext(ctx, "SELECT state, count(*) FROM messages GROUP BY state")
	if err != nil {
		return c, o.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return c, o.wrap(err)
		}
		switch State(s) {
		case Queued:
			c.Queued = n
		case Sending:
			c.Sending = n
		case Deferred:
			c.Deferred = n
		case Sent:
			c.Sent = n
		case Failed:
			c.Failed = n
		}
	}
	return c, o.wrap(rows.Err())
}

// NextDue is when the earliest waiting message becomes due (for a queued
// or deferred one, its next attempt; for one being sent, its lease's end),
// or the zero time if nothing is waiting.
func (o *Outbox) NextDue(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := o.db.QueryRowContext(ctx, `SELECT min(t) FROM (
		SELECT min(next_attempt) AS t FROM messages WHERE state IN ('queued','deferred')
		UNION ALL
		SELECT min(lease_until) FROM messages WHERE state = 'sending')`).Scan(&next)
	if err != nil {
		return time.Time{}, o.wrap(err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	if next.Int64 == 0 {
		return time.UnixMilli(1), nil
	}
	return time.UnixMilli(next.Int64), nil
}
