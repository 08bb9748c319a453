//go:build !nogui

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// sendShortcut (Ctrl+Enter, ⌘Enter on macOS) sends the test message from
// the Test step.
var sendShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}

// bindKeys sets the window's own keys: Escape closes the dialog on top, and
// Ctrl+Enter sends from the Test step. The menu holds Ctrl+Enter too, so
// that it works while a field has the keyboard focus (the menu's shortcuts
// come first); the canvas's copy serves drivers without a menu.
func (m *mainUI) bindKeys() {
	c := m.win.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			m.dismissTopDialog()
		}
	})
	c.AddShortcut(sendShortcut, func(fyne.Shortcut) { m.onSendShortcut() })
}

// onSendShortcut sends the test message when the Test step is shown.
func (m *mainUI) onSendShortcut() {
	wz := m.wizard
	if wz == nil || wz.steps[wz.current].ID != stepTest || wz.test.sendBtn == nil || wz.test.sendBtn.Disabled() {
		return
	}
	wz.test.onSend()
}

// dismissTopDialog closes the dialog on top of the window as its dismiss
// button does (Cancel, No, Close), so its callback hears "cancelled". A
// Fyne dialog is a modal pop-up whose content holds its button row, the
// dismiss button first; other pop-ups (menus, completions) handle Escape
// themselves.
func (m *mainUI) dismissTopDialog() bool {
	top := m.win.Canvas().Overlays().Top()
	pop, ok := top.(*widget.PopUp)
	if !ok || pop == nil {
		return false
	}
	c, ok := pop.Content.(*fyne.Container)
	if !ok || len(c.Objects) < 4 {
		return false
	}
	// The dialog's layout holds: image, background, content, buttons, title.
	buttons, ok := c.Objects[3].(*fyne.Container)
	if !ok {
		return false
	}
	for _, o := range buttons.Objects {
		if b, ok := o.(*widget.Button); ok && b.OnTapped != nil && !b.Disabled() {
			b.OnTapped()
			return true
		}
	}
	// A dialog without buttons: hide it.
	pop.Hide()
	return true
}
