//go:build !nogui

package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"

	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Preference keys of the window's relay (UI state: the command line's relay
// takes its own flags).
const (
	prefRelayListen = "relay.listen"
	prefRelayAuth   = "relay.auth"
	prefRelayRun    = "relay.run"
)

// relayStopWait bounds how long stopping the relay waits for the messages
// being stored to be committed.
const relayStopWait = 10 * time.Second

// relayState is where the window's relay stands.
type relayState int

const (
	relayOff relayState = iota
	relayStarting
	relayRunning
	relayStopping
	relayFailed
)

// relayRunner is the local relay that runs inside the window's process while
// the person has it switched on ("Use from other apps"). It belongs to the
// window, not to a screen: it keeps running while other profiles or views
// are shown, and stops when the window closes. It does not run an outbox
// worker: the window's own worker delivers what it accepts.
type relayRunner struct {
	m *mainUI

	// mu guards what the goroutines starting and watching a relay share
	// with the UI thread and with close.
	mu     sync.Mutex
	gen    int           // counts starts and stops: a late start is dropped
	live   *relay.Server // the relay that serves, nil when none
	closed bool          // the window closed: nothing starts any more
	cancel func()        // cancels the start in progress
	// pending is closed when the start in progress has ended (and shut
	// down its relay, if it was stopped meanwhile); nil when none runs.
	pending chan struct{}
	busy    sync.WaitGroup // starts and stops in progress

	// Only on the UI thread: what the views show.
	state    relayState
	addr     string // where it listens (the real port once running)
	auth     bool   // it asks clients for the relay credential
	err      error  // why it could not start or stopped (relayFailed)
	accepted int    // messages taken since it started
	refused  string // the last reply refusing a command or message
}

func newRelayRunner(m *mainUI) *relayRunner {
	return &relayRunner{m: m}
}

// settings are the address and AUTH choice the person made last (or the
// defaults).
func (r *relayRunner) settings() (listen string, auth bool) {
	p := r.m.app.Preferences()
	return p.StringWithFallback(prefRelayListen, r.m.relayListen), p.Bool(prefRelayAuth)
}

// autostart starts the relay when the person left it switched on.
func (r *relayRunner) autostart() {
	if r.m.app.Preferences().Bool(prefRelayRun) {
		r.start()
	}
}

// running reports whether the relay serves or is starting (UI thread).
func (r *relayRunner) running() bool {
	return r.state == relayStarting || r.state == relayRunning
}

// start starts the relay with the saved settings, in the background: the
// check of the upstream servers can take a few seconds (UI thread).
func (r *relayRunner) start() {
	if r.running() || r.state == relayStopping {
		return
	}
	listen, auth := r.settings()
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		cancel()
		return
	}
	r.gen++
	gen := r.gen
	r.cancel = cancel
	pending := make(chan struct{})
	r.pending = pending
	r.busy.Add(1)
	r.mu.Unlock()

	r.state, r.addr, r.auth, r.err, r.accepted, r.refused = relayStarting, listen, auth, nil, 0, ""
	r.m.relayChanged()
	cfg := relay.Config{
		Listen: listen, RequireAuth: auth,
		// The window's worker delivers; two workers in one process would
		// only compete for the same messages.
		RunWorker:  false,
		OnAccepted: r.onAccepted,
		OnRefused:  r.onRefused,
	}
	core := r.m.core
	go func() {
		defer r.busy.Done()
		defer close(pending)
		srv, err := relay.Start(ctx, core, cfg)
		cancel()
		r.mu.Lock()
		stale := gen != r.gen || r.closed
		if srv != nil && !stale {
			r.live = srv
		}
		if r.pending == pending {
			r.pending = nil
		}
		r.mu.Unlock()
		if stale {
			// Switched off (or the window closed) while it started.
			if srv != nil {
				shutdownRelay(srv)
			}
			return
		}
		if err == nil {
			r.busy.Add(1)
			go r.watch(srv)
		}
		r.m.ui(func() {
			if gen != r.gen {
				return
			}
			if err != nil {
				r.state, r.err = relayFailed, err
			} else {
				r.state, r.addr = relayRunning, srv.Addr()
			}
			r.m.relayChanged()
		})
	}()
}

