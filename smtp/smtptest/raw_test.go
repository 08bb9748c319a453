package smtptest_test

import (
	"errors"
	"io"
	"net"
	"net/smtp"
	"net/textproto"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

func TestStartRaw(t *testing.T) {
	t.Run("close at once", func(t *testing.T) {
		addr := smtptest.StartRaw(t, func(net.Conn) {})
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wantClosed(t, conn)
	})
	t.Run("garbage", func(t *testing.T) {
		addr := smtptest.StartRaw(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
		})
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(long))
		_, err = smtp.NewClient(conn, "localhost")
		var pe textproto.ProtocolError
		if !errors.As(err, &pe) {
			t.Fatalf("got %v (%T), want a protocol error", err, err)
		}
	})
	t.Run("cleanup unblocks handler", func(t *testing.T) {
		// Registered first so it runs last: the client stays connected
		// while StartRaw's cleanup has to end the handler by itself.
		var conn net.Conn
		t.Cleanup(func() { conn.Close() })
		started := make(chan struct{})
		addr := smtptest.StartRaw(t, func(c net.Conn) {
			close(started)
			io.Copy(io.Discard, c) // blocks until cleanup closes c
		})
		var err error
		if conn, err = net.Dial("tcp", addr); err != nil {
			t.Fatal(err)
		}
		<-started
	})
}
