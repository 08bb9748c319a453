package smtptest_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

func TestCertificates(t *testing.T) {
	handshake := func(s *smtptest.Server, pool *x509.CertPool) error {
		conn, err := tls.Dial("tcp", s.Addr, clientTLS(pool))
		if err == nil {
			conn.Close()
		}
		return err
	}
	t.Run("untrusted", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS})
		var uae x509.UnknownAuthorityError
		if err := handshake(s, smtptest.NewCA(t).Pool); !errors.As(err, &uae) {
			t.Fatalf("got %v, want unknown authority", err)
		}
	})
	t.Run("name mismatch", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"other.example"}})
		var he x509.HostnameError
		if err := handshake(s, s.CAPool); !errors.As(err, &he) {
			t.Fatalf("got %v, want hostname error", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		ca := smtptest.NewCA(t)
		cert := ca.IssueValidity(t, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "localhost")
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca, Certificate: &cert})
		var ie x509.CertificateInvalidError
		if err := handshake(s, ca.Pool); !errors.As(err, &ie) || ie.Reason != x509.Expired {
			t.Fatalf("got %v, want expired", err)
		}
	})
	t.Run("shared CA", func(t *testing.T) {
		ca := smtptest.NewCA(t)
		a := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca})
		b := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, CA: ca})
		if a.CAFile != ca.File || b.CAFile != ca.File {
			t.Fatal("CAFile is not the shared CA's")
		}
		if err := handshake(a, ca.Pool); err != nil {
			t.Fatal(err)
		}
		c, _ := dial(t, b, smtptest.STARTTLS)
		if err := c.StartTLS(clientTLS(ca.Pool)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("IP address", func(t *testing.T) {
		s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS})
		conn, err := tls.Dial("tcp", s.Addr, &tls.Config{RootCAs: s.CAPool, ServerName: s.Host})
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
	})
}
