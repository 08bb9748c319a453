package relay

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	gsmtp "github.com/emersion/go-smtp"

	"github.com/smtpconf/smtpconf/smtp/queue"
)

// pythonClient submits one message with Python's smtplib, logging in first
// when a user is given. The header fields are checked at the far end.
const pythonClient = `
import smtplib, sys
host, port, user, password, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
msg = ("From: Script <script@box.example>\r\n"
       "To: Reader <reader@example.org>\r\n"
       "Subject: =?UTF-8?Q?caf=C3=A9_" + tag + "?=\r\n"
       "X-Folded: one\r\n\ttwo\r\n"
       "Message-ID: <" + tag + "@box.example>\r\n"
       "\r\n"
       "Hello from Python.\r\n.A line that starts with a dot.\r\n")
with smtplib.SMTP(host, port, timeout=10) as s:
    s.ehlo()
    if user:
        s.login(user, password)
    s.sendmail("script@box.example", ["reader@example.org"], msg.encode())
`

func runPython(t *testing.T, addr, user, pass, tag string) error {
	t.Helper()
	py := needTool(t, "python3")
	host, port, _ := strings.Cut(addr, ":")
	out, err := exec.Command(py, "-c", pythonClient, host, port, user, pass, tag).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func runSwaks(t *testing.T, addr, tag string, extra ...string) error {
	t.Helper()
	sw := needTool(t, "swaks")
	args := append([]string{"--server", addr, "--from", "swaks@box.example", "--to", "reader@example.org",
		"--header", "Subject: swaks " + tag, "--header", "Message-Id: <" + tag + "@box.example>",
		"--body", "Hello from swaks.", "--timeout", "10"}, extra...)
	out, err := exec.Command(sw, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	return nil
}

func byMessageID(t *testing.T, e *env, n int) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, m := range e.waitDelivered(t, n) {
		out[header(m.Data, "Message-ID")] = m.Data
	}
	return out
}

func TestRealClientsWithoutAuth(t *testing.T) {
	e := startEnv(t, Config{})
	if err := runPython(t, e.r.Addr(), "", "", "py1"); err != nil {
		t.Fatal(err)
	}
	if err := runSwaks(t, e.r.Addr(), "sw1"); err != nil {
		t.Fatal(err)
	}
	got := byMessageID(t, e, 2)
	py := string(got["<py1@box.example>"])
	for _, want := range []string{"From: Script <script@box.example>\r\n", "To: Reader <reader@example.org>\r\n",
		"Subject: =?UTF-8?Q?caf=C3=A9_py1?=\r\n", "X-Folded: one\r\n\ttwo\r\n", "Date: ",
		"\r\n\r\nHello from Python.\r\n.A line that starts with a dot.\r\n"} {
		if !strings.Contains(py, want) {
			t.Errorf("the Python message lacks %q:\n%s", want, py)
		}
	}
	if sw := string(got["<sw1@box.example>"]); !strings.Contains(sw, "Subject: swaks sw1\r\n") || !strings.Contains(sw, "Hello from swaks.") {
		t.Errorf("the swaks message:\n%s", sw)
	}
	// The envelope sender is the account's (the profile's policy is
	// envelope); the From header is left alone.
	for _, m := range e.up.Messages() {
		if m.From != "me@example.com" || len(m.To) != 1 || m.To[0] != "reader@example.org" {
			t.Errorf("envelope %q -> %v", m.From, m.To)
		}
	}
	o, _ := e.a.Outbox()
	list, _ := o.List(context.Background())
	for _, en := range list {
		if en.Origin != queue.OriginRelay {
			t.Errorf("origin %q", en.Origin)
		}
	}
}

func TestRealClientsWithAuth(t *testing.T) {
	e := startEnv(t, Config{RequireAuth: true})
	user, pass, err := Credential(e.a.Secrets(), false)
	if err != nil || user == "" || len(pass) < 20 {
		t.Fatalf("credential %q %d %v", user, len(pass), err)
	}
	if err := runPython(t, e.r.Addr(), user, pass, "pya"); err != nil {
		t.Fatal(err)
	}
	if err := runSwaks(t, e.r.Addr(), "swa", "--auth", "LOGIN", "--auth-user", user, "--auth-password", pass); err != nil {
		t.Fatal(err)
	}
	if err := runSwaks(t, e.r.Addr(), "swp", "--auth", "PLAIN", "--auth-user", user, "--auth-password", pass); err != nil {
		t.Fatal(err)
	}
	got := byMessageID(t, e, 3)
	for _, id := range []string{"<pya@box.example>", "<swa@box.example>", "<swp@box.example>"} {
		if got[id] == nil {
			t.Errorf("%s not delivered", id)
		}
	}
	// Without logging in, or with a wrong password: refused.
	if err := runPython(t, e.r.Addr(), "", "", "nologin"); err == nil || !strings.Contains(err.Error(), "530") {
		t.Errorf("no login: %v", err)
	}
	if err := runPython(t, e.r.Addr(), user, "wrong", "badpass"); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("bad password: %v", err)
	}
	if len(e.up.Messages()) != 3 {
		t.Errorf("%d messages upstream", len(e.up.Messages()))
	}
}

