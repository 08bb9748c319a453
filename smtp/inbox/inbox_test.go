package inbox

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
)

const (
	testUser = "me@example.com"
	testPass = "pw"
)

// start runs an inbox on a free port (never 2525, which the app itself may use).
func start(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	srv, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

func checkLogin(u, p string) bool { return u == testUser && p == testPass }

func profile(srv *Server) smtp.Profile {
	return smtp.Profile{
		Name: "local", Host: "127.0.0.1", Port: srv.Port(),
		Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthAuto,
		Username: testUser, From: testUser, CAFile: srv.CAFile(),
		Timeout: smtp.Duration(5 * time.Second),
	}
}

func options(p smtp.Profile, secret string) smtp.Options {
	return smtp.Options{Profile: p, Secret: func() (string, error) { return secret, nil }}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestTestMessageArrives(t *testing.T) {
	srv := start(t, Options{Dir: t.TempDir(), CheckLogin: checkLogin})
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") || srv.Port() == 0 {
		t.Fatalf("Addr %q Port %d", srv.Addr(), srv.Port())
	}
	var (
		mu  sync.Mutex
		got []Message
	)
	cancel := srv.Subscribe(func(m Message) {
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
	})
	defer cancel()

	rep, msg := smtp.Test(ctx(t), options(profile(srv), testPass), nil)
	if !rep.OK {
		t.Fatalf("report not OK: %+v", rep)
	}
	if rep.AuthMech != "PLAIN" {
		t.Errorf("auth mechanism %q, want PLAIN", rep.AuthMech)
	}
	if !strings.Contains(strings.Join(rep.Transcript, "\n"), "verified") {
		t.Errorf("TLS was not reported as verified:\n%s", strings.Join(rep.Transcript, "\n"))
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.ID != 1 || m.From != testUser || len(m.To) != 1 || m.To[0] != testUser {
		t.Errorf("envelope: id %d from %q to %q", m.ID, m.From, m.To)
	}
	if m.Subject != msg.Subject {
		t.Errorf("subject %q, want %q", m.Subject, msg.Subject)
	}
	if !strings.Contains(m.Text, "This is a test message from SMTP Configurator.\n") {
		t.Errorf("text: %q", m.Text)
	}
	if !m.TLS || m.Username != testUser {
		t.Errorf("TLS %v username %q", m.TLS, m.Username)
	}
	if m.Header.Get("Message-Id") != msg.MessageID {
		t.Errorf("Message-ID %q, want %q", m.Header.Get("Message-Id"), msg.MessageID)
	}
	if string(m.Raw) != string(msg.Bytes) {
		t.Errorf("raw message differs from what was sent")
	}
	if time.Since(m.Received) > time.Minute {
		t.Errorf("received %v", m.Received)
	}

	mu.Lock()
	if len(got) != 1 || got[0].ID != 1 || got[0].Subject != msg.Subject {
		t.Errorf("subscriber got %d messages: %+v", len(got), got)
	}
	mu.Unlock()

	// Messages returns copies.
	msgs[0].To[0] = "changed"
	msgs[0].Header["Subject"][0] = "changed"
	msgs[0].Raw[0] = 'X'
	again := srv.Messages()[0]
	if again.To[0] != testUser || again.Header.Get("Subject") == "changed" || again.Raw[0] == 'X' {
		t.Error("Messages shares memory with the inbox")
	}

	// After cancel the subscriber hears nothing more.
	cancel()
	cancel()
	if rep, _ := smtp.Test(ctx(t), options(profile(srv), testPass), nil); !rep.OK {
		t.Fatalf("second test: %+v", rep)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Errorf("cancelled subscriber called: %d", len(got))
	}
	mu.Unlock()
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
	srv.Clear()
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages after Clear", n)
	}
}

func TestAuthLogin(t *testing.T) {
	srv := start(t, Options{CheckLogin: checkLogin})
	p := profile(srv)
	p.Auth = smtp.AuthLogin
	rep, _ := smtp.Test(ctx(t), options(p, testPass), nil)
	if !rep.OK || rep.AuthMech != "LOGIN" {
		t.Fatalf("report: ok %v mech %q %+v", rep.OK, rep.AuthMech, rep)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Username != testUser {
		t.Fatalf("messages: %+v", m)
	}
	// A wrong password through LOGIN is refused the same way.
	rep, _ = smtp.Test(ctx(t), options(p, "nope"), nil)
	if rep.OK || rep.Stage != smtp.StageAuth || rep.Code != 535 || rep.Kind != smtp.KindAuthFailed {
		t.Fatalf("wrong LOGIN password: %+v", rep)
	}
}

func TestWrongPassword(t *testing.T) {
	srv := start(t, Options{CheckLogin: checkLogin})
	rep, _ := smtp.Test(ctx(t), options(profile(srv), "wrong"), nil)
	if rep.OK {
		t.Fatal("wrong password accepted")
	}
	if rep.Stage != smtp.StageAuth || rep.Kind != smtp.KindAuthFailed {
		t.Errorf("stage %q kind %s, want auth and %s", rep.Stage, rep.Kind, smtp.KindAuthFailed)
	}
	if rep.Code != 535 || rep.Enhanced != "5.7.8" {
		t.Errorf("reply %d %s, want 535 5.7.8", rep.Code, rep.Enhanced)
	}
	for _, l := range rep.Transcript {
		if strings.Contains(l, "wrong") {
			t.Errorf("password in transcript: %q", l)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages stored", n)
	}
}

func TestAuthRequiredWithCheckLogin(t *testing.T) {
	srv := start(t, Options{CheckLogin: checkLogin})
	p := profile(srv)
	p.Auth, p.Username = smtp.AuthNone, ""
	rep, _ := smtp.Test(ctx(t), options(p, ""), nil)
	if rep.OK || rep.Stage != smtp.StageMail || rep.Code != 530 || rep.Enhanced != "5.7.0" {
		t.Fatalf("sending without AUTH: %+v", rep)
	}
}

func TestNilCheckLoginAcceptsAnyone(t *testing.T) {
	srv := start(t, Options{})
	rep, _ := smtp.Test(ctx(t), options(profile(srv), "anything"), nil)
	if !rep.OK {
		t.Fatalf("any credentials: %+v", rep)
	}
	// Without AUTH too: the inbox is a sink.
	p := profile(srv)
	p.Auth, p.Username = smtp.AuthNone, ""
	if rep, _ := smtp.Test(ctx(t), options(p, ""), nil); !rep.OK {
		t.Fatalf("no AUTH: %+v", rep)
	}
	m := srv.Messages()
	if len(m) != 2 || m[0].Username != testUser || m[1].Username != "" || !m[1].TLS {
		t.Fatalf("messages: %+v", m)
	}
}

// TestDialogue checks what a client sees before and after STARTTLS.
func TestDialogue(t *testing.T) {
	srv := start(t, Options{MaxMessageBytes: 12345})
	conn, err := net.DialTimeout("tcp", srv.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	tc := textproto.NewConn(conn)
	if _, _, err := tc.ReadResponse(220); err != nil {
		t.Fatal(err)
	}
	cmd := func(want int, format string, args ...any) string {
		t.Helper()
		if err := tc.PrintfLine(format, args...); err != nil {
			t.Fatal(err)
		}
		_, msg, err := tc.ReadResponse(want)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		return msg
	}
	ehlo := cmd(250, "EHLO test")
	for _, want := range []string{"STARTTLS", "SIZE 12345", "LIMITS RCPTMAX=100"} {
		if !strings.Contains(ehlo, want) {
			t.Errorf("EHLO lacks %q:\n%s", want, ehlo)
		}
	}
	if strings.Contains(ehlo, "AUTH") {
		t.Errorf("AUTH offered before STARTTLS:\n%s", ehlo)
	}
	cmd(523, "AUTH PLAIN AG1lAHB3") // "\x00me\x00pw"
	// A sink: plain-text mail is accepted when no login is required.
	cmd(250, "MAIL FROM:<a@example.com> SIZE=100")
	cmd(250, "RCPT TO:<b@example.org>")
	cmd(354, "DATA")
	cmd(250, "Subject: plain\r\n\r\nhello\r\n..dot\r\n.")
	cmd(552, "MAIL FROM:<a@example.com> SIZE=99999")
	cmd(221, "QUIT")
	m := srv.Messages()
	if len(m) != 1 || m[0].TLS || m[0].Subject != "plain" || m[0].Text != "hello\n.dot\n" {
		t.Fatalf("messages: %+v", m)
	}
}

func TestMaxMessages(t *testing.T) {
	srv := start(t, Options{MaxMessages: 3})
	s, err := smtp.Dial(ctx(t), options(profile(srv), testPass))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 5 {
		msg := "Subject: n" + string(rune('1'+i)) + "\r\n\r\nbody\r\n"
		if _, err := s.Send(ctx(t), testUser, []string{"you@example.org"}, []byte(msg)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	m := srv.Messages()
	if len(m) != 3 {
		t.Fatalf("%d messages, want 3", len(m))
	}
	for i, want := range []string{"n3", "n4", "n5"} {
		if m[i].Subject != want || m[i].ID != i+3 {
			t.Errorf("message %d: id %d subject %q, want %d %q", i, m[i].ID, m[i].Subject, i+3, want)
		}
	}
}

func TestEncodedMessageThroughClient(t *testing.T) {
	srv := start(t, Options{})
	raw := "From: me@example.com\r\n" +
		"To: you@example.org\r\n" +
		"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= =?UTF-8?B?YXVzIEvDtmxu?=\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
		"\r\n" +
		"--outer\r\n" +
		"Content-Type: multipart/alternative; boundary=\"inner\"\r\n" +
		"\r\n" +
		"--inner\r\n" +
		"Content-Type: text/html; charset=UTF-8\r\n" +
		"\r\n" +
		"<p>HTML</p>\r\n" +
		"--inner\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"Sch=C3=B6ne Gr=C3=BC=C3=9Fe, a long line that is soft=\r\n" +
		" broken.\r\n" +
		"--inner--\r\n" +
		"--outer\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"\r\n" +
		"second part\r\n" +
		"--outer--\r\n"
	env := smtp.Envelope{From: testUser, To: []string{"you@example.org", "other@example.org"}}
	if err := smtp.Deliver(ctx(t), options(profile(srv), testPass), env, []byte(raw), nil); err != nil {
		t.Fatal(err)
	}
	m := srv.Messages()
	if len(m) != 1 {
		t.Fatalf("%d messages", len(m))
	}
	if m[0].Subject != "Grüßeaus Köln" {
		t.Errorf("subject %q", m[0].Subject)
	}
	if m[0].Text != "Schöne Grüße, a long line that is soft broken." {
		t.Errorf("text %q", m[0].Text)
	}
	if strings.Join(m[0].To, ",") != "you@example.org,other@example.org" {
		t.Errorf("to %q", m[0].To)
	}
}

func TestParseMessage(t *testing.T) {
	for _, tc := range []struct {
		name, raw, subject, text string
	}{
		{"plain", "Subject: hi\r\n\r\nline 1\r\nline 2\r\n", "hi", "line 1\nline 2\n"},
		{"no content type", "Subject: =?iso-8859-1?q?caf=E9?=\n\nbody\n", "café", "body\n"},
		{"base64", "Subject: b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nw6TDtsO8\r\nIQ==\r\n", "b", "äöü!"},
		{"latin1", "Content-Type: text/plain; charset=ISO-8859-1\r\n\r\ncaf\xe9\r\n", "", "café\n"},
		{"html only falls back to raw", "Content-Type: text/html\r\n\r\n<b>x</b>\r\n", "", "<b>x</b>\n"},
		{"bad base64 kept", "Content-Transfer-Encoding: base64\r\n\r\n***\r\n", "", "***\n"},
		{"multipart without text/plain", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n", "", "--b\nContent-Type: image/png\n\nPNG\n--b--\n"},
		{"unknown charset word", "Subject: =?x-unknown?q?abc?=\r\n\r\n", "abc", ""},
		{"no header", "just text, no header", "", "just text, no header"},
		{"invalid utf-8", "Subject: s\r\n\r\n\xff ok\r\n", "s", "\uFFFD ok\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := parseMessage([]byte(tc.raw))
			if m.Subject != tc.subject || m.Text != tc.text {
				t.Errorf("got subject %q text %q, want %q %q", m.Subject, m.Text, tc.subject, tc.text)
			}
			if m.Header == nil {
				t.Error("nil header")
			}
		})
	}
}

func TestCAPersists(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "inbox")
	srv1 := start(t, Options{Dir: dir, CheckLogin: checkLogin})
	if srv1.CAFile() != filepath.Join(dir, CACertFile) {
		t.Fatalf("CAFile %q", srv1.CAFile())
	}
	ca1 := readFile(t, srv1.CAFile())
	leaf1 := readFile(t, filepath.Join(dir, serverCertFile))
	if err := srv1.Close(); err != nil {
		t.Fatal(err)
	}

	srv2 := start(t, Options{Dir: dir, CheckLogin: checkLogin})
	if got := readFile(t, srv2.CAFile()); string(got) != string(ca1) {
		t.Fatal("CA changed across restarts")
	}
	if got := readFile(t, filepath.Join(dir, serverCertFile)); string(got) != string(leaf1) {
		t.Error("server certificate re-issued although still valid")
	}
	if rep, _ := smtp.Test(ctx(t), options(profile(srv2), testPass), nil); !rep.OK {
		t.Fatalf("test after restart: %+v", rep)
	}

	// What was made is what was asked for.
	block, _ := pem.Decode(ca1)
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || ca.PublicKeyAlgorithm != x509.ECDSA || ca.NotAfter.Sub(ca.NotBefore) < 10*365*24*time.Hour {
		t.Errorf("CA: IsCA %v alg %v valid %v", ca.IsCA, ca.PublicKeyAlgorithm, ca.NotAfter.Sub(ca.NotBefore))
	}
	block, _ = pem.Decode(leaf1)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if d := leaf.NotAfter.Sub(leaf.NotBefore); d < 365*24*time.Hour || d > 367*24*time.Hour {
		t.Errorf("leaf valid for %v", d)
	}

	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("%d files in %s, want 4", len(entries), dir)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
}

func TestCertificatesRenewed(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	ca, leaf, err := loadCertificates(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	// Near the server certificate's end: a new one, same CA.
	ca2, leaf2, err := loadCertificates(dir, now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if string(ca2.CertPEM) != string(ca.CertPEM) || string(leaf2.CertPEM) == string(leaf.CertPEM) {
		t.Error("expired server certificate not re-issued under the same CA")
	}
	// A missing server certificate is made again.
	if err := os.Remove(filepath.Join(dir, serverCertFile)); err != nil {
		t.Fatal(err)
	}
	if _, leaf3, err := loadCertificates(dir, now); err != nil || string(leaf3.CertPEM) == string(leaf2.CertPEM) {
		t.Errorf("missing server certificate not re-issued: %v", err)
	}
	// An expired CA is replaced, and so is the certificate it signed.
	ca4, _, err := loadCertificates(dir, now.AddDate(10, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if string(ca4.CertPEM) == string(ca.CertPEM) {
		t.Error("expired CA kept")
	}
	// A damaged CA key is replaced rather than failing the start.
	if err := os.WriteFile(filepath.Join(dir, caKeyFile), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if ca5, _, err := loadCertificates(dir, now); err != nil || string(ca5.CertPEM) == string(ca4.CertPEM) {
		t.Errorf("damaged CA not replaced: %v", err)
	}
}

func TestDirTightened(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX permissions")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start(t, Options{Dir: dir})
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode().Perm())
	}
}

func TestPortFallback(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port

	if srv, err := Start(Options{Addr: busy.Addr().String()}); err == nil {
		srv.Close()
		t.Fatal("started on a busy port without Fallback")
	}
	srv := start(t, Options{Addr: busy.Addr().String(), Fallback: true})
	if srv.Port() == busyPort || srv.Port() == 0 {
		t.Fatalf("port %d (busy %d)", srv.Port(), busyPort)
	}
	if rep, _ := smtp.Test(ctx(t), options(profile(srv), testPass), nil); !rep.OK {
		t.Fatalf("test on the fallback port: %+v", rep)
	}
}

func TestOnlyLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:25", "[::]:0", "example.com:25"} {
		if srv, err := Start(Options{Addr: addr}); !errors.Is(err, ErrNotLoopback) {
			if srv != nil {
				srv.Close()
			}
			t.Errorf("%s: %v, want ErrNotLoopback", addr, err)
		}
	}
	srv := start(t, Options{Addr: "localhost:0"})
	if !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("localhost listened on %s", srv.Addr())
	}
}

func TestClose(t *testing.T) {
	srv, err := Start(Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ca := srv.CAFile()
	if _, err := os.Stat(ca); err != nil {
		t.Fatalf("temporary CA file: %v", err)
	}
	// An idle client is disconnected by Close.
	idle, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := bufio.NewReader(idle).ReadString('\n'); err != nil {
		t.Fatal(err)
	}

	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", srv.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after Close")
	}
	_ = idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Error("idle connection still open after Close")
	}
	if _, err := os.Stat(ca); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary CA file left behind: %v", err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
