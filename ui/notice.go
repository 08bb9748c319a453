//go:build !nogui

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// outboxBanner is the notice at the top of the window that a queued
// message was finally delivered or failed for good. The desktop's
// notifications may not exist (no notification service) or go unseen, so
// the window says it itself: "Show" opens the outbox on that message, the
// close button dismisses the banner.
type outboxBanner struct {
	m *mainUI

	icon    *widget.Icon
	text    *widget.Label
	showBtn *widget.Button
	closeBn *widget.Button
	box     *fyne.Container
	// frame holds the banner above the window's content; it is laid out
	// again when the banner shows or goes.
	frame *fyne.Container
	// id is the message the banner is about.
	id string
}

func newOutboxBanner(m *mainUI) *outboxBanner {
	n := &outboxBanner{m: m, icon: widget.NewIcon(nil), text: wrapped("")}
	n.showBtn = widget.NewButton(i18n.L("Show"), n.onShow)
	n.closeBn = widget.NewButtonWithIcon("", theme.CancelIcon(), n.dismiss)
	n.closeBn.Importance = widget.LowImportance
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.CornerRadius = theme.InputRadiusSize()
	row := container.NewBorder(nil, nil, container.NewCenter(n.icon), container.NewHBox(n.showBtn, n.closeBn), n.text)
	n.box = container.NewPadded(container.NewStack(bg, container.NewPadded(row)))
	n.box.Hide()
	return n
}

// wrap puts the banner above content, returning both.
func (n *outboxBanner) wrap(content fyne.CanvasObject) fyne.CanvasObject {
	n.frame = container.NewBorder(n.box, nil, nil, nil, content)
	return n.frame
}

// announce shows the outcome of ev, replacing an earlier one (UI thread).
func (n *outboxBanner) announce(ev queue.Event, text string) {
	n.id = ev.ID
	if ev.Kind == queue.EventSent {
		n.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		n.text.Importance = widget.MediumImportance
	} else {
		n.icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
		n.text.Importance = widget.DangerImportance
	}
	n.text.SetText(text)
	n.box.Show()
	n.relayout()
}

func (n *outboxBanner) relayout() {
	if n.frame != nil {
		n.frame.Refresh()
	}
}

// onShow opens the outbox on the message the banner is about.
func (n *outboxBanner) onShow() {
	id := n.id
	n.dismiss()
	n.m.profiles.leaveProfile(func() {
		n.m.outbox.selectEntry(id)
		n.m.outboxView.show()
	})
}

// dismiss hides the banner.
func (n *outboxBanner) dismiss() {
	n.id = ""
	n.box.Hide()
	n.relayout()
}
