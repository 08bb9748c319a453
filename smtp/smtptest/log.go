package smtptest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testLogger routes go-smtp's error log to t.Logf until the server is
// closed; testing panics on Logf after the test has finished, and go-smtp
// may log from connection goroutines at any time.
type testLogger struct {
	mu  sync.Mutex
	t   testing.TB
	off bool
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.off {
		l.t.Logf("smtptest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.Printf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (l *testLogger) stop() {
	l.mu.Lock()
	l.off = true
	l.mu.Unlock()
}

// lineWriter turns go-smtp's byte-wise debug stream into log lines.
type lineWriter struct {
	mu  sync.Mutex
	log *testLogger
	buf []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := slices.Index(w.buf, '\n')
		if i < 0 {
			break
		}
		w.log.Printf("%s", strings.TrimRight(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}
