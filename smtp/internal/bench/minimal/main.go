// Command minimal is the yardstick for `smtpconf test`: the least a Go
// program must do to send one message with go-mail through STARTTLS and
// AUTH PLAIN, with the password read from the keyring. Built with
// -tags withfyne it also links Fyne (without opening a window), the
// yardstick for the default build. Used only by .ci/bench.sh.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strconv"

	mail "github.com/wneessen/go-mail"
	"github.com/zalando/go-keyring"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: minimal PORT CAFILE USER PROFILE")
		os.Exit(2)
	}
	port, _ := strconv.Atoi(os.Args[1])
	pem, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	pass, err := keyring.Get("smtpconf", os.Args[4])
	if err != nil {
		fail(err)
	}
	m := mail.NewMsg()
	if err := m.From(os.Args[3]); err != nil {
		fail(err)
	}
	if err := m.To(os.Args[3]); err != nil {
		fail(err)
	}
	m.Subject("benchmark")
	m.SetBodyString(mail.TypeTextPlain, "benchmark message")
	c, err := mail.NewClient("127.0.0.1", mail.WithPort(port), mail.WithTLSPolicy(mail.TLSMandatory),
		mail.WithTLSConfig(&tls.Config{ServerName: "127.0.0.1", RootCAs: pool}),
		mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(os.Args[3]), mail.WithPassword(pass))
	if err != nil {
		fail(err)
	}
	if err := c.DialAndSend(m); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
