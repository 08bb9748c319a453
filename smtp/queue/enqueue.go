package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

// Message is what goes into the outbox: the exact bytes, the envelope and
// the profile to send it through.
type Message struct {
	Profile string
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO), at least one
	Raw     []byte   // the RFC 5322 message, final: it is sent byte for byte
	// Subject and MessageID are for listing; when empty they are read from
	// Raw's header.
	Subject   string
	MessageID string
	// Origin is the way the message came in, shown in the outbox.
	Origin Origin
}

// Origin is the way a message came into the outbox.
type Origin string

// The origins.
const (
	OriginTest     Origin = "test"     // a test send from the window or `smtpconf test`
	OriginRelay    Origin = "relay"    // a program that submitted it to `smtpconf relay`
	OriginSendmail Origin = "sendmail" // a program that piped it to `smtpconf sendmail`
)

// FromTest makes a Message of a test message built by package smtp.
func FromTest(profile string, m *smtp.TestMessage) Message {
	return Message{
		Profile: profile, From: m.From, To: append([]string(nil), m.To...), Raw: m.Bytes,
		Subject: m.Subject, MessageID: m.MessageID, Origin: OriginTest,
	}
}

// Attempt is the outcome of an attempt made before the message entered the
// outbox (by `smtpconf test`, or the window's send), so that it enters as
// deferred with one attempt counted.
type Attempt struct {
	At         time.Time // when it was made; zero means now
	Stage      smtp.Stage
	Code       int
	Enhanced   string
	Error      string // the server's reply or the error
	Hint       string
	Kind       string
	Remedy     smtp.Remedy
	Transcript []string // secrets already removed
}

// AttemptFromReport takes the failure from a report of smtp.Test.
func AttemptFromReport(r smtp.Report) Attempt {
	return Attempt{
		Stage: r.Stage, Code: r.Code, Enhanced: r.Enhanced, Error: r.Message, Hint: r.Hint,
		Kind: string(r.Kind), Remedy: r.Remedy, Transcript: r.Transcript,
	}
}

func (m *Message) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
	}
	switch {
	case m.Profile == "":
		return bad("no profile")
	case len(m.To) == 0:
		return bad("no recipient")
	case len(m.Raw) == 0:
		return bad("no message bytes")
	case strings.ContainsAny(m.From, "\r\n<>"):
		return bad("invalid sender %q", m.From)
	}
	for _, t := range m.To {
		if t == "" || strings.ContainsAny(t, "\r\n<>") {
			return bad("invalid recipient %q", t)
		}
	}
	if m.Subject == "" || m.MessageID == "" {
		if msg, err := mail.ReadMessage(bytes.NewReader(m.Raw)); err == nil {
			if m.Subject == "" {
				m.Subject = msg.Header.Get("Subject")
				if d, err := new(mime.WordDecoder).DecodeHeader(m.Subject); err == nil {
					m.Subject = d
				}
			}
			if m.MessageID == "" {
				m.MessageID = strings.TrimSpace(msg.Header.Get("Message-Id"))
			}
		}
	}
	return nil
}

// Enqueue adds a message waiting for its first attempt (state queued, due
// now). The entry is on disk when Enqueue returns.
func (o *Outbox) Enqueue(ctx context.Context, m Message) (Entry, error) {
	return o.add(ctx, m, nil)
}

// EnqueueAttempted adds a message whose first attempt, made elsewhere,
// failed temporarily: it enters as deferred, attempts 1, with that attempt's
// error, hint and transcript, and its next attempt on the schedule.
func (o *Outbox) EnqueueAttempted(ctx context.Context, m Message, a Attempt) (Entry, error) {
	return o.add(ctx, m, &a)
}

func (o *Outbox) add(ctx context.Context, m Message, a *Attempt) (Entry, error) {
	if err := m.check(); err != nil {
		return Entry{}, err
	}
	to, err := json.Marshal(m.To)
	if err != nil {
		return Entry{}, err
	}
	now := o.now()
	e := Entry{
		ID: newID(now), Profile: m.Profile, From: m.From, To: m.To, Subject: m.Subject,
		MessageID: m.MessageID, Size: len(m.Raw), Origin: m.Origin, State: Queued, Created: now, NextAttempt: now,
		GiveUpAt: now.Add(time.Duration(o.settings.GiveUp)),
	}
	transcript := "[]"
	if a != nil {
		at := a.At
		if at.IsZero() {
			at = now
		}
		e.State, e.Attempts, e.LastAttempt = Deferred, 1, at
		e.NextAttempt = at.Add(o.settings.Schedule.delay(1, a.Code))
		e.LastError, e.LastStage, e.LastCode, e.LastEnhanced, e.LastHint, e.LastKind, e.LastRemedy =
			a.Error, a.Stage, a.Code, a.Enhanced, a.Hint, a.Kind, a.Remedy
		if a.Transcript != nil {
			b, _ := json.Marshal(a.Transcript)
			transcript = string(b)
		}
	}
	err = o.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO messages (id, profile, mail_from, rcpt_to, subject, message_id,
			size, state, attempts, created, next_attempt, give_up_at, last_attempt, last_error, last_stage,
			last_code, last_enhanced, last_hint, last_kind, last_remedy, origin)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.ID, e.Profile, e.From, string(to), e.Subject, e.MessageID, e.Size, string(e.State), e.Attempts,
			ms(e.Created), ms(e.NextAttempt), ms(e.GiveUpAt), ms(e.LastAttempt), e.LastError, string(e.LastStage),
			e.LastCode, e.LastEnhanced, e.LastHint, e.LastKind, e.LastRemedy.String(), string(e.Origin))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO bodies (id, raw) VALUES (?, ?)", e.ID, m.Raw); err != nil {
			return err
		}
		if a != nil {
			_, err = tx.ExecContext(ctx, "INSERT INTO transcripts (id, lines) VALUES (?, ?)", e.ID, transcript)
		}
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	o.signal()
	return e, nil
}

// Ids are 16 characters of lower-case Crockford base32: 48 bits of Unix
// milliseconds, then 32 bits that are random for the first id of a
// millisecond and count up within it, so ids sort by creation time.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

var idState struct {
	sync.Mutex
	ms  int64
	seq uint32
}

func newID(now time.Time) string {
	t := now.UnixMilli()
	idState.Lock()
	if t <= idState.ms {
		t = idState.ms
		idState.seq++
	} else {
		var b [4]byte
		_, _ = rand.Read(b[:])
		idState.seq = binary.BigEndian.Uint32(b[:]) >> 1 // room to count up
	}
	idState.ms = t
	seq := idState.seq
	idState.Unlock()
	var b [10]byte
	binary.BigEndian.PutUint16(b[0:], uint16(t>>32))
	binary.BigEndian.PutUint32(b[2:], uint32(t))
	binary.BigEndian.PutUint32(b[6:], seq)
	return idEncoding.EncodeToString(b[:])
}
