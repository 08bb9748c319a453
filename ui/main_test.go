//go:build !nogui

package ui

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/detect"
	"github.com/smtpconf/smtpconf/smtp/oauth"
)

// logTail collects everything written to the standard logger (Fyne logs
// there), so TestMain can fail the run on "Error in Fyne call thread".
type logTail struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestMain(m *testing.M) {
	// English, whatever the machine's locale; the translation test switches
	// languages itself.
	os.Setenv("LC_ALL", "en_US.UTF-8")
	os.Unsetenv("LANGUAGE")
	// Never reach a real keyring or session bus from the tests.
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/smtpconf-test-bus")

	tail := &logTail{}
	log.SetOutput(io.MultiWriter(os.Stderr, tail))
	code := m.Run()
	if strings.Contains(tail.String(), "Error in Fyne call thread") {
		fmt.Fprintln(os.Stderr, "FAIL: the log shows \"Error in Fyne call thread\": a widget was changed off the UI thread")
		code = 1
	}
	os.Exit(code)
}

// uiQueue stands in for Fyne's event loop: goroutines queue UI functions
// with do, and the test goroutine runs them in order, as the main thread
// does in the real app. The test driver would otherwise run them at once on
// the calling goroutine, racing with the test.
type uiQueue struct {
	mu     sync.Mutex
	fns    []func()
	notify chan struct{}
}

func newUIQueue() *uiQueue {
	return &uiQueue{notify: make(chan struct{}, 1)}
}

func (q *uiQueue) do(fn func()) {
	q.mu.Lock()
	q.fns = append(q.fns, fn)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// drain runs everything queued, including what those functions queue.
func (q *uiQueue) drain() {
	for {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

// pending is how many functions wait to run.
func (q *uiQueue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.fns)
}

// harness is one window under test with its own config directory and
// in-memory secrets.
type harness struct {
	t       *testing.T
	app     fyne.App
	win     fyne.Window
	m       *mainUI
	q       *uiQueue
	dir     string
	keyring smtp.SecretStore
	session *smtp.SessionSecrets
	// detector finds settings; by default one that reaches nothing but
	// closed ports on 127.0.0.1 (so it finds nothing, quickly).
	detector *detect.Detector
	// oauth signs in; by default one on the harness's secrets that knows
	// no client ID and opens no browser.
	oauth *oauth.Manager
	// deps change the Deps of every window the harness opens, in order.
	deps []func(*Deps)
}

type harnessOption func(*harness)

// withKeyring replaces the in-memory keyring (e.g. with a broken one).
func withKeyring(s smtp.SecretStore) harnessOption {
	return func(h *harness) { h.keyring = s }
}

// withDetector uses a detector made with opts.
func withDetector(opts detect.Options) harnessOption {
	return func(h *harness) { h.detector = detect.New(opts) }
}

// offlineDetectOptions are detector options that never leave 127.0.0.1:
// every DNS query and every well-known port goes to a closed local port.
func offlineDetectOptions(t testing.TB) detect.Options {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cp := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return detect.Options{
		DNSServer: net.JoinHostPort("127.0.0.1", strconv.Itoa(cp)),
		ISPDBBase: "-",
		NoProbe:   true,
		Timeout:   3 * time.Second,
		PortMap:   map[int]int{25: cp, 80: cp, 443: cp, 465: cp, 587: cp},
	}
}

// withDeps changes the Deps of every window the harness opens.
func withDeps(change func(*Deps)) harnessOption {
	return func(h *harness) { h.deps = append(h.deps, change) }
}

// withDir uses an existing config directory.
func withDir(dir string) harnessOption {
	return func(h *harness) { h.dir = dir }
}

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	h := &harness{t: t, q: newUIQueue(), keyring: smtp.NewSessionSecrets(), session: smtp.NewSessionSecrets()}
	for _, o := range opts {
		o(h)
	}
	if h.dir == "" {
		h.dir = t.TempDir()
	}
	if h.app == nil {
		h.app = test.NewTempApp(t)
	}
	if h.detector == nil {
		h.detector = detect.New(offlineDetectOptions(t))
	}
	if h.oauth == nil {
		h.oauth = &oauth.Manager{Secrets: smtp.LayeredSecrets{Session: h.session, Persistent: h.keyring}, ConfigDir: h.dir,
			Getenv:  func(string) string { return "" },
			Browser: func(string) error { return errors.New("no browser in tests") }}
	}
	h.open()
	return h
}

// open builds the window (again, for restart tests).
func (h *harness) open() {
	h.win = h.app.NewWindow("")
	deps := Deps{ConfigDir: h.dir, Keyring: h.keyring, Session: h.session, Do: h.q.do, Detector: h.detector, OAuth: h.oauth,
		// No test waits for the system's fonts to be indexed; the
		// tests of the font notice give their own answer.
		HasCJKFont: func() bool { return true }}
	for _, change := range h.deps {
		change(&deps)
	}
	h.m = newMainUI(h.app, h.win, deps)
	m, q := h.m, h.q
	h.t.Cleanup(func() {
		m.shutdown()
		q.drain()
	})
}

// waitFor runs queued UI work until cond holds, failing after timeout.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h.q.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		select {
		case <-h.q.notify:
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// wizard is the open setup.
func (h *harness) wizard() *wizard {
	h.t.Helper()
	if h.m.wizard == nil {
		h.t.Fatal("no profile is open")
	}
	return h.m.wizard
}

func (h *harness) stepID() string {
	wz := h.wizard()
	return wz.steps[wz.current].ID
}

// typeInto replaces an entry's text by typing, as a person would.
func typeInto(e fyneEntry, text string) {
	e.SetText("")
	test.Type(e, text)
}

// fyneEntry is what typeInto needs from a widget.Entry.
type fyneEntry interface {
	fyne.Focusable
	SetText(string)
}

// tapNext presses Next, failing if it is disabled.
func (h *harness) tapNext() {
	h.t.Helper()
	wz := h.wizard()
	if wz.next.Disabled() {
		h.t.Fatalf("Next is disabled on step %q (%s)", h.stepID(), wz.navHint.text.Text)
	}
	test.Tap(wz.next)
}
