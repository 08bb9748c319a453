package app

import (
	"github.com/smtpconf/smtpconf/smtp/queue"
)

// Outbox opens the outbox database in the config directory on first use,
// with the settings of its optional outbox.json, and returns it; every later
// call returns the same one (or the same error: a failed open is not tried
// again in this process, so what the person was told stays true). Closing
// it is the App's job (Close).
func (a *App) Outbox() (*queue.Outbox, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, queue.ErrClosed
	}
	if !a.opened {
		a.opened = true
		a.outbox, a.outboxErr = a.openOutbox()
	}
	return a.outbox, a.outboxErr
}

// openOutbox reads the settings and opens the database. An invalid settings
// file is left alone: an error, or the defaults when lenient.
func (a *App) openOutbox() (*queue.Outbox, error) {
	s, err := queue.LoadSettings(a.cfg.Dir)
	if err != nil {
		if !a.cfg.LenientOutboxSettings {
			return nil, err
		}
		a.settingsErr = err // LoadSettings returned the defaults
	}
	return queue.Open(a.cfg.Dir, s)
}

// OutboxSettingsError is why outbox.json could not be used, when the outbox
// was opened with the default settings instead (LenientOutboxSettings).
func (a *App) OutboxSettingsError() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.settingsErr
}

// QueueConfig is what the outbox needs to deliver: the profiles from the
// store, and each session's options from SendOptions, so a delivery uses the
// same secrets and sign-in as a test send. Callers add OnEvent, and may
// replace Profile (the window points the local test inbox's profiles at the
// running inbox).
func (a *App) QueueConfig() queue.Config {
	return queue.Config{Profile: a.store.Get, Secrets: a.secrets, SendOptions: a.SendOptions}
}
