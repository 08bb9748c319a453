// Command smtpload submits N messages of a given size to an SMTP server
// from C concurrent clients (one connection each, reused) and reports the
// acceptance rate: how many messages per second were answered 250. It
// measures `smtpconf relay` and, with the same arguments, any other local
// MTA (Postfix's smtpd, msmtpd, E-MailRelay) for comparison.
//
//	go run ./smtp/internal/bench/smtpload -addr 127.0.0.1:2587 -n 1000 -size 10240 -c 4
//
// Only use it against servers on this computer.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	gsmtp "github.com/emersion/go-smtp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2587", "host:port of the server")
	n := flag.Int("n", 1000, "messages to send")
	size := flag.Int("size", 10240, "approximate message size in bytes")
	conc := flag.Int("c", 4, "concurrent clients")
	user := flag.String("user", "", "AUTH PLAIN user (none if empty)")
	pass := flag.String("pass", "", "AUTH PLAIN password")
	starttls := flag.Bool("starttls", false, "STARTTLS (certificate not verified)")
	from := flag.String("from", "load@bench.example", "envelope sender")
	to := flag.String("to", "sink@bench.example", "recipient")
	flag.Parse()

	body := message(*size)
	var next, ok, failed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, *conc)
	start := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c *gsmtp.Client
			var err error
			if *starttls {
				c, err = gsmtp.DialStartTLS(*addr, &tls.Config{InsecureSkipVerify: true})
			} else {
				c, err = gsmtp.Dial(*addr)
			}
			if err != nil {
				errs <- err
				return
			}
			defer c.Quit()
			if *user != "" {
				if err := c.Auth(sasl.NewPlainClient("", *user, *pass)); err != nil {
					errs <- err
					return
				}
			}
			for {
				i := next.Add(1)
				if i > int64(*n) {
					return
				}
				msg := fmt.Sprintf("Message-ID: <%d.%d@bench.example>\r\n", i, start.UnixNano()) + body
				if err := c.SendMail(*from, []string{*to}, strings.NewReader(msg)); err != nil {
					failed.Add(1)
					if failed.Load() <= 3 {
						fmt.Fprintln(os.Stderr, "smtpload:", err)
					}
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, "smtpload: client:", err)
	}
	fmt.Printf("%d accepted, %d refused, %d clients, %d-byte messages, %.2f s: %.0f msg/s\n",
		ok.Load(), failed.Load(), *conc, len(body), elapsed.Seconds(), float64(ok.Load())/elapsed.Seconds())
	if failed.Load() > 0 || ok.Load() == 0 {
		os.Exit(1)
	}
}

// message is a plain text message of about size bytes: headers, then
// 76-character lines.
func message(size int) string {
	var b strings.Builder
	b.WriteString("From: Load <load@bench.example>\r\nTo: Sink <sink@bench.example>\r\nSubject: load test\r\n" +
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	line := strings.Repeat("0123456789", 7) + "abcdef\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.String()
}
