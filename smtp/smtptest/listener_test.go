package smtptest_test

import (
	"crypto/tls"
	"net"
	"net/smtp"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

func TestGreetingRefused(t *testing.T) {
	for _, mode := range []smtptest.Mode{smtptest.Plain, smtptest.ImplicitTLS} {
		t.Run(mode.String(), func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Config{Mode: mode,
				Greeting: &smtptest.Reply{Code: 421, Enhanced: "4.3.2", Message: "Too busy\nTry again later"}})
			var conn net.Conn
			var err error
			if mode == smtptest.ImplicitTLS {
				conn, err = tls.Dial("tcp", s.Addr, clientTLS(s.CAPool))
			} else {
				conn, err = net.Dial("tcp", s.Addr)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(long))
			_, err = smtp.NewClient(conn, "localhost")
			wantReply(t, err, 421, "Too busy\n4.3.2 Try again later")
			wantClosed(t, conn)
			if s.Connections() != 1 {
				t.Fatalf("Connections() = %d", s.Connections())
			}
		})
	}
}

func TestStallGreeting(t *testing.T) {
	for _, mode := range []smtptest.Mode{smtptest.Plain, smtptest.ImplicitTLS} {
		t.Run(mode.String(), func(t *testing.T) {
			s := smtptest.Start(t, smtptest.Config{Mode: mode, StallGreeting: true})
			var conn net.Conn
			var err error
			if mode == smtptest.ImplicitTLS {
				// The handshake completes; only the greeting is withheld.
				conn, err = tls.DialWithDialer(&net.Dialer{Timeout: long}, "tcp", s.Addr, clientTLS(s.CAPool))
			} else {
				conn, err = net.Dial("tcp", s.Addr)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(short))
			_, err = conn.Read(make([]byte, 1))
			wantTimeout(t, err)

			start := time.Now()
			s.Close()
			if d := time.Since(start); d > time.Second {
				t.Fatalf("Close took %v", d)
			}
			wantClosed(t, conn)
		})
	}
}

func TestNoEHLO(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, NoEHLO: true})
	r := dialRaw(t, s.Addr)
	r.must("", 220)
	r.must("EHLO client.example", 502)
	r.must("HELO client.example", 250)

	c, _ := dial(t, s, smtptest.Plain)
	if err := c.Hello("client.example"); err != nil { // net/smtp falls back to HELO
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Fatal("extensions visible after HELO")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestNoEHLOImplicitTLS(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, NoEHLO: true})
	c, _ := dial(t, s, smtptest.ImplicitTLS)
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("SIZE"); ok {
		t.Fatal("EHLO was accepted")
	}
	if err := send(c, "a@example.com", []string{"b@example.com"}, "hi\r\n"); err != nil {
		t.Fatal(err)
	}
}
