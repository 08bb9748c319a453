package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// newTestApp is an App on a temporary directory with in-memory secrets.
func newTestApp(t *testing.T, cfg Config) *App {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Keyring == nil {
		cfg.Keyring = smtp.NewSessionSecrets()
	}
	a := New(cfg)
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return a
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// plainProfile talks to a test server on port without TLS or AUTH.
func plainProfile(name string, port int) smtp.Profile {
	return smtp.Profile{Name: name, Host: "127.0.0.1", Port: port, Security: smtp.SecurityNone,
		Auth: smtp.AuthNone, From: "me@example.com", Timeout: smtp.Duration(2 * time.Second)}
}

// save stores p in a's profile store.
func save(t *testing.T, a *App, p smtp.Profile) {
	t.Helper()
	if err := a.Store().Save(p); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

// outboxFileExists reports whether the outbox database was created.
func outboxFileExists(t *testing.T, a *App) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(a.Dir(), queue.FileName))
	return err == nil
}

// opened reports whether the App opened (or tried to open) its outbox.
func (a *App) openedOutbox() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.opened
}

// builtOAuth reports whether the App has a sign-in manager.
func (a *App) builtOAuth() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.oauth != nil
}
