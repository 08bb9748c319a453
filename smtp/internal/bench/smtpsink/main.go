// Command smtpsink is a blackhole SMTP server on 127.0.0.1 for benchmarks:
// it accepts every message, keeps nothing, and reports how many arrived
// and at what rate. It prints its address on standard output, then one
// line every second while messages arrive, and a summary when killed
// (SIGTERM, SIGINT).
//
//	go run ./smtp/internal/bench/smtpsink [-addr 127.0.0.1:0]
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gsmtp "github.com/emersion/go-smtp"
)

type sink struct {
	count       atomic.Int64
	mu          sync.Mutex
	first, last time.Time
}

func (s *sink) NewSession(*gsmtp.Conn) (gsmtp.Session, error) { return &session{s}, nil }

type session struct{ s *sink }

func (ss *session) Mail(string, *gsmtp.MailOptions) error { return nil }
func (ss *session) Rcpt(string, *gsmtp.RcptOptions) error { return nil }
func (ss *session) Reset()                                {}
func (ss *session) Logout() error                         { return nil }
func (ss *session) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	now := time.Now()
	ss.s.mu.Lock()
	if ss.s.first.IsZero() {
		ss.s.first = now
	}
	ss.s.last = now
	ss.s.mu.Unlock()
	ss.s.count.Add(1)
	return nil
}

func (s *sink) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.count.Load()
	span := s.last.Sub(s.first).Seconds()
	rate := 0.0
	if n > 1 && span > 0 {
		rate = float64(n-1) / span
	}
	return fmt.Sprintf("%d messages, first to last %.2f s: %.0f msg/s", n, span, rate)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (loopback)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := &sink{}
	srv := gsmtp.NewServer(s)
	srv.Domain = "sink.localhost"
	srv.MaxRecipients = 1000
	fmt.Println(ln.Addr().String())
	go srv.Serve(ln)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	tick := time.NewTicker(time.Second)
	var seen int64
	for {
		select {
		case <-sig:
			srv.Close()
			fmt.Println(s.summary())
			return
		case <-tick.C:
			if n := s.count.Load(); n != seen {
				seen = n
				fmt.Println(s.summary())
			}
		}
	}
}
