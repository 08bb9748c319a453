//go:build !nogui

package ui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The Settings' "Sign-in apps (OAuth2)" section: per provider, the client
// ID registered with it (and Google's client secret, Microsoft's tenant),
// saved in oauth.json in the config directory. The environment overrides
// the file, and the file the build's defaults (oauth.ResolveConfig).

// openSignInApps opens the Settings at the "Sign-in apps (OAuth2)" section,
// with provider id's part open (the Account step's "Enter client ID…").
func (m *mainUI) openSignInApps(id oauth.ProviderID) {
	m.onSettings()
	sv := m.settings
	sv.apps.open(id)
	// Lay the content out now (the dialog may not have been drawn yet) so
	// that the section's place is known, and scroll it to the top.
	c := sv.scroll.Content
	width := max(sv.scroll.Size().Width, sv.scroll.MinSize().Width, c.Size().Width)
	c.Resize(fyne.NewSize(width, c.MinSize().Height))
	sv.scroll.ScrollToOffset(fyne.NewPos(0, sv.apps.box.Position().Y))
}

// oauthApps is the section: one form per provider, in an accordion.
type oauthApps struct {
	m         *mainUI
	dir       string              // where oauth.json is (the Manager's)
	getenv    func(string) string // the Manager's environment
	box       *fyne.Container
	accordion *widget.Accordion
	forms     []*oauthAppForm
	// state is shared with the section of a Settings dialog this one
	// replaces (a language switch, or the dialog opened again), so that a
	// write under way keeps every form's Save and Remove off.
	state *appsState
}

// appsState is the section's state that outlives a rebuilt dialog.
type appsState struct {
	busy bool // oauth.json is being written; UI thread only
}

// oauthAppForm is one provider's part.
type oauthAppForm struct {
	apps *oauthApps
	id   oauth.ProviderID
	name string // "Google"
	item *widget.AccordionItem

	clientID *appField
	secret   *appField // Google only
	tenant   *appField // Microsoft only

	msg     *notice
	save    *widget.Button
	remove  *widget.Button
	help    *widget.Accordion // "How to register…"
	confirm *dialog.ConfirmDialog

	// loaded is set once oauth.json was read (writes: oauthApps.state).
	loaded bool
	// file is the provider's part of oauth.json as last read.
	file oauth.ProviderSettings
	// focus: focus the client ID once loaded (opened from the Account step).
	focus bool
	// carry is what was typed before the dialog was rebuilt (language
	// switch), put back once loaded.
	carry map[*appField]string
}

// appField is one setting: its entry, the environment variable that wins
// over it, the build's default, and a note on where the value comes from.
type appField struct {
	env      string // e.g. SMTPCONF_GOOGLE_CLIENT_ID
	builtIn  string
	entry    *widget.Entry
	object   fyne.CanvasObject // what is placed (the entry, or its select)
	note     *widget.Label
	envValue string // set: the variable wins, the field is read-only
	edited   bool
}

// Client ID environment variables, as oauth.ResolveConfig reads them.
func envName(id oauth.ProviderID, setting string) string {
	return "SMTPCONF_" + strings.ToUpper(string(id)) + "_" + setting
}

func newAppField(env, builtIn string, entry *widget.Entry, object fyne.CanvasObject) *appField {
	f := &appField{env: env, builtIn: strings.TrimSpace(builtIn), entry: entry, object: object}
	f.note = wrapped("")
	f.note.SizeName = theme.SizeNameCaptionText
	f.note.Hide()
	return f
}

// editable reports whether the field is not set by the environment.
func (f *appField) editable() bool { return f != nil && f.envValue == "" }

// value is the trimmed text.
func (f *appField) value() string { return strings.TrimSpace(f.entry.Text) }

