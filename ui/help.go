//go:build !nogui

package ui

import (
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The Help menu: the README's steps, the keyboard shortcuts, and a way to
// hand a problem to whoever helps (the version and the last transcript on
// the clipboard).

// helpMenu is the Help menu of the main menu.
func (m *mainUI) helpMenu() *fyne.Menu {
	return fyne.NewMenu(i18n.L("Help"),
		fyne.NewMenuItem(i18n.L("Getting started"), m.onGettingStarted),
		fyne.NewMenuItem(i18n.L("Keyboard shortcuts"), m.onShortcuts),
		fyne.NewMenuItem(i18n.L("Report a problem"), m.onReportProblem),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(i18n.L("About SMTP Configurator"), m.onAbout),
	)
}

// gettingStartedSteps are the README's steps of the window, for people.
func gettingStartedSteps() []string {
	return []string{
		i18n.L("Provider: type your email address and the matching settings are chosen for you, or pick your provider from the list. Choose “Local test inbox” to try everything without an account."),
		i18n.L("Server: check the host, port and security. Mismatches, such as STARTTLS on port 465, are pointed out as you type."),
		i18n.L("Account: enter your user name and password (for many providers an app password). The password goes into your system keyring, never into a file."),
		i18n.L("Test: send a test message. Each stage shows as it happens; if one fails, you are told which and what to change. A message that fails for a temporary reason waits in the outbox and is sent by itself."),
	}
}

// onGettingStarted shows the steps of a setup.
func (m *mainUI) onGettingStarted() {
	box := container.NewVBox(wrapped(i18n.L("Set up a profile for each account you send from, in four steps:")))
	for i, s := range gettingStartedSteps() {
		l := wrapped(i18n.L("{{.Number}}. {{.Step}}", map[string]any{"Number": i + 1, "Step": s}))
		box.Add(l)
	}
	box.Add(wrapped(i18n.L("Saved profiles are listed on the left. The Outbox lists messages waiting to be sent again; the Test inbox shows what the local test inbox received.")))
	d := dialog.NewCustom(i18n.L("Getting started"), i18n.L("Close"), box, m.win)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

// shortcutText is how a shortcut of the menu is written on this system.
func shortcutText(s fyne.Shortcut) string {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok {
		return s.ShortcutName()
	}
	mod := "Ctrl+"
	if runtime.GOOS == "darwin" {
		mod = "⌘"
	}
	key := string(cs.KeyName)
	if cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter {
		key = "Enter"
	}
	return mod + key
}

// shortcutRows are the keyboard shortcuts: the menu's, then those of the
// Test step and of dialogs.
func (m *mainUI) shortcutRows() [][2]string {
	var rows [][2]string
	for _, menu := range m.menu.Items {
		for _, it := range menu.Items {
			if it.Shortcut != nil {
				rows = append(rows, [2]string{shortcutText(it.Shortcut), strings.TrimSuffix(it.Label, "…")})
			}
		}
	}
	rows = append(rows,
		[2]string{shortcutText(sendShortcut), i18n.L("Send the test message (Test step)")},
		[2]string{"Esc", i18n.L("Close the dialog")},
		[2]string{"Tab", i18n.L("Move to the next field or button")},
	)
	return rows
}

// onShortcuts lists the keyboard shortcuts.
func (m *mainUI) onShortcuts() {
	box := container.NewVBox()
	for _, r := range m.shortcutRows() {
		key := widget.NewLabelWithStyle(r[0], fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		box.Add(container.New(&fixedColumns{widths: []float32{110}}, key, widget.NewLabel(r[1])))
	}
	d := dialog.NewCustom(i18n.L("Keyboard shortcuts"), i18n.L("Close"), box, m.win)
	d.Resize(fyne.NewSize(460, 0))
	d.Show()
}

// lastTranscript is the transcript (passwords hidden) of the open
// profile's last test, else that of the message shown in the outbox.
func (m *mainUI) lastTranscript() []string {
	if m.wizard != nil && m.wizard.test != nil && len(m.wizard.test.lines) > 0 {
		return m.wizard.test.lines
	}
	if d := m.outbox.detail; d != nil && len(d.Transcript) > 0 {
		return d.Transcript
	}
	return nil
}

// problemReport is what Report a problem copies: the version line, the
// system, and the last transcript (its passwords are already hidden).
func (m *mainUI) problemReport() string {
	var b strings.Builder
	b.WriteString(appName + " " + smtp.VersionLine() + " · " + runtime.GOOS + "/" + runtime.GOARCH + "\n")
	if tr := m.lastTranscript(); len(tr) > 0 {
		b.WriteString("\n" + i18n.L("Last transcript (passwords hidden):") + "\n")
		b.WriteString(strings.Join(tr, "\n") + "\n")
	} else {
		b.WriteString("\n" + i18n.L("No transcript yet: no test was sent in this window.") + "\n")
	}
	return b.String()
}

// onReportProblem copies the report to the clipboard and says so.
func (m *mainUI) onReportProblem() {
	m.app.Clipboard().SetContent(m.problemReport())
	text := wrapped(i18n.L("The version of SMTP Configurator and the transcript of the last test (passwords hidden) are copied to the clipboard. Paste them into your message to whoever helps you, and describe what you did and what happened."))
	d := dialog.NewCustom(i18n.L("Report a problem"), i18n.L("Close"), text, m.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}
