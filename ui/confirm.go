//go:build !nogui

package ui

import (
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// confirmAction asks before an action: a title, what will happen, and the
// button that does it (danger: drawn as destructive). do runs only when
// the person confirms. The dialog is returned for tests and for closing.
func (m *mainUI) confirmAction(title, message, action string, danger bool, do func()) *dialog.ConfirmDialog {
	d := dialog.NewConfirm(title, message, func(ok bool) {
		if ok {
			do()
		}
	}, m.win)
	d.SetConfirmText(action)
	if danger {
		d.SetConfirmImportance(widget.DangerImportance)
	}
	d.Show()
	return d
}
