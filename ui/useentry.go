//go:build !nogui

package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Small pieces of "Use from other apps" shared with other screens: the
// Copy button, the default profile's subtitle in the list, the setup's
// way in, and joining sentences.

// copyButton puts what text returns on the clipboard, and says so on the
// button for a moment.
func (m *mainUI) copyButton(text func() string) *widget.Button {
	var b *widget.Button
	b = widget.NewButtonWithIcon(i18n.L("Copy"), theme.ContentCopyIcon(), func() {
		m.app.Clipboard().SetContent(text())
		b.SetText(i18n.L("Copied"))
		b.SetIcon(theme.ConfirmIcon())
		time.AfterFunc(2*time.Second, func() {
			m.ui(func() {
				b.SetText(i18n.L("Copy"))
				b.SetIcon(theme.ContentCopyIcon())
			})
		})
	})
	return b
}

// listSubtitle is the profile list's subtitle of a profile: its server, and
// whether it is the default.
func listSubtitle(p smtp.Profile, isDefault bool) string {
	if isDefault {
		return i18n.L("Default") + " · " + describe(p)
	}
	return describe(p)
}

// newUseButton is the setup's way to "Use from other apps" for a saved
// profile.
func (wz *wizard) newUseButton() fyne.CanvasObject {
	wz.useBtn = widget.NewButtonWithIcon(i18n.L("Use from other apps"), theme.ComputerIcon(), func() {
		if !wz.isNew && !wz.dirty {
			wz.m.showUse(wz.origName)
		}
	})
	return wz.useBtn
}

// updateUseButton shows the button for a saved profile, usable once its
// changes are saved (the view shows what is saved).
func (wz *wizard) updateUseButton() {
	switch {
	case wz.isNew:
		wz.useBtn.Hide()
	case wz.dirty:
		wz.useBtn.Show()
		wz.useBtn.Disable()
	default:
		wz.useBtn.Show()
		wz.useBtn.Enable()
	}
}

// joinSentences puts sentences one after the other: with a space in
// English, without one after a Chinese full stop, as each language writes.
func joinSentences(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if s := b.String(); s != "" && !strings.HasSuffix(s, "。") && !strings.HasSuffix(s, "：") && !strings.HasSuffix(s, "）") {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}
