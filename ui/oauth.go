//go:build !nogui

package ui

import (
	"errors"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// signInPanel is the Account step's "Sign in with Google/Microsoft": the
// choice between signing in and a password (where the preset offers both),
// and, for xoauth2, the sign-in button, the wait with its spinner and
// Cancel, the signed-in account with Sign out, and what went wrong.
//
// Its state lives here from the start (the step's validity needs it before
// the page is built); the widgets are made by view.
type signInPanel struct {
	s *accountStep

	// methods are the options of method, in order (xoauth2 first).
	methods   []smtp.AuthMethod
	method    *widget.RadioGroup
	methodBox *fyne.Container

	box        *fyne.Container   // shown for xoauth2, instead of the password
	pwBox      fyne.CanvasObject // the password field, hidden for xoauth2
	button     *widget.Button    // "Sign in with Google"
	waiting    *fyne.Container
	activity   *widget.Activity
	waitText   *widget.Label
	cancelBtn  *widget.Button
	urlBox     *fyne.Container
	urlNote    *widget.Label
	urlText    *widget.Label // the sign-in address, selectable
	openAgain  *widget.Button
	signedIn   *notice
	signOutBtn *widget.Button
	problem    *notice
	console    *widget.Hyperlink
	setupBtn   *widget.Button    // "Enter client ID…": the Settings' sign-in apps
	usePwBtn   *widget.Button    // "Use an app password": the working alternative
	admin      *widget.Accordion // "For administrators": how to register a client ID
	adminText  *widget.Label
	confirm    *dialog.ConfirmDialog // the sign-out question (tests)

	// checkedFor is the profile whose status is known ("" = none yet);
	// checking is set while it is being looked up.
	checkedFor string
	checking   bool
	// again: the client IDs changed while checking; check once more.
	again  bool
	status oauth.Status
	// bgRun is the sign-in that waits for the browser, if any.
	bgRun
	canceling  bool
	url        string
	browserErr error
	// err is the last sign-in's failure (or a missing client ID), shown
	// with its hint.
	err error
}

func newSignInPanel(s *accountStep) *signInPanel {
	return &signInPanel{s: s}
}

// usesSignIn reports whether the profile signs in with OAuth2 (so the
// password field gives way to the sign-in button).
func (s *accountStep) usesSignIn() bool {
	return s.wz.draft.Auth == smtp.AuthXOAUTH2
}

// signInProvider is the provider the draft signs in with.
func (s *accountStep) signInProvider() (oauth.ProviderID, string, bool) {
	id, ok := oauth.ProviderFor(s.wz.draft)
	if !ok {
		return "", "", false
	}
	info, _ := oauth.Info(id)
	return id, info.Name, true
}

// signedIn reports whether the saved profile is known to be signed in.
func (s *accountStep) signedIn() bool {
	o := s.oauth
	wz := s.wz
	return !wz.isNew && o.checkedFor == wz.origName && o.status.SignedIn
}

// needsSignIn: the profile signs in with OAuth2 and is not signed in yet,
// which is all that keeps Save and continue from working.
func (s *accountStep) needsSignIn() bool {
	return s.usesSignIn() && !s.signedIn()
}

// signInFirst says why Save and continue waits.
func (s *accountStep) signInFirst() string {
	_, name, ok := s.signInProvider()
	if !ok {
		return (&oauth.Error{Kind: oauth.ErrNoProvider}).Hint()
	}
	if s.oauth.running {
		return i18n.L("Waiting for you to finish signing in in your browser…")
	}
	if o := s.oauth; o.err != nil && errors.Is(o.err, oauth.ErrNoClientID) {
		// The button is disabled: asking to press it would contradict it.
		return o.noClientIDText(name)
	}
	return i18n.L("Sign in first: press “Sign in with {{.Provider}}” above.", map[string]any{"Provider": name})
}

// signInLabel is the button text, "Sign in with Google".
func signInLabel(name string) string {
	return i18n.L("Sign in with {{.Provider}}", map[string]any{"Provider": name})
}

// authChoices are the sign-in methods to offer for the draft, preferred
// first: the preset's when its provider signs in with OAuth2, else signing
// in or the password. Nil when there is no choice to make.
func (s *accountStep) authChoices() []smtp.AuthMethod {
	wz := s.wz
	if wz.draft.Auth == smtp.AuthNone {
		return nil
	}
	if _, _, ok := s.signInProvider(); !ok {
		return nil
	}
	choices := wz.preset().AuthChoices
	if !slices.Contains(choices, smtp.AuthXOAUTH2) {
		choices = []smtp.AuthMethod{smtp.AuthXOAUTH2, smtp.AuthAuto}
	}
	return choices
}

// passwordChoice names the password alternative: "App password" or
// "Password".
func passwordChoice(pr smtp.Preset) string {
	if pr.Credential == smtp.CredAppPassword {
		return i18n.L("App password")
	}
	return i18n.L("Password")
}

// view makes the widgets: the method choice (methodBox) and the sign-in
// box, which the Account step places around the user name.
func (o *signInPanel) view() {
	o.method = widget.NewRadioGroup(nil, o.onMethod)
	o.method.Horizontal = true
	o.method.Required = true
	o.methodBox = container.NewVBox(
		widget.NewLabelWithStyle(i18n.L("Sign-in method"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		o.method)
	o.methodBox.Hide()

	o.button = widget.NewButtonWithIcon("", theme.LoginIcon(), o.onSignIn)
	o.button.Importance = widget.HighImportance

	o.activity = widget.NewActivity()
	o.waitText = wrapped(i18n.L("Waiting for you to finish signing in in your browser…"))
	o.cancelBtn = widget.NewButtonWithIcon(i18n.L("Cancel"), theme.CancelIcon(), o.onCancel)
	o.waiting = container.NewBorder(nil, nil, o.activity, o.cancelBtn, o.waitText)
	o.waiting.Hide()

	o.urlNote = wrapped("")
	o.urlText = widget.NewLabel("")
	o.urlText.Selectable = true
	o.urlText.Wrapping = fyne.TextWrapBreak
	o.openAgain = widget.NewButtonWithIcon(i18n.L("Open again"), theme.ComputerIcon(), o.onOpenAgain)
	o.urlBox = container.NewVBox(o.urlNote, container.NewBorder(nil, nil, nil, o.openAgain, o.urlText))
	o.urlBox.Hide()

	o.signedIn = newNotice(theme.ConfirmIcon(), "", widget.SuccessImportance)
	o.signOutBtn = widget.NewButtonWithIcon(i18n.L("Sign out"), theme.LogoutIcon(), o.onSignOut)
	o.signedIn.extra.Add(container.NewHBox(o.signOutBtn))
	o.signedIn.box.Hide()

	o.problem = newNotice(theme.ErrorIcon(), "", widget.DangerImportance)
	o.console = widget.NewHyperlink("", nil)
	o.console.Hide()
	o.setupBtn = widget.NewButtonWithIcon(i18n.L("Enter client ID…"), theme.SettingsIcon(), o.onSetup)
	o.setupBtn.Hide()
	o.usePwBtn = widget.NewButtonWithIcon("", theme.AccountIcon(), o.onUsePassword)
	o.usePwBtn.Hide()
	// Registering a client ID is a developer's or an administrator's task:
	// its steps are kept out of the way of the person setting up mail.
	o.adminText = wrapped("")
	o.admin = widget.NewAccordion(widget.NewAccordionItem(i18n.L("For administrators"),
		container.NewVBox(o.adminText, container.NewHBox(o.setupBtn, o.console))))
	o.admin.Hide()
	o.problem.extra.Add(container.NewHBox(o.usePwBtn))
	o.problem.extra.Add(o.admin)
	o.problem.box.Hide()

	o.box = container.NewVBox(container.NewHBox(o.button), o.waiting, o.urlBox, o.signedIn.box, o.problem.box)
	o.box.Hide()
}

// enter shows the method and the sign-in state for the draft, and looks
// the sign-in status up (in the background) when it is not known.
func (o *signInPanel) enter() {
	s := o.s
	pr := s.wz.preset()
	o.methods = s.authChoices()
	if len(o.methods) > 1 {
		_, name, _ := s.signInProvider()
		o.method.Options = []string{signInLabel(name), passwordChoice(pr)}
		if s.usesSignIn() {
			o.method.Selected = o.method.Options[0]
		} else {
			o.method.Selected = o.method.Options[1]
		}
		o.method.Refresh()
		o.methodBox.Show()
	} else {
		o.methodBox.Hide()
	}
	o.check()
	o.show()
}

// onMethod switches between signing in and the password.
func (o *signInPanel) onMethod(label string) {
	s := o.s
	wz := s.wz
	if wz.loading || len(o.methods) < 2 || len(o.method.Options) < 2 {
		return
	}
	want := smtp.AuthXOAUTH2
	if label == o.method.Options[1] {
		if !s.usesSignIn() {
			return
		}
		want = smtp.AuthAuto
		for _, a := range o.methods {
			if a != smtp.AuthXOAUTH2 {
				want = a
				break
			}
		}
	} else if s.usesSignIn() {
		return
	}
	wz.draft.Auth = want
	wz.server.byHand.auth = true
	o.check()
	o.show()
	s.showNote(wz.preset())
	// A saved profile switched to a password it has not stored: mark the
	// field at once, it is what keeps the step from being done.
	s.password.touched = s.password.touched || s.passwordMissing()
	s.password.refresh()
	s.status.box.Hide()
	wz.changed()
}

// check looks up, off the UI thread, whether the saved profile is signed
// in, and whether a client ID is configured for its provider.
func (o *signInPanel) check() {
	s := o.s
	wz := s.wz
	if !s.usesSignIn() || o.running || o.checking {
		return
	}
	id, _, ok := s.signInProvider()
	if !ok {
		o.err = &oauth.Error{Kind: oauth.ErrNoProvider}
		return
	}
	name := ""
	if !wz.isNew && o.checkedFor != wz.origName {
		name = wz.origName
	}
	o.checking = true
	m := wz.m
	go func() {
		_, cfgErr := m.oauth.Config(id)
		var st oauth.Status
		var err error
		if name != "" {
			st, err = m.oauth.Status(name)
		}
		m.ui(func() {
			o.checking = false
			if o.again {
				o.again = false
				o.check()
				o.show()
				wz.update()
				return
			}
			if o.running {
				return
			}
			switch {
			case err != nil:
				o.err = err
			case cfgErr != nil && !(name != "" && st.SignedIn):
				o.err = cfgErr
			case o.err != nil && (errors.Is(o.err, oauth.ErrNoClientID) || errors.Is(o.err, oauth.ErrSettings) || errors.Is(o.err, oauth.ErrNoProvider)):
				o.err = nil // configured meanwhile
			}
			if name != "" && err == nil && wz.origName == name {
				o.checkedFor, o.status = name, st
			}
			o.show()
			wz.update()
		})
	}()
}

// show puts the state in the widgets; nothing before the page is built.
func (o *signInPanel) show() {
	s := o.s
	if o.box == nil {
		return
	}
	if !s.usesSignIn() || s.wz.draft.Auth == smtp.AuthNone {
		o.box.Hide()
		o.pwBox.Show()
		return
	}
	o.pwBox.Hide()
	o.box.Show()
	id, name, ok := s.signInProvider()
	o.button.SetText(signInLabel(name))
	signedIn := s.signedIn()
	if !ok || o.running || signedIn {
		o.button.Hide()
	} else {
		o.button.Show()
	}
	// Without a client ID the button cannot work: it is disabled, and the
	// notice under it says why and what works instead.
	noClientID := o.err != nil && errors.Is(o.err, oauth.ErrNoClientID) && !o.running && !signedIn
	if noClientID {
		o.button.Disable()
	} else {
		o.button.Enable()
	}

	if o.running {
		o.activity.Start()
		o.waiting.Show()
		if o.canceling {
			o.cancelBtn.Disable()
		} else {
			o.cancelBtn.Enable()
		}
	} else {
		o.activity.Stop()
		o.waiting.Hide()
	}
	if o.running && o.url != "" {
		if o.browserErr != nil {
			o.urlNote.SetText(i18n.L("The browser could not be opened. Open this address in your browser to sign in:"))
		} else {
			o.urlNote.SetText(i18n.L("If no browser window opened, open this address to sign in:"))
		}
		o.urlText.SetText(o.url)
		o.urlBox.Show()
	} else {
		o.urlBox.Hide()
	}

	if signedIn && !o.running {
		msg := i18n.L("Signed in with {{.Provider}}", map[string]any{"Provider": name})
		if o.status.Account != "" {
			msg = i18n.L("Signed in as {{.Account}}", map[string]any{"Account": o.status.Account})
		}
		o.signedIn.set(theme.ConfirmIcon(), msg, widget.SuccessImportance)
		o.signedIn.box.Show()
	} else {
		o.signedIn.box.Hide()
	}

	if o.err != nil && !o.running && !signedIn {
		clientIDProblem := errors.Is(o.err, oauth.ErrNoClientID) || errors.Is(o.err, oauth.ErrClientRejected)
		if noClientID {
			o.problem.set(theme.InfoIcon(), o.noClientIDText(name), widget.MediumImportance)
		} else {
			o.problem.set(theme.ErrorIcon(), signInHint(o.err), widget.DangerImportance)
		}
		if noClientID && len(o.methods) > 1 {
			o.usePwBtn.SetText(usePasswordLabel(s.wz.preset()))
			o.usePwBtn.Show()
		} else {
			o.usePwBtn.Hide()
		}
		if noClientID {
			o.adminText.SetText(signInHint(o.err))
			o.adminText.Show()
		} else {
			o.adminText.Hide()
		}
		if clientIDProblem {
			o.admin.Show()
		} else {
			o.admin.Hide()
		}
		if u := consoleURL(id); u != nil && clientIDProblem {
			o.console.SetText(u.Host)
			o.console.SetURL(u)
			o.console.Show()
		} else {
			o.console.Hide()
		}
		if ok && clientIDProblem {
			o.setupBtn.Show()
		} else {
			o.setupBtn.Hide()
		}
		o.problem.box.Show()
	} else {
		o.problem.box.Hide()
	}
}

// noClientIDText is the one sentence a person sees when this copy cannot
// sign in with the provider: that, and what works instead.
func (o *signInPanel) noClientIDText(provider string) string {
	data := map[string]any{"Provider": provider}
	switch {
	case len(o.methods) < 2:
		return i18n.L("Signing in with {{.Provider}} is not set up in this copy of SMTP Configurator, and there is no other way to sign in to {{.Provider}}. Ask whoever installed it to set signing in up.", data)
	case o.s.wz.preset().Credential == smtp.CredAppPassword:
		return i18n.L("Signing in with {{.Provider}} is not set up in this copy of SMTP Configurator. Use an app password instead.", data)
	}
	return i18n.L("Signing in with {{.Provider}} is not set up in this copy of SMTP Configurator. Use your password instead.", data)
}

// usePasswordLabel is the button that switches to the password method.
func usePasswordLabel(pr smtp.Preset) string {
	if pr.Credential == smtp.CredAppPassword {
		return i18n.L("Use an app password")
	}
	return i18n.L("Use a password")
}

// onUsePassword switches the method to the password (the working
// alternative when signing in is not set up).
func (o *signInPanel) onUsePassword() {
	if len(o.method.Options) > 1 {
		o.method.SetSelected(o.method.Options[1])
	}
}

// onSetup opens the Settings where the client ID is entered.
func (o *signInPanel) onSetup() {
	if id, _, ok := o.s.signInProvider(); ok {
		o.s.wz.m.openSignInApps(id)
	}
}

// recheck looks at the client ID again after the Settings changed it, so
// that "Sign in with …" works without reopening the profile.
func (o *signInPanel) recheck() {
	if o.err != nil && (errors.Is(o.err, oauth.ErrNoClientID) || errors.Is(o.err, oauth.ErrClientRejected) ||
		errors.Is(o.err, oauth.ErrSettings)) {
		o.err = nil
	}
	if o.checking {
		o.again = true
		return
	}
	o.check()
	o.show()
	o.s.wz.update()
}

// signInNote is the provider note's lead while signing in: what happens,
// instead of the preset's words about passwords.
func (s *accountStep) signInNote() string {
	_, name, ok := s.signInProvider()
	if !ok {
		return ""
	}
	return i18n.L("Sign in with your {{.Provider}} account in your browser; SMTP Configurator never sees your password and keeps only the sign-in token, in your system keyring.", map[string]any{"Provider": name})
}
