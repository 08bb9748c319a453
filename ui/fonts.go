//go:build !nogui

package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/go-text/typesetting/fontscan"

	"github.com/smtpconf/smtpconf/smtp/l10n"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// prefCJKNoticeShown is set once the missing-font notice was shown.
const prefCJKNoticeShown = "fonts.cjk_notice_shown"

// The system's answer, asked once per process (systemHasCJKFont).
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
		if l10n.HasHan(it.profile.Name) || l10n.HasHan(it.profile.FromName) {
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
// It runs on the UI thread. Each time it has decided (at once when no
// check is needed, else once the background check finished and any notice
// is showing), it calls m.fontCheckSettled (Deps.fontCheckSettled).
func (m *mainUI) checkFonts() {
	needed := m.needsCJK()
	shown := m.app.Preferences().Bool(prefCJKNoticeShown)
	if m.fontCheckRunning {
		return // the running check settles this call too
	}
	if !needed || shown {
		m.fontCheckSettled(m)
		return
	}
	m.fontCheckRunning = true
	has := m.hasCJKFont
	go func() {
		show := cjkNotice(needed, shown, has)
		m.ui(func() {
			m.fontCheckRunning = false
			if show && !m.app.Preferences().Bool(prefCJKNoticeShown) {
				m.app.Preferences().SetBool(prefCJKNoticeShown, true)
				m.showFontNotice()
			}
			m.fontCheckSettled(m)
		})
	}()
}

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
	title := i18n.L("No Chinese font found")
	if title != fontNoticeTitle {
		title += " · " + fontNoticeTitle
	}
	text := wrapped(both(i18n.L("No font with Chinese characters was found on this computer, so Chinese text may show as empty boxes. Install one, then restart SMTP Configurator:"), fontNoticeText))
	cmds := widget.NewLabel(fontInstallCommands)
	cmds.TextStyle = fyne.TextStyle{Monospace: true}
	cmds.Selectable = true
	where := wrapped(both(i18n.L("The first line is for Debian and Ubuntu, the second for Fedora."), fontNoticeWhere))
	where.SizeName = theme.SizeNameCaptionText
	m.fontNotice = dialog.NewCustom(title, i18n.L("Close"), container.NewVBox(text, cmds, where), m.win)
	m.fontNotice.Resize(fyne.NewSize(560, 0))
	m.fontNotice.Show()
}
