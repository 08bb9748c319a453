//go:build !nogui

package ui

import (
	"crypto/subtle"
	"errors"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/inbox"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// localInboxDir is where the test inbox keeps its CA, inside the config
// dir; its messages are kept in localInboxMessages inside it, so that they
// are still listed after a restart.
const (
	localInboxDir      = "local-inbox"
	localInboxMessages = "messages"
)

// errInboxClosed is returned once the window closed the inbox.
var errInboxClosed error = inboxClosedError{}

type inboxClosedError struct{}

func (inboxClosedError) Error() string { return i18n.L("The local test inbox has been stopped.") }

// localInbox owns the built-in test server behind the "local" preset. It is
// started the first time a local profile is tested (or from the inbox view)
// and runs until the window closes.
type localInbox struct {
	m *mainUI

	// mu serialises starting and stopping; srv is read without it, so the
	// UI thread never waits while the server makes its certificates.
	mu     sync.Mutex
	srv    atomic.Pointer[inbox.Server]
	unsub  func()
	closed bool // the window closed: never start again
	// clearing counts the Clears whose files are still being removed
	// (tests wait for them).
	clearing sync.WaitGroup

	// store keeps the messages across restarts (nil without a config dir).
	store *inbox.Store

	// msgs is the window's copy of the received messages, oldest first; it
	// is only touched on the UI thread.
	msgs []inbox.Message
}

func newLocalInbox(m *mainUI) *localInbox {
	l := &localInbox{m: m}
	if m.dir != "" {
		l.store = inbox.OpenStore(filepath.Join(m.dir, localInboxDir, localInboxMessages))
		// What arrived before the last restart is listed from the start,
		// whether or not the inbox runs.
		go l.loadSaved()
	}
	return l
}

// loadSaved reads the stored messages off the UI thread and lists them.
func (l *localInbox) loadSaved() {
	msgs, _, err := l.store.Load()
	if err != nil {
		fyne.LogError("local test inbox", err)
	}
	l.m.ui(func() {
		l.merge(msgs)
		l.m.inboxChanged()
	})
}

// merge makes msgs the list, keeping the messages already listed that
// arrived after them (UI thread). IDs only grow, so "after" is "higher".
func (l *localInbox) merge(msgs []inbox.Message) {
	last := 0
	if len(msgs) > 0 {
		last = msgs[len(msgs)-1].ID
	}
	out := slices.Clone(msgs)
	for _, m := range l.msgs {
		if m.ID > last {
			out = append(out, m)
		}
	}
	l.msgs = out
}

// server returns the running server, or nil.
func (l *localInbox) server() *inbox.Server {
	return l.srv.Load()
}

// start runs the server if it is not running yet, preferring port (0 means
// the inbox's default) and falling back to a free port. It may block briefly
// (certificates are made on first use): call it off the UI thread.
func (l *localInbox) start(port int) (*inbox.Server, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if srv := l.srv.Load(); srv != nil {
		return srv, nil
	}
	if l.closed {
		return nil, errInboxClosed
	}
	addr := ""
	if port > 0 {
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	srv, err := inbox.Start(inbox.Options{
		Addr:       addr,
		Fallback:   true,
		Dir:        filepath.Join(l.m.dir, localInboxDir),
		CheckLogin: l.checkLogin,
		Store:      l.store,
	})
	if err != nil {
		return nil, err
	}
	l.srv.Store(srv)
	l.unsub = srv.Subscribe(func(msg inbox.Message) {
		l.m.ui(func() { l.received(msg) })
	})
	// The server's list (the stored messages, and any that came since
	// Subscribe) is the one shown.
	msgs := srv.Messages()
	l.m.ui(func() {
		l.merge(msgs)
		l.m.inboxChanged()
	})
	return srv, nil
}

// received adds a message to the window's copy (UI thread), once.
func (l *localInbox) received(msg inbox.Message) {
	if n := len(l.msgs); n > 0 && l.msgs[n-1].ID >= msg.ID {
		return
	}
	l.msgs = append(l.msgs, msg)
	l.m.inboxChanged()
}

// count is how many messages the inbox holds (UI thread).
func (l *localInbox) count() int {
	return len(l.msgs)
}

// clear forgets all messages, the stored ones too (UI thread; the files
// are removed off it).
func (l *localInbox) clear() {
	l.msgs = nil
	l.m.inboxChanged()
	srv, store := l.server(), l.store
	l.clearing.Add(1)
	go func() {
		defer l.clearing.Done()
		var err error
		switch {
		case srv != nil:
			err = srv.Clear()
		case store != nil:
			err = store.Clear()
		}
		if err != nil {
			l.m.showError(i18n.L("The test inbox could not be emptied"), err)
		}
	}()
}

// checkLogin accepts the user name and password of any profile that uses
// the local test inbox. It runs on the server's goroutine.
func (l *localInbox) checkLogin(user, pass string) bool {
	profiles, err := l.m.store.List()
	if err != nil {
		return false
	}
	for _, p := range profiles {
		if p.Preset != "local" || p.Username != user {
			continue
		}
		secret, err := l.m.secrets.Get(p.Name)
		if err == nil && subtle.ConstantTimeCompare([]byte(secret), []byte(pass)) == 1 {
			return true
		}
	}
	return false
}

// prepare readies a profile for sending. For the local test inbox it starts
// the server and points the profile at it: its port, and its CA as the CA
// file, so the certificate is verified as with any provider. A changed
// profile is saved, so the command line finds the server too. Other
// profiles are returned unchanged. Call it off the UI thread: it runs in
// the send goroutine (a test send, the outbox's worker), which writes no
// settings and repaints nothing, so the save is handed to the UI thread.
func (l *localInbox) prepare(p smtp.Profile) (smtp.Profile, error) {
	if p.Preset != "local" {
		return p, nil
	}
	srv, err := l.start(p.Port)
	if err != nil {
		return p, err
	}
	if p.Port == srv.Port() && p.CAFile == srv.CAFile() {
		return p, nil
	}
	p.Port, p.CAFile = srv.Port(), srv.CAFile()
	name, port, ca := p.Name, p.Port, p.CAFile
	l.m.ui(func() { l.moved(name, port, ca) })
	return p, nil
}

// moved saves that the saved profile name now uses the inbox on port with
// CA file ca, and tells the window (UI thread). Only those two settings
// change: what was saved meanwhile stays. A profile deleted or renamed
// meanwhile is left alone.
func (l *localInbox) moved(name string, port int, ca string) {
	p, err := l.m.store.Get(name)
	if errors.Is(err, smtp.ErrNoSuchProfile) || err == nil && p.Port == port && p.CAFile == ca {
		return
	}
	if err == nil {
		p.Port, p.CAFile = port, ca
		err = l.m.store.Save(p)
	}
	if err != nil {
		l.m.showError(i18n.L("The profile could not be saved"), err)
		return
	}
	l.m.profileMoved(p)
}

// close stops the server (the window is closing).
func (l *localInbox) close() {
	l.mu.Lock()
	srv, unsub := l.srv.Swap(nil), l.unsub
	l.unsub, l.closed = nil, true
	l.mu.Unlock()
	if unsub != nil {
		unsub()
	}
	if srv != nil {
		_ = srv.Close()
	}
}
