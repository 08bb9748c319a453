package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/inbox"
)

// benchMessage is a typical small message (about 1.5 KB).
func benchMessage(i int) Message {
	m := testMessage("local", i)
	m.Raw = append(m.Raw, []byte(strings.Repeat("Some text of a typical short message, line by line.\r\n", 25))...)
	return m
}

// BenchmarkEnqueue: durable enqueue, one transaction (and one fsync of the
// WAL) per message, as the window or `test` does it.
func BenchmarkEnqueue(b *testing.B) {
	o := openTest(b, DefaultSettings())
	ctx := context.Background()
	msgs := make([]Message, 64)
	for i := range msgs {
		msgs[i] = benchMessage(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := o.Enqueue(ctx, msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDrain: a run delivering everything due to the local test inbox
// (STARTTLS, verified certificate), over reused connections.
func BenchmarkDrain(b *testing.B) {
	srv, err := inbox.Start(inbox.Options{Addr: "127.0.0.1:0", MaxMessages: 10})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	p := smtp.Profile{Name: "local", Host: "127.0.0.1", Port: srv.Port(), Security: smtp.SecuritySTARTTLS,
		Auth: smtp.AuthNone, From: "me@example.com", CAFile: srv.CAFile(), Timeout: smtp.Duration(10 * time.Second)}
	cfg := config(newProfiles(p))
	o := openTest(b, DefaultSettings())
	ctx := context.Background()
	// Fill the outbox outside the timing, in one transaction.
	bulkInsert(b, o, b.N, func(i int) (Message, State) { return benchMessage(i), Queued })
	b.ResetTimer()
	sum, err := o.Run(ctx, cfg)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if sent, _, _, _ := sum.Count(); sent != b.N {
		b.Fatalf("sent %d of %d: %+v", sent, b.N, sum.Outcomes[0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkList10000: listing an outbox of 10,000 entries (a mix of sent,
// waiting and failed, with errors and hints), as `queue list` and the
// window's Outbox view do.
func BenchmarkList10000(b *testing.B) {
	s := DefaultSettings()
	s.KeepSent = 20000
	o := openTest(b, s)
	states := []State{Sent, Sent, Sent, Deferred, Failed, Queued}
	bulkInsert(b, o, 10000, func(i int) (Message, State) { return benchMessage(i), states[i%len(states)] })
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := o.List(ctx)
		if err != nil || len(l) != 10000 {
			b.Fatal(len(l), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/list")
}

// bulkInsert adds n entries in one transaction (setup for benchmarks).
func bulkInsert(tb testing.TB, o *Outbox, n int, mk func(int) (Message, State)) {
	tb.Helper()
	ctx := context.Background()
	err := o.writeTx(ctx, func(tx *sql.Tx) error {
		now := time.Now()
		for i := 0; i < n; i++ {
			m, st := mk(i)
			if err := m.check(); err != nil {
				return err
			}
			to, _ := json.Marshal(m.To)
			id := newID(now)
			var lastErr, hint string
			var code, attempts int
			var sentAt int64
			switch st {
			case Deferred, Failed:
				lastErr, hint, code, attempts = "451 4.7.1 Try again later", "The server asked to try again later (451 4.7.1 Try again later), for example because of greylisting.", 451, 2
			case Sent:
				sentAt, attempts = ms(now), 1
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO messages (id, profile, mail_from, rcpt_to, subject, message_id,
				size, state, attempts, created, next_attempt, give_up_at, last_error, last_code, last_hint, sent_at, reply)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, m.Profile, m.From, string(to), m.Subject, m.MessageID, len(m.Raw), string(st), attempts,
				ms(now), ms(now), ms(now.Add(72*time.Hour)), lastErr, code, hint, sentAt, "")
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO bodies (id, raw) VALUES (?, ?)", id, m.Raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(fmt.Errorf("bulk insert: %w", err))
	}
}
