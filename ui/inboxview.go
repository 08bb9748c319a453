//go:build !nogui

package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp/inbox"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// inboxView shows the messages the local test inbox received: a list, and
// the selected message's headers and text.
type inboxView struct {
	m *mainUI

	status   *notice
	startBtn *widget.Button
	clearBtn *widget.Button
	list     *widget.List
	// selected is the ID of the message shown, 0 for none.
	selected int

	subject *widget.Label
	meta    *widget.Label
	headers *widget.Label
	text    *widget.Label
	detail  fyne.CanvasObject
	empty   *widget.Label
	root    fyne.CanvasObject

	// confirmDlg is the last "Delete all messages?" (tests answer it).
	confirmDlg *dialog.ConfirmDialog
}

func newInboxView(m *mainUI) *inboxView {
	v := &inboxView{m: m}
	v.buildUI()
	return v
}

func (v *inboxView) buildUI() {
	v.status = newNotice(theme.InfoIcon(), "", widget.MediumImportance)
	v.startBtn = widget.NewButtonWithIcon(i18n.L("Start the test inbox"), theme.MediaPlayIcon(), v.onStart)
	v.startBtn.Importance = widget.HighImportance
	v.clearBtn = widget.NewButtonWithIcon(i18n.L("Delete all messages"), theme.DeleteIcon(), v.onClear)

	v.list = widget.NewList(
		func() int { return len(v.m.local.msgs) },
		newTwoLineItem,
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			msg, ok := v.at(id)
			if !ok {
				return
			}
			subj, from := twoLines(obj)
			subj.SetText(subjectOf(msg))
			from.SetText(fmt.Sprintf("%s · %s", msg.From, msg.Received.Format("15:04:05")))
		},
	)
	v.list.OnSelected = func(id widget.ListItemID) {
		if msg, ok := v.at(id); ok {
			v.selected = msg.ID
			v.showMessage(msg)
		}
	}

	v.subject = heading("")
	v.subject.Wrapping = fyne.TextWrapWord
	v.meta = wrapped("")
	v.headers = widget.NewLabel("")
	v.headers.TextStyle = fyne.TextStyle{Monospace: true}
	v.headers.Selectable = true
	// Plain-text mail is often laid out for a fixed-width font.
	v.text = wrapped("")
	v.text.TextStyle = fyne.TextStyle{Monospace: true}
	v.text.Selectable = true
	bold := fyne.TextStyle{Bold: true}
	v.detail = container.NewVScroll(container.NewVBox(
		v.subject, v.meta,
		widget.NewLabelWithStyle(i18n.L("Headers"), fyne.TextAlignLeading, bold),
		container.NewHScroll(v.headers),
		widget.NewLabelWithStyle(i18n.L("Text"), fyne.TextAlignLeading, bold),
		v.text,
	))
	v.empty = wrapped("")
	v.empty.Alignment = fyne.TextAlignCenter

	split := container.NewHSplit(v.list, container.NewStack(v.empty, v.detail))
	split.Offset = 0.35
	top := container.NewVBox(
		heading(i18n.L("Local test inbox")),
		v.status.box,
		container.NewHBox(v.startBtn, v.clearBtn),
		widget.NewSeparator(),
	)
	v.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, split))
	v.refresh()
}

// at is the message at list row id: newest first.
func (v *inboxView) at(id int) (inbox.Message, bool) {
	msgs := v.m.local.msgs
	i := len(msgs) - 1 - id
	if i < 0 || i >= len(msgs) {
		return inbox.Message{}, false
	}
	return msgs[i], true
}

func subjectOf(m inbox.Message) string {
	if strings.TrimSpace(m.Subject) == "" {
		return i18n.L("(no subject)")
	}
	return m.Subject
}

// show puts the inbox on the right.
func (v *inboxView) show() {
	v.refresh()
	v.m.showView(v.root)
}

// refresh redraws the status, the list and the selection (UI thread).
func (v *inboxView) refresh() {
	srv := v.m.local.server()
	if srv == nil {
		v.status.set(theme.InfoIcon(), i18n.L("The test inbox is not running. It starts by itself when you test a profile that uses the “Local test inbox” provider, or start it here."), widget.MediumImportance)
		v.startBtn.Show()
	} else {
		v.status.set(theme.ConfirmIcon(), i18n.L("Running on {{.Addr}} (STARTTLS, sign-in with a local profile's user name and password). Messages stay on this computer.", map[string]any{"Addr": srv.Addr()}), widget.MediumImportance)
		v.startBtn.Hide()
	}
	n := len(v.m.local.msgs)
	if n == 0 {
		v.clearBtn.Disable()
	} else {
		v.clearBtn.Enable()
	}
	v.list.Refresh()

	idx := slices.IndexFunc(v.m.local.msgs, func(m inbox.Message) bool { return m.ID == v.selected })
	if idx < 0 && n > 0 {
		// Show the newest message when nothing (still present) is selected.
		v.list.Select(0)
		return
	}
	if idx < 0 {
		v.selected = 0
		v.list.UnselectAll()
		v.detail.Hide()
		v.empty.SetText(i18n.L("No messages yet. Send a test email with a local test inbox profile and it appears here."))
		v.empty.Show()
	}
}

func (v *inboxView) showMessage(m inbox.Message) {
	v.subject.SetText(subjectOf(m))
	tls := i18n.L("unencrypted")
	if m.TLS {
		tls = i18n.L("encrypted (TLS)")
	}
	user := m.Username
	if user == "" {
		user = i18n.L("nobody")
	}
	v.meta.SetText(i18n.L("From {{.From}} to {{.To}}, received {{.Time}}, {{.TLS}}, signed in as {{.User}}.", map[string]any{
		"From": m.From, "To": strings.Join(m.To, ", "), "Time": m.Received.Format("2006-01-02 15:04:05"),
		"TLS": tls, "User": user,
	}))
	v.headers.SetText(formatHeaders(m))
	v.text.SetText(m.Text)
	v.empty.Hide()
	v.detail.Show()
}

// formatHeaders lists the headers in a stable order ("Name: value" lines).
func formatHeaders(m inbox.Message) string {
	keys := make([]string, 0, len(m.Header))
	for k := range m.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, val := range m.Header[k] {
			fmt.Fprintf(&b, "%s: %s\n", k, val)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (v *inboxView) onStart() {
	v.startBtn.Disable()
	go func() {
		_, err := v.m.local.start(0)
		v.m.ui(func() {
			v.startBtn.Enable()
			v.refresh()
		})
		if err != nil {
			v.m.showError(i18n.L("The test inbox could not start"), err)
		}
	}()
}

// onClear deletes every message after asking: they are kept on disk, so
// they would otherwise be there after every restart.
func (v *inboxView) onClear() {
	n := v.m.local.count()
	if n == 0 {
		return
	}
	v.confirmDlg = v.m.confirmAction(i18n.L("Delete all messages?"),
		i18n.N("Delete the {{.Count}} messages in the local test inbox? They cannot be restored.", n, map[string]any{"Count": n}),
		i18n.L("Delete"), true, func() {
			v.selected = 0
			v.m.local.clear()
		})
}