// watch tells the window when the relay stops serving by itself.
func (r *relayRunner) watch(srv *relay.Server) {
	defer r.busy.Done()
	<-srv.Done()
	r.mu.Lock()
	mine := r.live == srv
	if mine {
		r.live = nil
		r.gen++
	}
	gen := r.gen
	r.mu.Unlock()
	if !mine {
		return // stopped on purpose
	}
	err := srv.Shutdown(context.Background())
	if err == nil {
		err = errRelayEnded
	}
	r.m.ui(func() {
		if gen == r.gen {
			r.state, r.err = relayFailed, err
			r.m.relayChanged()
		}
	})
}

// errRelayEnded: the relay stopped serving without being asked to. Only
// relayProblem reads it, and says it in words.
var errRelayEnded error = relayEnded{}

type relayEnded struct{}

func (relayEnded) Error() string { return "relay: stopped serving" }

// stop stops the relay (or the start in progress) in the background; done,
// if set, runs on the UI thread once it has stopped (UI thread).
func (r *relayRunner) stop(done func()) {
	r.mu.Lock()
	r.gen++
	gen := r.gen
	srv, pending := r.live, r.pending
	r.live, r.pending = nil, nil
	if r.cancel != nil {
		r.cancel()
	}
	r.busy.Add(1)
	r.mu.Unlock()
	if srv == nil && pending == nil {
		r.busy.Done()
		r.state, r.err = relayOff, nil
		r.m.relayChanged()
		if done != nil {
			done()
		}
		return
	}
	r.state = relayStopping
	r.m.relayChanged()
	go func() {
		defer r.busy.Done()
		if pending != nil {
			<-pending // the start shuts its relay down itself
		}
		if srv != nil {
			shutdownRelay(srv)
		}
		r.m.ui(func() {
			if gen == r.gen {
				r.state, r.err = relayOff, nil
				r.m.relayChanged()
			}
			if done != nil {
				done()
			}
		})
	}()
}

// close stops the relay when the window closes, waiting for the messages
// being stored, so that the outbox closes after them.
func (r *relayRunner) close() {
	r.mu.Lock()
	r.closed = true
	r.gen++
	srv := r.live
	r.live = nil
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	if srv != nil {
		shutdownRelay(srv)
	}
	if !waitAtMost(&r.busy, relayStopWait) {
		fyne.LogError("relay", errors.New(logRelayStuck))
	}
}

// logRelayStuck is a line of the log, for developers: not translated.
const logRelayStuck = "the relay did not stop in time"

func shutdownRelay(srv *relay.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), relayStopWait)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// onAccepted is told of each message the relay put in the outbox (relay
// goroutines): the outbox view shows it, and the window's worker, woken by
// the outbox itself, delivers it.
func (r *relayRunner) onAccepted(queue.Entry, string) {
	r.m.outbox.refresh()
	r.m.ui(func() {
		r.accepted++
		r.m.relayChanged()
	})
}

// onRefused is told of each refused command or message (relay goroutines).
func (r *relayRunner) onRefused(_ string, code int, text string) {
	if code == 421 {
		return // closing: not the client's problem to diagnose
	}
	reply := strings.TrimSpace(fmt.Sprintf("%d %s", code, text))
	r.m.ui(func() {
		r.refused = reply
		r.m.relayChanged()
	})
}

