//go:build !nogui

package ui

import (
	"crypto/rand"
	"errors"
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// accountStep is the third page: profile name, user name, password, sender,
// the provider's note with its help link, and Save.
type accountStep struct {
	wz *wizard

	name     *field
	username *field
	password *field
	from     *field
	fromName *field

	signIn    *fyne.Container // user name and password, hidden without sign-in
	noSignIn  *notice
	noteLead  *widget.RichText
	noteText  *widget.Label
	noteCard  *widget.Card
	saveBtn   *widget.Button
	activity  *widget.Activity
	status    *notice
	keyring   *notice // why the keyring failed, with the session-only choice
	krHint    *widget.Label
	scroll    *container.Scroll
	session   *widget.Button
	retry     *widget.Button
	generated bool // the password field holds a made-up password (local inbox)

	// usernameAuto and fromAuto are set while those fields hold values filled
	// in from the address, so a new address may replace them.
	usernameAuto bool
	fromAuto     bool
	// nameEdited is set once the person typed a profile name, which a
	// suggestion must not replace.
	nameEdited bool
	busy       bool
	// afterSave runs once the password is stored (or kept for the session).
	afterSave func()
	// oauth is "Sign in with Google/Microsoft" (xoauth2), in oauth.go.
	oauth *signInPanel
}

func newAccountStep(wz *wizard) *accountStep {
	s := &accountStep{wz: wz}
	s.oauth = newSignInPanel(s)
	p := wz.draft
	s.usernameAuto = p.Username == "" || strings.EqualFold(p.Username, wz.address)
	s.fromAuto = p.From == "" || strings.EqualFold(p.From, wz.address)
	return s
}

// heading is the step's title and the sentence under it.
func (s *accountStep) heading() (title, intro string) {
	return i18n.L("Account"),
		i18n.L("Sign-in details and the sender shown on your messages. Passwords and sign-in tokens are kept in your system keyring, never in a file.")
}

// passwordLabel names what goes in the password field for a preset.
func passwordLabel(pr smtp.Preset) string {
	switch pr.Credential {
	case smtp.CredAppPassword:
		return i18n.L("App password")
	case smtp.CredAuthCode:
		return i18n.L("Authorisation code (授权码)")
	case smtp.CredAPIKey:
		return i18n.L("API key or SMTP key")
	case smtp.CredOAuth2:
		return i18n.L("OAuth2 access token")
	}
	return i18n.L("Password")
}

// credentialLead is the first sentence of the provider note and the text of
// its link, e.g. "Gmail needs an app password:" and "create one".
func credentialLead(pr smtp.Preset) (lead, link string) {
	data := map[string]any{"Provider": shortName(pr)}
	switch pr.Credential {
	case smtp.CredAppPassword:
		return i18n.L("{{.Provider}} needs an app password:", data), i18n.L("create one")
	case smtp.CredAuthCode:
		return i18n.L("{{.Provider}} needs an authorisation code (授权码):", data), i18n.L("get one")
	case smtp.CredAPIKey:
		return i18n.L("{{.Provider}} signs in with a key, not your account password:", data), i18n.L("create one")
	case smtp.CredOAuth2:
		return i18n.L("{{.Provider}} accepts only OAuth2 sign-in:", data), i18n.L("read how")
	}
	if pr.ID == "local" {
		return "", ""
	}
	return i18n.L("{{.Provider}}'s settings for mail apps:", data), i18n.L("open the help page")
}

// shortName is a preset's name without its alternatives ("Gmail / Google
// Workspace" → "Gmail", "QQ Mail (QQ邮箱)" → "QQ Mail"; in Chinese "QQ邮箱").
func shortName(pr smtp.Preset) string {
	n := presetName(pr)
	for _, sep := range []string{" / ", " (", "（"} {
		if i := strings.Index(n, sep); i > 0 {
			n = n[:i]
		}
	}
	return n
}

func (s *accountStep) view() fyne.CanvasObject {
	wz := s.wz
	nameEntry := widget.NewEntry()
	s.name = newField(i18n.L("Profile name"), nameEntry, i18n.L("A short name for these settings, such as “work”. The command line uses it too."), s.validateName)
	wz.edits(s.name, s.edited, func(t string) {
		s.nameEdited = true
		wz.draft.Name = t
	})

	userEntry := widget.NewEntry()
	s.username = newField(i18n.L("User name"), userEntry, i18n.L("Usually your full email address."),
		required(i18n.L("Enter the user name, usually your email address."),
			wz.draftCheck("username", func(p *smtp.Profile, t string) { p.Username = t })))
	wz.edits(s.username, s.edited, func(t string) {
		s.usernameAuto = false
		wz.draft.Username = strings.TrimSpace(t)
	})

	pwEntry := widget.NewPasswordEntry()
	s.password = newField(i18n.L("Password"), pwEntry, "", s.validatePassword)
	wz.edits(s.password, s.edited, func(t string) {
		s.generated = false
		wz.password = t
		s.keyring.box.Hide()
	})

	fromEntry := widget.NewEntry()
	fromEntry.SetPlaceHolder("ann@example.com")
	s.from = newField(i18n.L("From address"), fromEntry, i18n.L("The sender address on your messages."),
		required(i18n.L("Enter the sender address, usually your email address."), smtp.ValidateAddress))
	wz.edits(s.from, s.edited, func(t string) {
		s.fromAuto = false
		wz.draft.From = strings.TrimSpace(t)
	})

	fnEntry := widget.NewEntry()
	fnEntry.SetPlaceHolder(i18n.L("Ann Example"))
	s.fromName = newField(i18n.L("Display name"), fnEntry, i18n.L("Optional: the name shown next to your address."),
		wz.draftCheck("from_name", func(p *smtp.Profile, t string) { p.FromName = t }))
	s.fromName.optional = true
	wz.edits(s.fromName, s.edited, func(t string) { wz.draft.FromName = t })

	s.noteLead = widget.NewRichText()
	s.noteLead.Wrapping = fyne.TextWrapWord
	s.noteText = wrapped("")
	s.noteCard = widget.NewCard("", "", container.NewBorder(nil, nil,
		container.NewVBox(widget.NewIcon(theme.InfoIcon())), nil, container.NewVBox(s.noteLead, s.noteText)))

	s.noSignIn = newNotice(theme.InfoIcon(), i18n.L("This profile does not sign in: the sign-in method on the Server step is None."), widget.MediumImportance)
	s.oauth.view()
	s.oauth.pwBox = s.password.object()
	s.signIn = container.NewVBox(s.oauth.methodBox,
		container.NewGridWithColumns(2, s.username.object(), s.oauth.pwBox), s.oauth.box)

	s.saveBtn = widget.NewButtonWithIcon(i18n.L("Save"), theme.DocumentSaveIcon(), func() { s.onSave(nil) })
	// One save action: the wizard's "Save and continue". The button stays
	// for its busy state only, hidden.
	s.saveBtn.Hide()
	s.activity = widget.NewActivity()
	s.activity.Hide()
	s.status = newNotice(theme.ConfirmIcon(), "", widget.SuccessImportance)
	s.status.box.Hide()

	s.session = widget.NewButtonWithIcon(i18n.L("Use for this session only"), theme.AccountIcon(), s.onSessionOnly)
	s.session.Importance = widget.HighImportance
	s.retry = widget.NewButtonWithIcon(i18n.L("Try again"), theme.ViewRefreshIcon(), func() { s.onSave(s.afterSave) })
	s.keyring = newNotice(theme.ErrorIcon(), i18n.L("The profile is saved, but the password could not be stored in the keyring."), widget.DangerImportance)
	s.keyring.text.TextStyle = fyne.TextStyle{Bold: true}
	s.krHint = wrapped("")
	s.keyring.extra.Add(s.krHint)
	s.keyring.extra.Add(container.NewHBox(s.session, s.retry))
	s.keyring.box.Hide()

	// The outcome of Save goes first, where it is seen without scrolling.
	form := container.NewVBox(
		s.status.box,
		s.keyring.box,
		s.noteCard,
		s.name.object(),
		s.noSignIn.box,
		s.signIn,
		container.NewGridWithColumns(2, s.from.object(), s.fromName.object()),
		container.NewHBox(s.saveBtn, s.activity),
	)
	s.scroll = container.NewVScroll(container.NewPadded(form))
	return s.scroll
}

// enter fills in what can be derived from the address and the preset.
func (s *accountStep) enter() {
	wz := s.wz
	pr := wz.preset()
	if wz.isNew && (wz.draft.Name == "" || !s.nameEdited) {
		wz.draft.Name = wz.m.uniqueProfileName(suggestName(pr, wz.address))
	}
	before := wz.draft
	if s.usernameAuto && wz.draft.Auth != smtp.AuthNone {
		if pr.Username != "" {
			wz.draft.Username = pr.Username
		} else if u := wz.provider.detectedUsername(); u != "" {
			wz.draft.Username = u
		} else {
			wz.draft.Username = wz.address
		}
	}
	if s.fromAuto {
		wz.draft.From = wz.address
	}
	if !wz.isNew && before != wz.draft {
		// A saved profile changed by filling in: it needs saving again
		// before a test may use it.
		wz.dirty = true
	}
	if pr.ID == "local" && wz.isNew && wz.password == "" && wz.draft.Auth != smtp.AuthNone {
		// The test inbox checks the password against what is saved here, so
		// any password works; fill one in so a first try needs no typing.
		wz.password = randomPassword()
		s.generated = true
	}

	s.name.set(wz.draft.Name)
	if wz.isNew {
		s.name.entry.Enable()
		s.name.hint = i18n.L("A short name for these settings, such as “work”. The command line uses it too.")
	} else {
		s.name.entry.Disable()
		s.name.hint = i18n.L("To rename this profile, use Rename in the profile list.")
	}
	s.name.refresh()
	s.username.set(wz.draft.Username)
	s.password.label.SetText(passwordLabel(pr))
	s.password.set(wz.password)
	s.from.set(wz.draft.From)
	s.fromName.set(wz.draft.FromName)
	s.secretKnown()

	if wz.draft.Auth == smtp.AuthNone {
		s.signIn.Hide()
		s.noSignIn.box.Show()
	} else {
		s.signIn.Show()
		s.noSignIn.box.Hide()
	}
	s.oauth.enter()
	s.showNote(pr)
	if wz.password == "" && wz.isNew && wz.draft.Auth != smtp.AuthNone && !s.usesSignIn() {
		wz.focus(s.password.entry)
	}
}

// suggestName proposes a profile name: the address, or the preset's name
// (in the window's language) for the local test inbox.
func suggestName(pr smtp.Preset, address string) string {
	if pr.ID == "local" || address == "" {
		return presetName(pr)
	}
	return address
}

// randomPassword makes a password for the local test inbox.
func randomPassword() string {
	const letters = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

// showNote puts the preset's note and help link at the top of the page.
func (s *accountStep) showNote(pr smtp.Preset) {
	lead, link := credentialLead(pr)
	signIn := s.usesSignIn() && pr.Credential != smtp.CredOAuth2
	switch {
	case signIn:
		lead, link = s.signInNote(), ""
	case pr.ID == "custom":
		// Custom server's note is advice for the Server step.
		lead, link = "", ""
	case pr.Credential == smtp.CredAppPassword && len(s.authChoices()) > 1:
		// Signing in is offered too, so an app password is not what the
		// provider "needs": it is the method chosen.
		lead = i18n.L("To use an app password with {{.Provider}}:", map[string]any{"Provider": shortName(pr)})
	}
	segs := []widget.RichTextSegment{&widget.TextSegment{Style: widget.RichTextStyleInline, Text: lead}}
	if u, err := url.Parse(pr.HelpURL); err == nil && pr.HelpURL != "" && link != "" {
		segs = append(segs,
			&widget.TextSegment{Style: widget.RichTextStyleInline, Text: " "},
			&widget.HyperlinkSegment{Text: link, URL: u})
	}
	s.noteLead.Segments = segs
	s.noteLead.Refresh()
	if lead == "" {
		s.noteLead.Hide()
	} else {
		s.noteLead.Show()
	}
	note := presetNotes(pr)
	if signIn || pr.ID == "custom" {
		note = ""
	}
	if pr.ID == "local" {
		note += " " + i18n.L("It accepts the user name and password you save here.")
	}
	if s.generated {
		note += " " + i18n.L("A random password has been filled in for you.")
	}
	s.noteText.SetText(note)
	if note == "" {
		s.noteText.Hide()
	} else {
		s.noteText.Show()
	}
	if lead == "" && note == "" {
		s.noteCard.Hide()
	} else {
		s.noteCard.Show()
	}
}

// secretKnown updates the password hint once the keyring has answered.
func (s *accountStep) secretKnown() {
	if s.password == nil {
		return
	}
	wz := s.wz
	switch {
	case s.generated:
		s.password.hint = i18n.L("Made up for the local test inbox; you may change it.")
		s.password.entry.SetPlaceHolder("")
	case !wz.isNew && wz.secretStored:
		s.password.hint = i18n.L("A password is saved in the keyring. Leave this empty to keep it.")
		s.password.entry.SetPlaceHolder(i18n.L("(saved)"))
	case !wz.isNew && wz.secretChecked:
		s.password.hint = i18n.L("No password is saved for this profile yet.")
		s.password.entry.SetPlaceHolder("")
		// Mark the field at once: it is what keeps the step from being done.
		s.password.touched = s.password.touched || s.passwordMissing()
	default:
		s.password.hint = i18n.L("Kept in your system keyring, never in a file.")
		s.password.entry.SetPlaceHolder("")
	}
	s.password.refresh()
}

func (s *accountStep) validateName(t string) error {
	if err := smtp.ValidateName(t); err != nil {
		return err
	}
	if s.wz.isNew && s.wz.m.profileNameTaken(t, "") {
		return errors.New(i18n.L("Another profile already has this name; choose another."))
	}
	return nil
}

// validatePassword: required for a new profile that signs in; when given,
// it must be storable.
func (s *accountStep) validatePassword(t string) error {
	wz := s.wz
	if t == "" {
		if wz.draft.Auth == smtp.AuthNone || s.usesSignIn() {
			return nil
		}
		if wz.isNew {
			return errors.New(i18n.L("Enter the password."))
		}
		if s.passwordMissing() {
			return errors.New(i18n.L("No password is saved for this profile yet; enter it."))
		}
		return nil
	}
	if err := smtp.ValidateSecret(t); err != nil {
		if errors.Is(err, smtp.ErrSecretTooLarge) {
			return errors.New(i18n.L("This is too long for a password (at most 8192 bytes); check that you pasted only the password."))
		}
		return errors.New(i18n.L("A password cannot contain line breaks; check that you pasted only the password."))
	}
	return nil
}

// passwordMissing reports whether the keyring answered that a saved profile
// has no password: sending would fail at once, so the step is not done.
func (s *accountStep) passwordMissing() bool {
	wz := s.wz
	return !wz.isNew && wz.secretChecked && !wz.secretStored && wz.password == ""
}

// valid checks the draft, so it works before the page is first shown. A
// profile that signs in with OAuth2 must be signed in.
func (s *accountStep) valid() bool {
	return s.fieldsValid() && !s.needsSignIn()
}

// fieldsValid checks the fields, which is enough to save.
func (s *accountStep) fieldsValid() bool {
	wz := s.wz
	p := wz.draft
	if s.validateName(p.Name) != nil {
		return false
	}
	if p.Auth != smtp.AuthNone {
		if strings.TrimSpace(p.Username) == "" || fieldError(p, "username") != nil {
			return false
		}
		if s.validatePassword(wz.password) != nil {
			return false
		}
	}
	if p.From == "" || smtp.ValidateAddress(p.From) != nil || fieldError(p, "from_name") != nil {
		return false
	}
	return p.Validate() == nil
}

func (s *accountStep) edited(f *field) {
	f.refresh()
	s.status.box.Hide()
	s.wz.changed()
}

// onSave stores the profile in the profiles file and the password in the
// keyring (in the background: the keyring may ask to be unlocked). then, if
// not nil, runs once both are done.
func (s *accountStep) onSave(then func()) {
	wz := s.wz
	if s.busy || !s.fieldsValid() {
		return
	}
	p := wz.draft
	if wz.isNew && wz.m.profileNameTaken(p.Name, "") {
		s.name.touched = true
		s.name.refresh()
		return
	}
	if err := wz.m.store.Save(p); err != nil {
		wz.m.showError(i18n.L("The profile could not be saved"), err)
		return
	}
	if wz.isNew {
		// Nothing is in the keyring under the new name yet: a password
		// method chosen later must be given one (passwordMissing).
		wz.secretChecked, wz.secretStored = true, false
	}
	wz.isNew, wz.origName, wz.dirty = false, p.Name, false
	wz.m.profileSaved(p)
	s.name.entry.Disable()
	s.name.hint = i18n.L("To rename this profile, use Rename in the profile list.")
	s.name.refresh()

	secret := wz.password
	if secret == "" || p.Auth == smtp.AuthNone || s.usesSignIn() {
		s.done(i18n.L("Saved."), then)
		return
	}
	s.afterSave = then
	s.setBusy(true)
	go func() {
		err := wz.m.secrets.Set(p.Name, secret)
		wz.m.ui(func() {
			s.setBusy(false)
			if err == nil {
				wz.password, wz.secretStored, wz.secretChecked = "", true, true
				s.generated = false
				s.clearPassword()
				s.done(i18n.L("Saved. The password is stored in your keyring."), then)
				return
			}
			var ke *smtp.KeyringError
			if errors.As(err, &ke) {
				s.showKeyringProblem(ke)
				return
			}
			wz.m.showError(i18n.L("The password could not be saved"), err)
		})
	}()
}

// clearPassword empties the password field after the password was stored.
func (s *accountStep) clearPassword() {
	s.wz.loading = true
	s.password.set("")
	s.wz.loading = false
	s.secretKnown()
}

// done reports a finished save and runs then.
func (s *accountStep) done(msg string, then func()) {
	s.keyring.box.Hide()
	s.status.set(theme.ConfirmIcon(), msg, widget.SuccessImportance)
	s.status.box.Show()
	s.scroll.ScrollToTop()
	s.wz.update()
	if then != nil {
		then()
	}
}

// showKeyringProblem says why the keyring could not store the password and
// offers to keep it in memory for this session instead.
func (s *accountStep) showKeyringProblem(ke *smtp.KeyringError) {
	s.status.box.Hide()
	s.krHint.SetText(ke.Hint())
	s.keyring.box.Show()
	s.scroll.ScrollToTop()
	s.wz.update()
}

// onSessionOnly keeps the password in memory until the app closes.
func (s *accountStep) onSessionOnly() {
	wz := s.wz
	if wz.password == "" || wz.isNew {
		return
	}
	if err := wz.m.session.Set(wz.origName, wz.password); err != nil {
		wz.m.showError(i18n.L("The password could not be kept"), err)
		return
	}
	wz.password, wz.secretStored, wz.secretChecked = "", true, true
	s.generated = false
	s.clearPassword()
	then := s.afterSave
	s.afterSave = nil
	s.done(i18n.L("The password will be used until you close SMTP Configurator; it is not stored anywhere."), then)
}

func (s *accountStep) setBusy(on bool) {
	s.busy = on
	if on {
		s.saveBtn.Disable()
		s.activity.Show()
		s.activity.Start()
	} else {
		s.saveBtn.Enable()
		s.activity.Stop()
		s.activity.Hide()
	}
	s.wz.update()
}
