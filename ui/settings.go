//go:build !nogui

package ui

import (
	"sync"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/go-text/typesetting/fontscan"

	"github.com/smtpconf/smtpconf/smtp/l10n"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// ForcedLanguage is set by main before Run when the language was chosen on
// the command line (smtpconf --lang zh, which calls i18n.Use itself): the
// language saved in the Settings is then not applied at start. The Settings
// still save a choice made in the window, and switch to it at once.
var ForcedLanguage bool

// Preference keys of the Settings.
const (
	// prefLanguage is the language chosen in the Settings: "" follows the
	// system locale, else "en" or "zh" (see i18n.Languages).
	prefLanguage = "language"
	// prefAutoLookup is whether the Provider step looks up the settings of
	// an address no preset knows (ISPDB on the internet, the domain's DNS
	// and servers). On by default.
	prefAutoLookup = "detect.auto"
	// prefCJKNoticeShown is set once the missing-font notice was shown.
	prefCJKNoticeShown = "fonts.cjk_notice_shown"
)

// applySavedLanguage switches to the language saved in the Settings, unless
// the command line chose one. A saved "" (system default) changes nothing:
// the language already follows the system unless something chose another.
// It runs while the window is made, on the UI thread or before the event
// loop starts, as i18n.Use requires.
func applySavedLanguage(a fyne.App) {
	if ForcedLanguage {
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
}

// onSettings opens the Settings dialog.
func (m *mainUI) onSettings() {
	if m.settings != nil && m.settings.dlg != nil {
		m.settings.dlg.Hide()
	}
	sv := &settingsView{codes: map[string]string{}}
	m.settings = sv

	var labels []string
	selected := ""
	saved := m.app.Preferences().String(prefLanguage)
	for _, l := range i18n.Languages() {
		label := l.Name
		if l.Code == "" {
			label = lang.L("System default ({{.Language}})", map[string]any{"Language": languageName(systemLanguage())})
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

	sv.auto = widget.NewCheck(lang.L("Look up settings automatically"), nil)
	sv.auto.SetChecked(m.autoLookup())
	sv.auto.OnChanged = m.setAutoLookup
	autoHelp := wrapped(lang.L("When the provider of an address is not in the built-in list, ask Thunderbird's online database (ISPDB) and the domain's own servers for the settings. When off, nothing is looked up on the internet: pick the provider yourself or enter the server."))
	autoHelp.SizeName = theme.SizeNameCaptionText

	bold := fyne.TextStyle{Bold: true}
	content := container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Language"), fyne.TextAlignLeading, bold),
		sv.language,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(lang.L("Settings detection"), fyne.TextAlignLeading, bold),
		sv.auto,
		autoHelp,
	)
	sv.dlg = dialog.NewCustom(lang.L("Settings"), lang.L("Close"), content, m.win)
	sv.dlg.Resize(fyne.NewSize(520, 0))
	sv.dlg.Show()
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

// setLanguage saves the choice, switches to it and redraws the window in
// it, Settings dialog included. It runs on the UI thread (the language
// choice's OnChanged), the only place i18n.Use may be called once the
// window runs: Fyne's widgets read the translations there unlocked.
func (m *mainUI) setLanguage(code string) {
	m.app.Preferences().SetString(prefLanguage, code)
	before := i18n.Current()
	if !i18n.Use(code) || i18n.Current() == before {
		return
	}
	m.rebuild()
	m.onSettings()
	m.checkFonts()
}

// setAutoLookup saves the setting and applies it to the open profile.
func (m *mainUI) setAutoLookup(on bool) {
	m.app.Preferences().SetBool(prefAutoLookup, on)
	if wz := m.wizard; wz != nil && wz.provider.address != nil {
		wz.provider.scheduleDetect()
	}
}

// hasCJKFont reports whether the system has a font with Chinese glyphs.
// Tests replace it.
var hasCJKFont = systemHasCJKFont

var (
	cjkOnce   sync.Once
	cjkResult bool
)

// systemHasCJKFont asks the system's fonts, the way Fyne finds a fallback
// font for a glyph its own font lacks, whether one draws Chinese. It is
// slow the first time (fontscan indexes the fonts and caches the index), so
// it runs off the UI thread, and only once per process.
func systemHasCJKFont() bool {
	cjkOnce.Do(func() {
		fm := fontscan.NewFontMap(quietLog{})
		if err := fm.UseSystemFonts(""); err != nil {
			return
		}
		fm.SetQuery(fontscan.Query{Families: []string{fontscan.SansSerif}})
		cjkResult = fm.ResolveFace('中') != nil && fm.ResolveFace('邮') != nil
	})
	return cjkResult
}

// quietLog drops fontscan's complaints about fonts it cannot read.
type quietLog struct{}

func (quietLog) Printf(string, ...any) {}

// needsCJK reports whether the window shows Chinese: the language is
// Chinese, or a saved profile's name or sender name is.
func (m *mainUI) needsCJK() bool {
	if i18n.Current() == "zh" {
		return true
	}
	for _, it := range m.profiles.items {
		if hasHan(it.profile.Name) || hasHan(it.profile.FromName) {
			return true
		}
	}
	return false
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// cjkNotice decides whether to say that no font draws Chinese: only when
// Chinese is shown, the notice was not shown before, and has (which may be
// slow) finds no font.
func cjkNotice(needed, shownBefore bool, has func() bool) bool {
	return needed && !shownBefore && !has()
}

// checkFonts looks, in the background, whether Chinese can be drawn, and
// says once how to install a font when it cannot.
// It runs on the UI thread.
func (m *mainUI) checkFonts() {
	needed := m.needsCJK()
	shown := m.app.Preferences().Bool(prefCJKNoticeShown)
	if m.fontCheckRunning {
		return // the running check settles this call too
	}
	if !needed || shown {
		fontCheckSettled(m)
		return
	}
	m.fontCheckRunning = true
	has := hasCJKFont
	go func() {
		show := cjkNotice(needed, shown, has)
		m.ui(func() {
			m.fontCheckRunning = false
			if show && !m.app.Preferences().Bool(prefCJKNoticeShown) {
				m.app.Preferences().SetBool(prefCJKNoticeShown, true)
				m.showFontNotice()
			}
			fontCheckSettled(m)
		})
	}()
}

// fontCheckSettled is called on the UI thread each time checkFonts has
// decided for window m: at once when no check is needed, else once the
// background check finished and any notice is showing. Tests replace it
// to wait for the decision instead of sleeping.
var fontCheckSettled = func(m *mainUI) {}

// The notice's sentences. When no font draws Chinese, Chinese text cannot
// be read, so a Chinese window shows the English under the translation.
const (
	fontNoticeTitle = "No Chinese font found"
	fontNoticeText  = "No font with Chinese characters was found on this computer, so Chinese text may show as empty boxes. Install one, then restart SMTP Configurator:"
	fontNoticeWhere = "The first line is for Debian and Ubuntu, the second for Fedora."
	// fontInstallCommands are commands, the same in every language.
	fontInstallCommands = "sudo apt install fonts-noto-cjk\nsudo dnf install google-noto-sans-cjk-fonts"
)

// showFontNotice says that Chinese may show as boxes and how to install a font.
func (m *mainUI) showFontNotice() {
	both := func(tr, en string) string {
		if tr == en {
			return en
		}
		return tr + "\n" + en
	}
	title := lang.L("No Chinese font found")
	if title != fontNoticeTitle {
		title += " · " + fontNoticeTitle
	}
	text := wrapped(both(lang.L("No font with Chinese characters was found on this computer, so Chinese text may show as empty boxes. Install one, then restart SMTP Configurator:"), fontNoticeText))
	cmds := widget.NewLabel(fontInstallCommands)
	cmds.TextStyle = fyne.TextStyle{Monospace: true}
	cmds.Selectable = true
	where := wrapped(both(lang.L("The first line is for Debian and Ubuntu, the second for Fedora."), fontNoticeWhere))
	where.SizeName = theme.SizeNameCaptionText
	m.fontNotice = dialog.NewCustom(title, lang.L("Close"), container.NewVBox(text, cmds, where), m.win)
	m.fontNotice.Resize(fyne.NewSize(560, 0))
	m.fontNotice.Show()
}
