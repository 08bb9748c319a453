//go:build !nogui

package ui

import "github.com/smtpconf/smtpconf/smtp"

// The screens (profile list, setup, inboxes, Settings) do not reach into
// each other: a screen tells the main window what happened through one of
// these events, and the event tells the screens that care. Each runs on
// the UI thread.

// profileSelected opens the setup of p on the right (draft: the new profile
// that is not saved yet), closing the one that was open.
func (m *mainUI) profileSelected(p smtp.Profile, draft bool) {
	if m.wizard != nil {
		m.wizard.close()
	}
	m.wizard = newWizard(m, p, draft)
	m.showView(m.wizard.root)
	m.wizard.start()
}

// showInbox and showOutbox put that view on the right, once the list has
// closed the open setup (asking first if it has unsaved changes).
func (m *mainUI) showInbox()  { m.profiles.leaveProfile(m.inbox.show) }
func (m *mainUI) showOutbox() { m.profiles.leaveProfile(m.outboxView.show) }

// profileClosed closes the open setup (the inbox or outbox is shown next).
func (m *mainUI) profileClosed() {
	if m.wizard != nil {
		m.wizard.close()
		m.wizard = nil
	}
}

// draftChanged: the setup of the new profile changed its draft; the list
// shows its name.
func (m *mainUI) draftChanged(p smtp.Profile) {
	m.profiles.updateDraft(p)
}

// profileSaved: the setup stored p (created, or updated under the same
// name); the list shows it, selected.
func (m *mainUI) profileSaved(p smtp.Profile) {
	m.profiles.saved(p)
}

// profileMoved: saved profile p was changed by something other than its
// setup (the local test inbox pointed it at its port and CA). An open
// setup of p takes the new settings; the list shows them.
func (m *mainUI) profileMoved(p smtp.Profile) {
	if m.wizard != nil {
		m.wizard.profileMoved(p)
	}
	m.profiles.reload()
}

// changesDiscarded: the person chose to drop the open setup's unsaved
// changes (or its profile is being deleted).
func (m *mainUI) changesDiscarded() {
	if m.wizard != nil {
		m.wizard.dirty = false
	}
}

// languageChanged redraws the window in the language now in use, the
// Settings dialog included (keeping what was typed in it), and checks that
// a font can draw it.
func (m *mainUI) languageChanged() {
	prev := m.settings
	m.rebuild()
	m.openSettings(prev)
	m.checkFonts()
}

// autoLookupChanged: automatic lookup was turned on or off in the Settings;
// the open setup looks up (or stops looking up) its address.
func (m *mainUI) autoLookupChanged() {
	if m.wizard != nil {
		m.wizard.autoLookupChanged()
	}
}

// oauthClientsChanged: the client IDs in oauth.json changed (Settings, Sign-in
// apps); the open setup's sign-in panel checks them again, so "Sign in
// with …" works without reopening.
func (m *mainUI) oauthClientsChanged() {
	if m.wizard != nil {
		m.wizard.oauthClientsChanged()
	}
}

// inboxChanged: the local test inbox started, received or was cleared; its
// view and the count on its button show it.
func (m *mainUI) inboxChanged() {
	m.profiles.updateInboxButton()
	m.inbox.refresh()
}

// outboxChanged: the outbox's entries or counts changed; its view and the
// count on its button show it.
func (m *mainUI) outboxChanged() {
	m.profiles.updateOutboxButton()
	m.outboxView.refresh()
}

// outboxUnreadable: the outbox's entries could not be read; its view says
// why.
func (m *mainUI) outboxUnreadable(err error) {
	m.outboxView.loadFailed(err)
}

// What a screen may ask the main window about the others.

// unsavedChanges is the title of the open setup, and whether it has
// changes that are not saved.
func (m *mainUI) unsavedChanges() (title string, dirty bool) {
	if m.wizard == nil {
		return "", false
	}
	return m.wizard.title(), m.wizard.dirty
}

// inboxShown and outboxShown report whether that view is on the right.
func (m *mainUI) inboxShown() bool  { return m.showing(m.inbox.root) }
func (m *mainUI) outboxShown() bool { return m.showing(m.outboxView.root) }

// uniqueProfileName is base, or base with a number added, that no saved
// profile uses.
func (m *mainUI) uniqueProfileName(base string) string {
	return m.profiles.uniqueName(base)
}

// profileNameTaken reports whether a saved profile other than except uses
// name (ignoring case, as the store does).
func (m *mainUI) profileNameTaken(name, except string) bool {
	return m.profiles.nameTaken(name, except)
}
