// Command inboxserver runs the local test inbox (smtp/inbox) as a separate
// process for benchmarks: STARTTLS and AUTH with one fixed account. It
// prints "PORT CAFILE" on standard output and serves until killed.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/smtpconf/smtpconf/smtp/inbox"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: inboxserver DIR USER PASSWORD")
		os.Exit(2)
	}
	user, pass := os.Args[2], os.Args[3]
	srv, err := inbox.Start(inbox.Options{
		Addr:        "127.0.0.1:0",
		Dir:         os.Args[1],
		MaxMessages: 10,
		CheckLogin:  func(u, p string) bool { return u == user && p == pass },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(srv.Port(), srv.CAFile())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, os.Interrupt)
	<-ch
	srv.Close()
}
