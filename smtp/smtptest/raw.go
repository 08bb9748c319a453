package smtptest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// StartRaw listens on 127.0.0.1 and runs handler on its own goroutine for
// every accepted connection, closing the connection when handler returns.
// It is for misbehaviour no SMTP server library will produce on purpose:
// closing at once, sending garbage, speaking another protocol, answering
// half a line. t.Cleanup closes the listener and every connection (which
// unblocks handlers waiting on the connection) and waits for the handlers.
func StartRaw(t testing.TB, handler func(net.Conn)) (addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	var (
		mu     sync.Mutex
		conns  []net.Conn
		closed bool
		wg     sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				c.Close()
				return
			}
			conns = append(conns, c)
			wg.Add(1)
			mu.Unlock()
			go func() {
				defer wg.Done()
				defer c.Close()
				handler(c)
			}()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		closed = true
		cs := conns
		mu.Unlock()
		ln.Close()
		for _, c := range cs {
			c.Close()
		}
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("smtptest: StartRaw handler still running 5s after cleanup")
		}
	})
	return ln.Addr().String()
}
