//go:build !nogui

package ui

import (
	"errors"
	"net/url"
	"strings"

	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Running a sign-in and a sign-out of the Account step's panel: in the
// background, with Cancel, and the result shown on the UI thread.

// onSignIn saves the profile (tokens are kept under its name), then signs
// in in the browser.
func (o *signInPanel) onSignIn() {
	s := o.s
	wz := s.wz
	if o.running || s.busy {
		return
	}
	if !s.fieldsValid() {
		for _, f := range []*field{s.name, s.username, s.from, s.fromName} {
			f.touched = true
			f.refresh()
		}
		return
	}
	if wz.isNew || wz.dirty {
		s.onSave(o.start)
		return
	}
	o.start()
}

// idle reports whether a sign-in or a sign-out may start: none runs, and
// the profile is saved (its tokens are kept under its name).
func (o *signInPanel) idle() bool {
	return !o.running && !o.s.wz.isNew
}

// start runs the browser sign-in in the background.
func (o *signInPanel) start() {
	if !o.idle() {
		return
	}
	s := o.s
	wz := s.wz
	p := wz.draft
	ctx, cancel, run := o.begin()
	o.canceling = false
	o.url, o.browserErr, o.err = "", nil, nil
	o.show()
	wz.update()
	m := wz.m
	go func() {
		st, err := m.oauth.SignIn(ctx, p, func(u string, berr error) {
			m.ui(func() {
				if o.run == run && o.running {
					o.url, o.browserErr = u, berr
					o.show()
					s.scroll.ScrollToBottom() // the wait, and the address, in view
				}
			})
		})
		cancel()
		m.ui(func() {
			if o.run != run {
				return
			}
			o.finish(p.Name, st, err)
		})
	}()
}

// finish shows the outcome of a sign-in.
func (o *signInPanel) finish(name string, st oauth.Status, err error) {
	s := o.s
	wz := s.wz
	o.finished()
	o.canceling = false
	o.url, o.browserErr = "", nil
	switch {
	case err == nil && !st.SignedIn:
		// Nothing usable was stored: say so rather than "Signed in".
		o.err = &oauth.Error{Kind: oauth.ErrNoRefreshToken, Provider: st.Provider}
	case err == nil:
		o.err = nil
		o.checkedFor, o.status = name, st
		o.fillFromAccount(st.Account)
	case errors.Is(err, oauth.ErrCanceled):
		o.err = nil
	default:
		o.err = err
	}
	o.show()
	s.scroll.ScrollToTop()
	wz.update()
}

// fillFromAccount puts the signed-in address in an empty user name and
// From address, and saves the profile again if that changed it.
func (o *signInPanel) fillFromAccount(account string) {
	s := o.s
	wz := s.wz
	if account == "" || wz.isNew {
		return
	}
	changed := false
	wz.loading = true
	if strings.TrimSpace(wz.draft.Username) == "" {
		wz.draft.Username = account
		s.username.set(account)
		changed = true
	}
	if strings.TrimSpace(wz.draft.From) == "" {
		wz.draft.From = account
		s.from.set(account)
		changed = true
	}
	wz.loading = false
	if changed {
		wz.dirty = true
		s.onSave(nil)
	}
}

// onCancel stops a sign-in that waits for the browser.
func (o *signInPanel) onCancel() {
	if !o.running || o.cancel == nil {
		return
	}
	o.canceling = true
	o.cancel()
	o.show()
}

// stop cancels a running sign-in (the wizard is closing).
func (o *signInPanel) stop() {
	if o.cancel != nil {
		o.cancel()
	}
}

// onOpenAgain opens the sign-in page once more.
func (o *signInPanel) onOpenAgain() {
	if o.url == "" {
		return
	}
	m := o.s.wz.m
	addr := o.url
	if m.oauth.Browser != nil {
		go func() { _ = m.oauth.Browser(addr) }()
		return
	}
	if u, err := url.Parse(addr); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		if err := m.app.OpenURL(u); err != nil {
			m.showError(i18n.L("The browser could not be opened"), err)
		}
	}
}

// onSignOut asks, then removes the profile's tokens.
func (o *signInPanel) onSignOut() {
	if !o.idle() {
		return
	}
	wz := o.s.wz
	name := wz.origName
	_, provider, _ := o.s.signInProvider()
	o.confirm = wz.m.confirmAction(i18n.L("Sign out?"),
		i18n.L("This profile can no longer send mail until you sign in with {{.Provider}} again.", map[string]any{"Provider": provider}),
		i18n.L("Sign out"), false, func() { o.signOut(name) })
}

// signOut removes the tokens of profile name in the background.
func (o *signInPanel) signOut(name string) {
	wz := o.s.wz
	m := wz.m
	go func() {
		err := m.oauth.SignOut(name)
		m.ui(func() {
			if err != nil {
				m.showError(i18n.L("Signing out failed"), err)
				return
			}
			if wz.origName == name {
				o.checkedFor, o.status, o.err = name, oauth.Status{}, nil
			}
			o.show()
			wz.update()
		})
	}()
}