func TestConcurrentClients(t *testing.T) {
	e := startEnv(t, Config{})
	const clients, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := gsmtp.Dial(e.r.Addr())
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for i := range each {
				id := fmt.Sprintf("<c%d-%d@box.example>", c, i)
				body := "From: a@box.example\r\nMessage-ID: " + id + "\r\nSubject: load\r\n\r\n" + strings.Repeat(strings.Repeat("x", 76)+"\r\n", 26)
				if err := cl.SendMail("a@box.example", []string{"r@example.org"}, strings.NewReader(body)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := byMessageID(t, e, clients*each)
	if len(got) != clients*each {
		t.Errorf("%d distinct messages delivered, want %d", len(got), clients*each)
	}
}

func TestLimits(t *testing.T) {
	e := startEnv(t, Config{MaxSize: 4096, MaxRecipients: 2})
	d := dial(t, e.r.Addr())
	ehlo := d.expect(250, "EHLO client.example")
	for _, want := range []string{"SIZE 4096", "8BITMIME", "LIMITS RCPTMAX=2"} {
		if !strings.Contains(ehlo, want) {
			t.Errorf("EHLO lacks %q: %s", want, ehlo)
		}
	}
	if strings.Contains(ehlo, "SMTPUTF8") || strings.Contains(ehlo, "AUTH") {
		t.Errorf("EHLO offers what it should not: %s", ehlo)
	}
	// Declared size too big: 552 at MAIL.
	if code, msg := d.cmd("MAIL FROM:<a@box.example> SIZE=5000"); code != 552 {
		t.Errorf("SIZE=5000: %d %s", code, msg)
	}
	// Too many recipients: 452 for the third.
	d.expect(250, "MAIL FROM:<a@box.example>")
	d.expect(250, "RCPT TO:<r1@example.org>")
	d.expect(250, "RCPT TO:<r2@example.org>")
	if code, msg := d.cmd("RCPT TO:<r3@example.org>"); code != 452 {
		t.Errorf("third recipient: %d %s", code, msg)
	}
	// Too big a body: 552 at the end of DATA.
	if code, msg := d.data("Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("y", 70)+"\r\n", 80)); code != 552 {
		t.Errorf("big body: %d %s", code, msg)
	}
	// A line over 998 characters, a bare LF, a bare CR: 500 5.5.2 naming it.
	for _, c := range []struct{ body, want string }{
		{"Subject: long\r\n\r\n" + strings.Repeat("z", 999), "Line 3 is longer than 998"},
		{"Subject: lf\r\n\r\nbare\nLF", "Line 3 ends with a bare CR or LF"},
		{"Subject: cr\r\n\r\nbare\rCR", "Line 3 ends with a bare CR or LF"},
	} {
		d.expect(250, "MAIL FROM:<a@box.example>")
		d.expect(250, "RCPT TO:<r1@example.org>")
		if code, msg := d.data(c.body); code != 500 || !strings.Contains(msg, c.want) {
			t.Errorf("%.20q: %d %s", c.body, code, msg)
		}
	}
	// A good message still goes through on the same connection.
	d.expect(250, "MAIL FROM:<a@box.example>")
	d.expect(250, "RCPT TO:<r1@example.org>")
	if code, msg := d.data("Subject: fine\r\n\r\nok"); code != 250 {
		t.Errorf("good message: %d %s", code, msg)
	}
	d.expect(221, "QUIT")
	e.waitDelivered(t, 1)
}

func TestNoProfileIs550AtRcpt(t *testing.T) {
	e := startEnv(t, Config{})
	if err := e.a.Store().SetDefault(""); err != nil {
		t.Fatal(err)
	}
	d := dial(t, e.r.Addr())
	d.expect(250, "EHLO client.example")
	d.expect(250, "MAIL FROM:<stranger@box.example>")
	code, msg := d.cmd("RCPT TO:<r@example.org>")
	if code != 550 || !strings.Contains(msg, "profile default") {
		t.Errorf("RCPT without a profile: %d %s", code, msg)
	}
	// The sender's own profile is found without a default.
	d.expect(250, "RSET")
	d.expect(250, "MAIL FROM:<me@example.com>")
	d.expect(250, "RCPT TO:<r@example.org>")
}

func TestNonLoopbackRefused(t *testing.T) {
	e := startEnv(t, Config{})
	for _, cfg := range []Config{{Listen: "0.0.0.0:0"}, {Listen: "[::]:0", RequireAuth: true}, {Listen: ":0", STARTTLS: true}} {
		if _, err := Start(context.Background(), e.a, cfg); !errors.Is(err, ErrExposed) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestUpstreamUnknownHidesExtensions(t *testing.T) {
	e := startEnv(t, Config{})
	// A second relay whose only profile's server is gone: 8BITMIME is not
	// offered, since it is not known to pass.
	e.up.Close()
	r, err := Start(context.Background(), e.a, Config{Listen: "127.0.0.1:0", Profile: "up"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	d := dial(t, r.Addr())
	if ehlo := d.expect(250, "EHLO client.example"); strings.Contains(ehlo, "8BITMIME") || strings.Contains(ehlo, "SMTPUTF8") {
		t.Errorf("EHLO offers an extension the upstream was not seen to offer: %s", ehlo)
	}
	// Messages are still accepted, and wait in the outbox.
	d.expect(250, "MAIL FROM:<a@box.example>")
	d.expect(250, "RCPT TO:<r@example.org>")
	if code, msg := d.data("Subject: later\r\n\r\nqueued"); code != 250 {
		t.Errorf("%d %s", code, msg)
	}
}

func TestSTARTTLS(t *testing.T) {
	e := startEnv(t, Config{STARTTLS: true, RequireAuth: true})
	user, pass, err := Credential(e.a.Secrets(), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := runSwaks(t, e.r.Addr(), "tls1", "--tls", "--auth", "PLAIN", "--auth-user", user, "--auth-password", pass); err != nil {
		t.Fatal(err)
	}
	e.waitDelivered(t, 1)
}
