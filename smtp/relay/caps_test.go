package relay

import (
	"bytes"
	"context"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/app"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// decodedBody is the text of a single-part message as a reader shows it.
func decodedBody(t *testing.T, data []byte) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return m, string(b)
}

func is7Bit(b []byte) bool { return !bytes.ContainsFunc(b, func(r rune) bool { return r >= 0x80 }) }

// startApp is an App whose default profile "up" sends through up, with an
// outbox that retries after 50 ms.
func startApp(t *testing.T, up *smtptest.Server) *app.App {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "outbox.json"), []byte(`{"schedule": {"first": "50ms", "max": "100ms"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{Dir: dir, Keyring: smtp.NewSessionSecrets()})
	t.Cleanup(func() { a.Close() })
	if err := a.Store().Save(upstreamProfile("up", up)); err != nil {
		t.Fatal(err)
	}
	if err := a.Store().SetDefault("up"); err != nil {
		t.Fatal(err)
	}
	return a
}

func startRelay(t *testing.T, a *app.App, cfg Config) *Server {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	r, err := Start(context.Background(), a, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return r
}

// The 250 names the outbox entry, as Postfix's "queued as" does, after
// DATA and after BDAT alike.
func TestQueuedReplyNamesTheEntry(t *testing.T) {
	e := startEnv(t, Config{})
	d := dial(t, e.r.Addr())
	d.expect(250, "EHLO client.example")
	d.expect(250, "MAIL FROM:<a@box.example>")
	d.expect(250, "RCPT TO:<r@example.org>")
	code, msg := d.data("Subject: one\r\n\r\nfirst")
	first, ok := strings.CutPrefix(msg, "2.0.0 Ok: queued as ")
	if code != 250 || !ok {
		t.Fatalf("DATA: %d %s", code, msg)
	}
	d.expect(250, "MAIL FROM:<a@box.example>")
	d.expect(250, "RCPT TO:<r@example.org>")
	chunk := "Subject: two\r\n\r\nsecond\r\n"
	if err := d.c.PrintfLine("BDAT %d LAST", len(chunk)); err != nil {
		t.Fatal(err)
	}
	d.c.W.WriteString(chunk)
	d.c.W.Flush()
	code, msg = d.read()
	second, ok := strings.CutPrefix(msg, "2.0.0 Ok: queued as ")
	if code != 250 || !ok || second == first {
		t.Fatalf("BDAT: %d %s", code, msg)
	}
	box, _ := e.a.Outbox()
	for _, id := range []string{first, second} {
		if en, err := box.Get(context.Background(), id); err != nil || en.ID != id {
			t.Errorf("%s is not in the outbox: %v", id, err)
		}
	}
}

// A server without 8BITMIME (here one that only speaks HELO): the relay
// leaves 8BITMIME out of a clear EHLO reply, still takes 8-bit messages
// (also declared BODY=8BITMIME, also over STARTTLS, where its EHLO reply
// cannot be filtered), and delivers them re-encoded, with the same text.
func TestEightBitToServerWithout8BITMIME(t *testing.T) {
	up := smtptest.Start(t, smtptest.Config{NoEHLO: true})
	a := startApp(t, up)
	r := startRelay(t, a, Config{RunWorker: true, STARTTLS: true})
	d := dial(t, r.Addr())
	if ehlo := d.expect(250, "EHLO client.example"); strings.Contains(ehlo, "8BITMIME") || strings.Contains(ehlo, "SMTPUTF8") {
		t.Errorf("EHLO offers what the server lacks: %s", ehlo)
	}
	text := "Grüße aus dem Cron-Job: 100 % = erledigt ✓\r\n"
	d.expect(250, "MAIL FROM:<a@box.example> BODY=8BITMIME")
	d.expect(250, "RCPT TO:<r@example.org>")
	if code, msg := d.data("Subject: clear\r\nMessage-ID: <clear@box.example>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text); code != 250 {
		t.Fatalf("%d %s", code, msg)
	}
	if err := runSwaks(t, r.Addr(), "tls8", "--tls", "--add-header", "Content-Type: text/plain; charset=utf-8",
		"--body", strings.TrimSuffix(text, "\r\n")); err != nil {
		t.Fatal(err)
	}
	for _, m := range (&env{up: up}).waitDelivered(t, 2) {
		if !is7Bit(m.Data) {
			t.Errorf("8-bit data reached a server without 8BITMIME:\n%s", m.Data)
		}
		msg, got := decodedBody(t, m.Data)
		if !strings.HasPrefix(got, strings.TrimSuffix(text, "\r\n")) || msg.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s reads %q (%v)", msg.Header.Get("Message-Id"), got, msg.Header)
		}
	}
}

// SMTPUTF8 has no 7-bit form: refused when the server lacks it (550 at
// MAIL, 553 for a non-ASCII recipient), 451 while the server is unknown.
func TestSMTPUTF8FollowsTheServer(t *testing.T) {
	up := smtptest.Start(t, smtptest.Config{})
	a := startApp(t, up)
	r := startRelay(t, a, Config{})
	d := dial(t, r.Addr())
	d.expect(250, "EHLO client.example")
	if code, msg := d.cmd("MAIL FROM:<a@box.example> SMTPUTF8"); code != 550 || !strings.HasPrefix(msg, "5.6.7 ") || !strings.Contains(msg, "SMTPUTF8") {
		t.Errorf("MAIL SMTPUTF8: %d %s", code, msg)
	}
	d.expect(250, "MAIL FROM:<a@box.example>")
	if code, msg := d.cmd("RCPT TO:<用户@example.org>"); code != 553 || !strings.HasPrefix(msg, "5.6.7 ") {
		t.Errorf("non-ASCII recipient: %d %s", code, msg)
	}
	d.expect(250, "RCPT TO:<r@example.org>")

	up.Close()
	r2 := startRelay(t, a, Config{CheckTimeout: time.Second})
	d2 := dial(t, r2.Addr())
	d2.expect(250, "EHLO client.example")
	if code, msg := d2.cmd("MAIL FROM:<a@box.example> SMTPUTF8"); code != 451 {
		t.Errorf("MAIL SMTPUTF8, server unknown: %d %s", code, msg)
	}
}

// offers8Bit reports whether a new clear connection is offered 8BITMIME.
func offers8Bit(t *testing.T, addr string) bool {
	d := dial(t, addr)
	defer d.c.Close()
	return strings.Contains(d.expect(250, "EHLO client.example"), "8BITMIME")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A server that could not be reached at start is checked again: every
// RecheckInterval, and at once after a delivery through it.
func TestUnreachedServerIsCheckedAgain(t *testing.T) {
	gone := smtptest.Start(t, smtptest.Config{})
	gone.Close()
	up := smtptest.Start(t, smtptest.Config{})

	// Periodically.
	a := startApp(t, gone)
	r := startRelay(t, a, Config{CheckTimeout: time.Second, RecheckInterval: 50 * time.Millisecond})
	if offers8Bit(t, r.Addr()) {
		t.Fatal("8BITMIME offered before the server was reached")
	}
	if err := a.Store().Save(upstreamProfile("up", up)); err != nil { // the server is back
		t.Fatal(err)
	}
	waitFor(t, "offering 8BITMIME after a recheck", func() bool { return offers8Bit(t, r.Addr()) })

	// After a delivery, with no periodic check in the way.
	b := startApp(t, gone)
	var mu sync.Mutex
	var reached []string
	r2 := startRelay(t, b, Config{RunWorker: true, CheckTimeout: time.Second, RecheckInterval: time.Hour,
		OnUpstream: func(p string, _ []string, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				reached = append(reached, p)
			}
		}})
	d := dial(t, r2.Addr())
	d.expect(250, "EHLO client.example")
	d.expect(250, "MAIL FROM:<a@box.example>")
	d.expect(250, "RCPT TO:<r@example.org>")
	// Accepted while the server is unknown: the 8-bit text is re-encoded.
	if code, msg := d.data("Subject: while away\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nçà et là"); code != 250 {
		t.Fatalf("%d %s", code, msg)
	}
	if err := b.Store().Save(upstreamProfile("up", up)); err != nil {
		t.Fatal(err)
	}
	msgs := (&env{up: up}).waitDelivered(t, 1)
	if _, got := decodedBody(t, msgs[0].Data); !is7Bit(msgs[0].Data) || got != "çà et là\r\n" {
		t.Errorf("delivered %q:\n%s", got, msgs[0].Data)
	}
	waitFor(t, "offering 8BITMIME after the delivery", func() bool { return offers8Bit(t, r2.Addr()) })
	mu.Lock()
	defer mu.Unlock()
	if len(reached) != 1 || reached[0] != "up" {
		t.Errorf("OnUpstream told of %v", reached)
	}
}