// relayProblem says why the relay could not start, and what to do, in plain
// words. installed reports that the relay service's unit file exists.
func relayProblem(err error, listen string, installed bool) (what, fix string) {
	var le *relay.ListenError
	switch {
	case errors.Is(err, relay.ErrExposed):
		return i18n.L("The relay in this window listens only on this computer."),
			i18n.L("Use 127.0.0.1 or ::1 as the address. To accept other computers, run {{.Command}} with --require-auth and --starttls.", map[string]any{"Command": "smtpconf relay"})
	case errors.As(err, &le) && errors.Is(err, syscall.EADDRINUSE):
		what = i18n.L("Another program already listens on {{.Addr}}.", map[string]any{"Addr": le.Addr})
		if installed {
			return what, i18n.L("The relay service is installed, and it probably runs there already: programs can use it as it is, and this switch is not needed. To run the relay in this window instead, remove the service first.")
		}
		return what, i18n.L("Choose another port, such as {{.Addr}}, or stop the program that uses this one (is {{.Command}} running in a terminal?).",
			map[string]any{"Addr": nextPort(listen), "Command": "smtpconf relay"})
	case errors.As(err, &le) && errors.Is(err, syscall.EACCES):
		return i18n.L("This computer does not let the app listen on {{.Addr}}.", map[string]any{"Addr": le.Addr}),
			i18n.L("Ports below 1024 need administrator rights: choose a port above 1024, such as {{.Addr}}.", map[string]any{"Addr": relay.DefaultListen})
	case errors.As(err, &le) && errors.Is(err, syscall.EADDRNOTAVAIL):
		return i18n.L("{{.Addr}} is not an address of this computer.", map[string]any{"Addr": le.Addr}),
			i18n.L("Use 127.0.0.1 or ::1 as the address.")
	case errors.As(err, &le):
		return i18n.L("The relay cannot listen on {{.Addr}}: {{.Error}}", map[string]any{"Addr": le.Addr, "Error": le.Err.Error()}),
			i18n.L("Check the address: it is an IP address of this computer and a port, such as {{.Addr}}.", map[string]any{"Addr": relay.DefaultListen})
	case errors.Is(err, errRelayEnded):
		return i18n.L("The relay stopped by itself."), i18n.L("Turn it on again. If it stops again, restart the app.")
	}
	var oe *queue.OpenError
	if errors.As(err, &oe) || errors.Is(err, queue.ErrSettings) {
		return i18n.L("The relay needs the outbox, which cannot be opened."), problemText(err)
	}
	return humanError(err), errorHint(err)
}

// nextPort is listen with the port after its own, for "choose another port".
func nextPort(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	n, perr := strconv.Atoi(port)
	if err != nil || perr != nil || n <= 0 || n >= 65535 {
		return "127.0.0.1:2588"
	}
	return net.JoinHostPort(host, strconv.Itoa(n+1))
}

// validRelayListen checks the address typed for the window's relay: an
// address of this computer and a port (0 picks a free one).
func validRelayListen(s string) error {
	host, port, err := net.SplitHostPort(strings.TrimSpace(s))
	if err != nil || host == "" {
		return errors.New(i18n.L("Enter an address and a port, such as {{.Addr}}.", map[string]any{"Addr": relay.DefaultListen}))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New(i18n.L("The port must be a number from 1 to 65535."))
	}
	if !relay.Loopback(strings.TrimSpace(s)) {
		return errors.New(i18n.L("The relay in this window listens only on this computer: use 127.0.0.1 or ::1. To accept other computers, run {{.Command}} with --require-auth and --starttls.", map[string]any{"Command": "smtpconf relay"}))
	}
	return nil
}

// executable is this program's real path (links resolved), for the unit
// file and the sendmail link.
func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}

// service is the relay's systemd user unit for this binary, this config
// directory and the window's relay settings.
func (r *relayRunner) service() (relay.Service, error) {
	exe, err := executable()
	if err != nil {
		return relay.Service{}, err
	}
	listen, auth := r.settings()
	args := []string{"--config-dir", r.m.dir, "relay", "--listen=" + listen}
	if auth {
		args = append(args, "--require-auth=true")
	}
	svc := r.m.relayService
	svc.Binary, svc.Args = exe, args
	return svc, nil
}