func newOAuthApps(m *mainUI, prev *settingsView, state *appsState) *oauthApps {
	if state == nil {
		state = &appsState{}
	}
	a := &oauthApps{m: m, dir: m.oauth.SettingsDir(), getenv: m.oauth.Getenv, state: state}
	if a.getenv == nil {
		a.getenv = os.Getenv
	}
	a.accordion = widget.NewAccordion()
	for _, id := range oauth.Providers {
		f := a.newForm(id)
		a.forms = append(a.forms, f)
		a.accordion.Append(f.item)
	}
	// Keep what was typed, and what was open, across a rebuild.
	if prev != nil && prev.apps != nil {
		for i, old := range prev.apps.forms {
			nf := a.forms[i]
			nf.carry = map[*appField]string{}
			for _, pair := range [][2]*appField{{old.clientID, nf.clientID}, {old.secret, nf.secret}, {old.tenant, nf.tenant}} {
				if pair[0] != nil && pair[0].edited {
					nf.carry[pair[1]] = pair[0].entry.Text
				}
			}
			if old.item.Open {
				a.accordion.Open(i)
			}
		}
	}
	intro := wrapped(i18n.L("Signing in with Google or Microsoft needs a client ID that you, or whoever made this copy, registered with the provider. It is kept in oauth.json in the configuration folder, never a password or a token."))
	intro.SizeName = theme.SizeNameCaptionText
	a.box = container.NewVBox(
		widget.NewLabelWithStyle(i18n.L("Sign-in apps (OAuth2)"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		intro,
		a.accordion,
	)
	return a
}

func (a *oauthApps) newForm(id oauth.ProviderID) *oauthAppForm {
	info, _ := oauth.Info(id)
	f := &oauthAppForm{apps: a, id: id, name: info.Name}
	rows := []fyne.CanvasObject{}
	addRow := func(label string, fld *appField, help string) {
		col := container.NewVBox(fld.object)
		if help != "" {
			h := wrapped(help)
			h.SizeName = theme.SizeNameCaptionText
			col.Add(h)
		}
		col.Add(fld.note)
		rows = append(rows, widget.NewLabel(label), col)
	}

	e := widget.NewEntry()
	switch id {
	case oauth.Google:
		e.SetPlaceHolder("123456789012-abc.apps.googleusercontent.com")
		f.clientID = newAppField(envName(id, "CLIENT_ID"), oauth.GoogleClientID, e, e)
	default:
		e.SetPlaceHolder("00000000-0000-0000-0000-000000000000")
		f.clientID = newAppField(envName(id, "CLIENT_ID"), oauth.MicrosoftClientID, e, e)
	}
	addRow(i18n.L("Client ID"), f.clientID, "")
	if id == oauth.Google {
		se := widget.NewPasswordEntry()
		f.secret = newAppField(envName(id, "CLIENT_SECRET"), oauth.GoogleClientSecret, se, se)
		addRow(i18n.L("Client secret"), f.secret, i18n.L("Google gives desktop apps a client secret too. It is not confidential, but it is hidden here like a password."))
	}
	if id == oauth.Microsoft {
		sel := widget.NewSelectEntry(oauth.TenantWords)
		sel.SetPlaceHolder(strings.TrimSpace(oauth.MicrosoftTenant))
		f.tenant = newAppField(envName(id, "TENANT"), "", &sel.Entry, sel)
		addRow(i18n.L("Tenant"), f.tenant, i18n.L("common: personal and work or school accounts; consumers: personal accounts only; organizations: work or school accounts only; or your organization's tenant ID or domain."))
	}
	for _, fld := range f.fields() {
		fld.entry.Disable()
		fld.entry.OnChanged = func(string) {
			if f.loaded && fld.editable() {
				fld.edited = true
			}
		}
	}
	f.clientID.entry.OnSubmitted = func(string) { f.onSave() }

	f.msg = newNotice(theme.InfoIcon(), "", widget.MediumImportance)
	f.msg.box.Hide()
	f.save = widget.NewButtonWithIcon(i18n.L("Save"), theme.DocumentSaveIcon(), f.onSave)
	f.save.Importance = widget.HighImportance
	f.remove = widget.NewButtonWithIcon(i18n.L("Remove"), theme.DeleteIcon(), f.onRemove)
	f.save.Disable()
	f.remove.Disable()

	helpText := wrapped(displayText(strings.Join(windowRegistrationHelp(id), "\n")))
	helpText.Selectable = true // the command can be copied
	helpBox := container.NewVBox(helpText)
	if u := consoleURL(id); u != nil {
		helpBox.Add(widget.NewHyperlink(u.Host, u))
	}
	f.help = widget.NewAccordion(widget.NewAccordionItem(i18n.L("How to register…"), helpBox))

	f.item = widget.NewAccordionItem(f.title(""), container.NewVBox(
		container.New(layout.NewFormLayout(), rows...),
		f.msg.box,
		container.NewHBox(f.save, f.remove),
		f.help,
	))
	return f
}

func (f *oauthAppForm) fields() []*appField {
	var out []*appField
	for _, fld := range []*appField{f.clientID, f.secret, f.tenant} {
		if fld != nil {
			out = append(out, fld)
		}
	}
	return out
}

// title is the provider's heading with where its client ID comes from.
func (f *oauthAppForm) title(source string) string {
	d := map[string]any{"Provider": f.name}
	switch source {
	case "env":
		return i18n.L("{{.Provider}}: set by an environment variable", d)
	case "file":
		return i18n.L("{{.Provider}}: set up", d)
	case "built-in":
		return i18n.L("{{.Provider}}: built in", d)
	case "none":
		return i18n.L("{{.Provider}}: not set up", d)
	}
	return f.name
}

// load reads oauth.json and the environment off the UI thread, then fills
// the forms.
func (a *oauthApps) load() {
	m := a.m
	go func() {
		s, err := oauth.LoadSettings(a.dir)
		env := map[string]string{}
		for _, f := range a.forms {
			for _, fld := range f.fields() {
				env[fld.env] = strings.TrimSpace(a.getenv(fld.env))
			}
		}
		m.ui(func() {
			for _, f := range a.forms {
				f.fill(s, err, env)
			}
		})
	}()
}

// fill shows what was read: each field's value, where it comes from, and
// whether it can be changed here.
func (f *oauthAppForm) fill(s oauth.Settings, err error, env map[string]string) {
	if err != nil {
		f.setMsg(theme.ErrorIcon(), i18n.L("The sign-in settings could not be read:")+"\n"+f.problem(err), widget.DangerImportance)
	} else {
		f.file = *s.For(f.id)
	}
	fileVal := map[*appField]string{f.clientID: f.file.ClientID}
	if f.secret != nil {
		fileVal[f.secret] = f.file.ClientSecret
	}
	if f.tenant != nil {
		fileVal[f.tenant] = f.file.Tenant
	}
	f.loaded = false // no edits while filling
	for _, fld := range f.fields() {
		fld.envValue = env[fld.env]
		fld.edited = false
		switch {
		case fld.envValue != "":
			fld.entry.SetText(fld.envValue)
			fld.entry.Disable()
			fld.note.SetText(i18n.L("Set by the environment variable {{.Variable}}, which wins over this setting. To change it here, unset the variable and restart SMTP Configurator.", map[string]any{"Variable": fld.env}))
			fld.note.Show()
		default:
			fld.entry.SetText(fileVal[fld])
			fld.entry.Enable()
			if fileVal[fld] == "" && fld.builtIn != "" {
				fld.note.SetText(i18n.L("Built into this copy by its distributor. What you enter here replaces it."))
				fld.note.Show()
				if fld == f.clientID {
					fld.entry.SetPlaceHolder(fld.builtIn)
				}
			} else {
				fld.note.Hide()
			}
		}
	}
	source := "none"
	switch {
	case f.clientID.envValue != "":
		source = "env"
	case strings.TrimSpace(f.file.ClientID) != "":
		source = "file"
	case f.clientID.builtIn != "":
		source = "built-in"
	}
	f.item.Title = f.title(source)
	f.apps.accordion.Refresh()
	f.loaded = true
	for fld, text := range f.carry {
		if fld.editable() {
			fld.entry.SetText(text)
		}
	}
	f.carry = nil
	f.refreshButtons()
	if f.focus && f.clientID.editable() {
		f.focus = false
		if c := fyne.CurrentApp().Driver().CanvasForObject(f.clientID.entry); c != nil {
			c.Focus(f.clientID.entry)
		}
	}
}

// refreshButtons enables Save while something can be saved, and Remove
// while oauth.json holds something for the provider.
func (f *oauthAppForm) refreshButtons() {
	canSave := false
	for _, fld := range f.fields() {
		canSave = canSave || fld.editable()
	}
	busy := f.apps.state.busy
	if f.loaded && !busy && canSave {
		f.save.Enable()
	} else {
		f.save.Disable()
	}
	p := f.file
	if f.loaded && !busy && (p.ClientID != "" || p.ClientSecret != "" || p.Tenant != "") {
		f.remove.Enable()
	} else {
		f.remove.Disable()
	}
}

func (f *oauthAppForm) setMsg(icon fyne.Resource, text string, imp widget.Importance) {
	f.msg.set(icon, text, imp)
	f.msg.box.Show()
}

// problem is an error with its hint.
func (f *oauthAppForm) problem(err error) string {
	if !errors.As(err, new(*oauth.Error)) && errors.Is(err, oauth.ErrSettings) {
		err = &oauth.Error{Kind: oauth.ErrSettings, Provider: f.id, Err: err}
	}
	msg := humanError(err)
	if h := errorHint(err); h != "" {
		msg += "\n" + h
	}
	return msg
}

// appValues are a form's checked values.
type appValues struct {
	clientID, secret, tenant string
}

// validate checks the editable fields with oauth's checks (the ones
// oauth.json and the command line get); the error is a sentence to show.
func (f *oauthAppForm) validate() (appValues, error) {
	var v appValues
	if f.clientID.editable() {
		v.clientID = f.clientID.value()
		if v.clientID == "" {
			return v, errors.New(i18n.L("Enter the client ID that {{.Provider}} gave you.", map[string]any{"Provider": f.name}))
		}
		if err := oauth.ValidateClientID(v.clientID); err != nil {
			return v, err
		}
	}
	if f.secret.editable() {
		v.secret = f.secret.value()
		if err := oauth.ValidateClientSecret(v.secret); err != nil {
			return v, err
		}
	}
	if f.tenant.editable() {
		t, err := oauth.ValidateTenant(f.tenant.value())
		if err != nil {
			return v, err
		}
		v.tenant = t
	}
	return v, nil
}

// onSave checks the form and writes it to oauth.json, changing only what
// the form shows (and not what the environment sets).
func (f *oauthAppForm) onSave() {
	if !f.loaded || f.apps.state.busy {
		return
	}
	v, err := f.validate()
	if err != nil {
		f.setMsg(theme.ErrorIcon(), err.Error(), widget.DangerImportance)
		return
	}
	f.write(func(ps *oauth.ProviderSettings) {
		if f.clientID.editable() {
			ps.ClientID = v.clientID
		}
		if f.secret.editable() {
			ps.ClientSecret = v.secret
		}
		if f.tenant.editable() {
			ps.Tenant = v.tenant
		}
	}, func() string {
		return i18n.L("Saved in {{.Path}}.", map[string]any{"Path": filepath.Join(f.apps.dir, oauth.SettingsFile)})
	})
}

// onRemove asks, then removes the provider's client ID, secret and tenant
// from oauth.json (endpoint overrides stay).
func (f *oauthAppForm) onRemove() {
	if !f.loaded || f.apps.state.busy {
		return
	}
	d := map[string]any{"Provider": f.name, "Path": filepath.Join(f.apps.dir, oauth.SettingsFile)}
	body := i18n.L("The client ID saved for {{.Provider}} is removed from {{.Path}}.", d) + " "
	if f.clientID.envValue != "" || f.clientID.builtIn != "" {
		body += i18n.L("The one built into this copy, or set in the environment, is used again.")
	} else {
		body += i18n.L("Until you enter one again, profiles cannot sign in with {{.Provider}} or send mail with that sign-in.", d)
	}
	f.confirm = f.apps.m.confirmAction(i18n.L("Remove the {{.Provider}} client ID?", d), body, i18n.L("Remove"), false, func() {
		f.write(func(ps *oauth.ProviderSettings) {
			ps.ClientID, ps.ClientSecret, ps.Tenant = "", "", ""
		}, func() string {
			return i18n.L("Removed the {{.Provider}} client ID.", map[string]any{"Provider": f.name})
		})
	})
}

// errNotKept: oauth.json read back after a write does not hold what was
// written. A sentinel, said in the person's language on the UI thread.
var errNotKept error = notKept{}

type notKept struct{}

func (notKept) Error() string { return "oauth.json: not kept" }

// write changes the provider's settings in oauth.json off the UI thread,
// with oauth.UpdateSettings (which reads the file again under its lock, so
// that the other provider's settings, and a change saved meanwhile by
// `smtpconf oauth setup`, stay), reads the file back to be sure, reloads
// every form from it and tells the window (oauthClientsChanged). While it
// runs, Save and Remove are off in the whole section, also in a dialog
// rebuilt meanwhile. done is the message on success; it is called on the
// UI thread (translated in the language of that moment).
func (f *oauthAppForm) write(change func(*oauth.ProviderSettings), done func() string) {
	a := f.apps
	m := a.m
	st := a.state
	st.busy = true
	for _, g := range a.forms {
		g.refreshButtons()
	}
	id := f.id
	dir := a.dir
	go func() {
		var want oauth.ProviderSettings
		err := oauth.UpdateSettings(dir, func(s *oauth.Settings) error {
			change(s.For(id))
			want = *s.For(id)
			return nil
		})
		var back oauth.Settings
		if err == nil {
			back, err = oauth.LoadSettings(dir)
			if err == nil && *back.For(id) != want {
				err = errNotKept
			}
		}
		m.ui(func() {
			st.busy = false
			// The section on screen now: this one, or the one that
			// replaced it.
			cur := a
			if sv := m.settings; sv != nil && sv.apps != nil && sv.apps.state == st {
				cur = sv.apps
			}
			var target *oauthAppForm
			for _, g := range cur.forms {
				if g.id == id {
					target = g
				}
			}
			if err != nil {
				for _, g := range cur.forms {
					g.refreshButtons()
				}
				msg := err.Error()
				if errors.Is(err, errNotKept) {
					msg = i18n.L("The settings file did not keep what was written.")
				} else if target != nil {
					msg = target.problem(err)
				}
				if target != nil {
					target.setMsg(theme.ErrorIcon(), i18n.L("Nothing was saved:")+"\n"+msg, widget.DangerImportance)
				}
				return
			}
			// Every form shows the file as it is now; what was typed
			// in another provider's form and not saved stays.
			for _, g := range cur.forms {
				env := map[string]string{}
				for _, fld := range g.fields() {
					env[fld.env] = fld.envValue
				}
				if g != target && g.loaded {
					carry := map[*appField]string{}
					for _, fld := range g.fields() {
						if fld.edited {
							carry[fld] = fld.entry.Text
						}
					}
					if len(carry) > 0 {
						g.carry = carry
					}
				}
				if g.loaded { // else its own load is under way
					g.fill(back, nil, env)
				}
			}
			if target != nil {
				target.setMsg(theme.ConfirmIcon(), done(), widget.SuccessImportance)
			}
			m.oauthClientsChanged()
		})
	}()
}

// open opens provider id's part, and focuses its client ID once it can be
// typed in.
func (a *oauthApps) open(id oauth.ProviderID) {
	for i, f := range a.forms {
		if f.id == id {
			a.accordion.Open(i)
			f.focus = true
		}
	}
}
