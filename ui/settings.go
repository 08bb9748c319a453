//go:build !nogui

package ui

// This file is the Settings dialog: language and settings detection. The
// font check is in fonts.go, the sign-in apps section in oauthapps.go.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp/l10n"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Preference keys of the Settings.
const (
	// prefLanguage is the language chosen in the Settings: "" follows the
	// system locale, else "en" or "zh" (see i18n.Languages).
	prefLanguage = "language"
	// prefAutoLookup is whether the Provider step looks up the settings of
	// an address no preset knows (ISPDB on the internet, the domain's DNS
	// and servers). On by default.
	prefAutoLookup = "detect.auto"
)

// applySavedLanguage switches to the language saved in the Settings, unless
// the command line chose one (forced: smtpconf --lang zh, which calls
// i18n.Use itself; see Deps.ForcedLanguage). A saved "" (system default)
// changes nothing: the language already follows the system unless
// something chose another.
// It runs while the window is made, on the UI thread or before the event
// loop starts, as i18n.Use requires.
func applySavedLanguage(a fyne.App, forced bool) {
	if forced {
		return
	}
	if code := a.Preferences().String(prefLanguage); code != "" && i18n.Valid(code) {
		i18n.Use(code)
	}
}

// autoLookup reports whether settings are looked up on the network for
// addresses no preset knows.
func (m *mainUI) autoLookup() bool {
	return m.app.Preferences().BoolWithFallback(prefAutoLookup, true)
}

// settingsView is the Settings dialog and its widgets (kept for tests).
type settingsView struct {
	dlg      *dialog.CustomDialog
	language *widget.RadioGroup
	auto     *widget.Check
	codes    map[string]string // radio label → language code
	// scroll holds the content; apps is the "Sign-in apps (OAuth2)"
	// section (oauthapps.go).
	scroll *container.Scroll
	apps   *oauthApps
}

// onSettings opens the Settings dialog.
func (m *mainUI) onSettings() {
	m.openSettings(nil)
}

// openSettings opens the Settings dialog, closing one that is open; prev,
// when not nil, is the dialog it replaces (after a language switch), whose
// typed sign-in app settings it keeps.
func (m *mainUI) openSettings(prev *settingsView) {
	if m.settings != nil && m.settings.dlg != nil {
		m.settings.dlg.Hide()
	}
	var state *appsState // a write of oauth.json may be under way
	if m.settings != nil && m.settings.apps != nil {
		state = m.settings.apps.state
	}
	sv := &settingsView{codes: map[string]string{}}
	m.settings = sv

	var labels []string
	selected := ""
	saved := m.app.Preferences().String(prefLanguage)
	for _, l := range i18n.Languages() {
		label := l.Name
		if l.Code == "" {
			label = i18n.L("System default ({{.Language}})", map[string]any{"Language": languageName(systemLanguage())})
		}
		sv.codes[label] = l.Code
		labels = append(labels, label)
		if l.Code == saved {
			selected = label
		}
	}
	sv.language = widget.NewRadioGroup(labels, nil)
	sv.language.Required = true
	sv.language.SetSelected(selected)
	sv.language.OnChanged = func(label string) {
		if code, ok := sv.codes[label]; ok {
			m.setLanguage(code)
		}
	}

	sv.auto = widget.NewCheck(i18n.L("Look up settings automatically"), nil)
	sv.auto.SetChecked(m.autoLookup())
	sv.auto.OnChanged = m.setAutoLookup
	autoHelp := wrapped(i18n.L("When the provider of an address is not in the built-in list, ask Thunderbird's online database (ISPDB) and the domain's own servers for the settings. When off, nothing is looked up on the internet: pick the provider yourself or enter the server."))
	autoHelp.SizeName = theme.SizeNameCaptionText

	bold := fyne.TextStyle{Bold: true}
	sv.apps = newOAuthApps(m, prev, state)
	content := container.NewVBox(
		widget.NewLabelWithStyle(i18n.L("Language"), fyne.TextAlignLeading, bold),
		sv.language,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(i18n.L("Settings detection"), fyne.TextAlignLeading, bold),
		sv.auto,
		autoHelp,
		widget.NewSeparator(),
		sv.apps.box,
	)
	sv.scroll = container.NewVScroll(content)
	// Tall enough for an open provider, within the window.
	height := float32(520)
	if ch := m.win.Canvas().Size().Height; ch > 0 {
		height = min(max(ch-220, 320), 560)
	}
	sv.scroll.SetMinSize(fyne.NewSize(560, height))
	sv.dlg = dialog.NewCustom(i18n.L("Settings"), i18n.L("Close"), sv.scroll, m.win)
	sv.dlg.Show()
	sv.apps.load()
}

// systemLanguage is the language the system locale asks for.
func systemLanguage() string {
	return l10n.SystemLanguage()
}

// languageName names a language code in that language.
func languageName(code string) string {
	for _, l := range i18n.Languages() {
		if l.Code == code {
			return l.Name
		}
	}
	return code
}

// setLanguage saves the choice and switches to it; languageChanged then
// redraws the window in it. It runs on the UI thread (the language
// choice's OnChanged), the only place i18n.Use may be called once the
// window runs: Fyne's widgets read the translations there unlocked.
func (m *mainUI) setLanguage(code string) {
	m.app.Preferences().SetString(prefLanguage, code)
	before := i18n.Current()
	if !i18n.Use(code) || i18n.Current() == before {
		return
	}
	m.languageChanged()
}

// setAutoLookup saves the setting and tells the open profile.
func (m *mainUI) setAutoLookup(on bool) {
	m.app.Preferences().SetBool(prefAutoLookup, on)
	m.autoLookupChanged()
}
