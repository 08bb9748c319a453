package smtptest_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

func TestSTARTTLSAuthPlainDelivers(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users})
	c, _ := dial(t, s, smtptest.STARTTLS)
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not advertised")
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Fatal("AUTH advertised before TLS without AllowInsecureAuth")
	}
	if err := c.StartTLS(clientTLS(s.CAPool)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("STARTTLS advertised again after TLS")
	}
	if ok, mechs := c.Extension("AUTH"); !ok || mechs != "PLAIN LOGIN CRAM-MD5" {
		t.Fatalf("AUTH after TLS: %v %q", ok, mechs)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice", "s3cret", "localhost")); err != nil {
		t.Fatal(err)
	}
	body := "Subject: hi\r\n\r\n.leading dot\r\nend\r\n"
	if err := send(c, "alice@example.com", []string{"x@example.com", "y@example.com"}, body); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "alice@example.com" || strings.Join(m.To, ",") != "x@example.com,y@example.com" ||
		string(m.Data) != body || m.Auth != "alice" || !m.TLS {
		t.Fatalf("message %+v, data %q", m, m.Data)
	}
}

func TestImplicitTLSWithCAFile(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, Transcript: true})
	pemData, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("CAFile holds no certificate")
	}
	conn, err := tls.Dial("tcp", s.Addr, clientTLS(pool))
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("STARTTLS advertised on implicit TLS")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	if m := s.Messages(); len(m) != 1 || !m[0].TLS || m[0].Auth != "" {
		t.Fatalf("messages %+v", m)
	}
}

func TestPlainModeRefusesSTARTTLS(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{})
	c, _ := dial(t, s, smtptest.Plain)
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("STARTTLS advertised in Plain mode")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages(); len(m) != 1 || m[0].TLS {
		t.Fatalf("messages %+v", m)
	}
}

func TestSetAtRuntime(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{
		FailMail: &smtptest.Reply{Code: 451, Enhanced: "4.3.0", Message: "Temporary failure"}})
	c, _ := dial(t, s, smtptest.Plain)
	err := send(c, "a@example.com", []string{"b@example.com"}, "first\r\n")
	wantReply(t, err, 451, "4.3.0 Temporary failure")

	s.Set(func(c *smtptest.Config) { c.FailMail = nil })
	// Same connection: the change applies from the next command on.
	if err := send(c, "a@example.com", []string{"b@example.com"}, "second\r\n"); err != nil {
		t.Fatal(err)
	}
	s.Set(func(c *smtptest.Config) {
		c.FailRcpt = &smtptest.Reply{Code: 550, Enhanced: "5.1.1", Message: "Unknown"}
	})
	err = send(c, "a@example.com", []string{"b@example.com"}, "third\r\n")
	wantReply(t, err, 550, "5.1.1 Unknown")

	if m := s.Messages(); len(m) != 1 || string(m[0].Data) != "second\r\n" {
		t.Fatalf("messages %+v", m)
	}
}

// recorder captures Errorf so tests can check that misuse is reported.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestSetRejectsFixedAndInvalid(t *testing.T) {
	rec := &recorder{TB: t}
	s := smtptest.Start(rec, smtptest.Config{})
	s.Set(func(c *smtptest.Config) { c.Mode = smtptest.ImplicitTLS })
	s.Set(func(c *smtptest.Config) { c.StallAt = "bogus" })
	s.Set(func(c *smtptest.Config) { c.FailMail = &smtptest.Reply{Code: 99} })
	s.Set(func(c *smtptest.Config) { c.FailMail = &smtptest.Reply{Code: 550, Enhanced: "5.1"} })
	if len(rec.errs) != 4 {
		t.Fatalf("reported %q, want 4 errors", rec.errs)
	}
	// Nothing changed: the server still delivers in Plain mode.
	c, _ := dial(t, s, smtptest.Plain)
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestConnectionsAndConcurrentDelivery(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, Users: users})
	const n = 5
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- smtpSendMailTLS(s, fmt.Sprintf("message %d\r\n", i))
		}()
	}
	// Poll Messages while deliveries run, for the race detector.
	for range 10 {
		_ = s.Messages()
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.Messages()); got != n {
		t.Fatalf("%d messages, want %d", got, n)
	}
	if got := s.Connections(); got != n {
		t.Fatalf("Connections() = %d, want %d", got, n)
	}
}

func smtpSendMailTLS(s *smtptest.Server, body string) error {
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(long))
	c, err := smtp.NewClient(conn, "localhost")
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.StartTLS(clientTLS(s.CAPool)); err != nil {
		return err
	}
	if err := c.Auth(smtp.PlainAuth("", "bob", "hunter2", "localhost")); err != nil {
		return err
	}
	if err := send(c, "bob@example.com", []string{"x@example.com"}, body); err != nil {
		return err
	}
	return c.Quit()
}
