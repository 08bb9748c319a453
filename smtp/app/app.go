// Package app is the one wiring of the core that every front end uses: the
// window, the command line and the outbox runner (and, next, the local relay
// and the sendmail command). From one config directory it opens the profile
// store, the secrets (the keyring under a "this session only" layer), the
// OAuth2 sign-in manager and the outbox, and it builds the send options of a
// profile, so that a test send, a check and the outbox's deliveries all read
// the same secrets and sign in through the same manager.
//
// Parts are opened on first use: a command that only lists profiles builds
// no sign-in manager, and a test send that succeeds never opens the outbox
// database.
package app

import (
	"sync"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// Config says where an App's parts come from. Only Dir is required; tests
// inject the rest, so they never touch the real keyring or browser.
type Config struct {
	// Dir is the resolved config directory (smtp.ConfigDir): profiles,
	// oauth.json, the outbox.
	Dir string
	// Keyring is the persistent secret store; nil means the OS keyring.
	Keyring smtp.SecretStore
	// Session holds "this session only" secrets, looked up before Keyring;
	// nil means a new empty one.
	Session *smtp.SessionSecrets
	// OAuth signs profiles in; nil means one over the App's secrets and Dir,
	// built on first use.
	OAuth *oauth.Manager
	// Getenv reads the environment overrides of the sign-in manager built
	// here (client IDs, endpoints); nil means os.Getenv.
	Getenv func(string) string
	// LenientOutboxSettings opens the outbox with the default settings when
	// outbox.json is invalid, and keeps the problem for OutboxSettingsError
	// (the window shows it and goes on). Without it, an invalid file is the
	// outbox's open error and the database is not touched (the command line
	// reports it and exits 2).
	LenientOutboxSettings bool
}

// App is the wiring of one config directory. It is safe for concurrent use,
// so that a long-running process (the window, a relay) shares one App
// between its goroutines. Close it when done.
type App struct {
	cfg     Config
	store   *smtp.Store
	secrets smtp.LayeredSecrets

	mu          sync.Mutex
	oauth       *oauth.Manager
	outbox      *queue.Outbox
	outboxErr   error // why the outbox could not be opened (kept: opened once)
	settingsErr error // outbox.json is invalid (lenient: the defaults are used)
	opened      bool  // the outbox was asked for once
	closed      bool
}

// New returns the App of cfg. It opens nothing: each part is opened when a
// command first asks for it.
func New(cfg Config) *App {
	a := &App{cfg: cfg, store: smtp.NewStore(cfg.Dir), oauth: cfg.OAuth}
	session := cfg.Session
	if session == nil {
		session = smtp.NewSessionSecrets()
	}
	persistent := cfg.Keyring
	if persistent == nil {
		persistent = smtp.Keyring{}
	}
	a.secrets = smtp.LayeredSecrets{Session: session, Persistent: persistent}
	return a
}

// Dir is the config directory.
func (a *App) Dir() string { return a.cfg.Dir }

// Store is the profile store.
func (a *App) Store() *smtp.Store { return a.store }

// Secrets is the secret store: the session layer first, then the keyring.
func (a *App) Secrets() smtp.LayeredSecrets { return a.secrets }

// Session is the "this session only" layer of Secrets.
func (a *App) Session() *smtp.SessionSecrets { return a.secrets.Session }

// OAuth is the sign-in manager: the injected one, else one over Secrets and
// the config directory, built on first use.
func (a *App) OAuth() *oauth.Manager {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.oauth == nil {
		a.oauth = &oauth.Manager{Secrets: a.secrets, ConfigDir: a.cfg.Dir, Getenv: a.cfg.Getenv}
	}
	return a.oauth
}

// Close closes the outbox if it was opened. Parts handed out before stay
// usable except the outbox, whose calls then fail with queue.ErrClosed;
// Outbox returns that error from now on.
func (a *App) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	if a.outbox != nil {
		return a.outbox.Close()
	}
	return nil
}
