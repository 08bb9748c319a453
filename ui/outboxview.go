//go:build !nogui

package ui

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// outboxView shows the outbox: the messages waiting to be sent again, and
// those sent or failed, newest first; the selected one in detail with its
// last error, hint and transcript; Retry now, Delete and Retry all.
type outboxView struct {
	m *mainUI
	b *outbox

	status   *notice
	summary  *widget.Label
	retryAll *widget.Button
	list     *widget.List

	subject   *widget.Label
	stateIcon *widget.Icon
	stateText *widget.Label
	meta      *widget.Label
	retryBtn  *widget.Button
	deleteBtn *widget.Button
	errorBox  *fyne.Container
	hint      *widget.Label
	where     *widget.Label
	reply     *widget.Label
	// more is the reply's place when it is a technical error line
	// rather than a server's reply (no code).
	more       *technicalDetails
	transcript *widget.Label
	trBox      *fyne.Container
	copyBtn    *widget.Button
	detail     fyne.CanvasObject
	empty      *widget.Label
	root       fyne.CanvasObject

	// confirmDlg is the last Delete confirmation (tests answer it).
	confirmDlg *dialog.ConfirmDialog
	// now is the clock (tests may fix it).
	now func() time.Time
	// asked is the message a test just queued, shown until the outbox has
	// read it (showQueued).
	asked queue.Entry
}

func newOutboxView(m *mainUI) *outboxView {
	v := &outboxView{m: m, b: m.outbox, now: time.Now}
	v.buildUI()
	return v
}

func (v *outboxView) buildUI() {
	v.status = newNotice(theme.ErrorIcon(), "", widget.DangerImportance)
	v.status.box.Hide()
	v.summary = widget.NewLabel("")
	v.retryAll = widget.NewButtonWithIcon(i18n.L("Retry all"), theme.ViewRefreshIcon(), v.onRetryAll)

	v.list = widget.NewList(
		func() int { return len(v.b.entries) },
		func() fyne.CanvasObject {
			icon := widget.NewIcon(nil)
			word := widget.NewLabel("")
			word.SizeName = theme.SizeNameCaptionText
			word.Alignment = fyne.TextAlignCenter
			to := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			to.Truncation = fyne.TextTruncateEllipsis
			next := widget.NewLabel("")
			next.SizeName = theme.SizeNameCaptionText
			subj := widget.NewLabel("")
			subj.Truncation = fyne.TextTruncateEllipsis
			info := widget.NewLabel("")
			info.SizeName = theme.SizeNameCaptionText
			info.Truncation = fyne.TextTruncateEllipsis
			state := container.NewVBox(icon, word)
			text := container.NewVBox(container.NewBorder(nil, nil, nil, next, to), subj, info)
			return container.New(&fixedColumns{widths: []float32{76}}, state, container.NewThemeOverride(text, compactTheme{}))
		},
		func(id widget.ListItemID, obj fyne.CanvasObject) {
			if id < 0 || id >= len(v.b.entries) {
				return
			}
			v.fillRow(v.b.entries[id], obj.(*fyne.Container))
		},
	)
	v.list.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(v.b.entries) {
			e := v.b.entries[id]
			if e.ID != v.b.selected.Load().(string) {
				v.b.selectEntry(e.ID)
				v.showEntry(e, nil)
			}
		}
	}

	v.subject = heading("")
	v.subject.Wrapping = fyne.TextWrapWord
	v.stateIcon = widget.NewIcon(nil)
	v.stateText = wrapped("")
	v.stateText.TextStyle = fyne.TextStyle{Bold: true}
	v.meta = wrapped("")
	v.retryBtn = widget.NewButtonWithIcon(i18n.L("Retry now"), theme.MailSendIcon(), v.onRetry)
	v.retryBtn.Importance = widget.HighImportance
	v.deleteBtn = widget.NewButtonWithIcon(i18n.L("Delete"), theme.DeleteIcon(), v.onDelete)
	bold := fyne.TextStyle{Bold: true}
	v.hint = wrapped("")
	v.where = wrapped("")
	v.reply = wrapped("")
	v.reply.TextStyle = fyne.TextStyle{Monospace: true}
	v.reply.Selectable = true
	v.more = newTechnicalDetails()
	v.errorBox = container.NewVBox(
		widget.NewLabelWithStyle(i18n.L("Last error"), fyne.TextAlignLeading, bold),
		v.hint, v.where, v.reply, v.more.box,
	)
	v.transcript = widget.NewLabel("")
	v.transcript.TextStyle = fyne.TextStyle{Monospace: true}
	v.transcript.Selectable = true
	v.copyBtn = widget.NewButtonWithIcon(i18n.L("Copy"), theme.ContentCopyIcon(), v.onCopy)
	v.trBox = container.NewVBox(
		container.NewBorder(nil, nil,
			widget.NewLabelWithStyle(i18n.L("Transcript of the last attempt (passwords hidden)"), fyne.TextAlignLeading, bold),
			v.copyBtn),
		container.NewHScroll(v.transcript),
	)
	v.detail = container.NewVScroll(container.NewVBox(
		v.subject,
		container.NewBorder(nil, nil, container.NewVBox(v.stateIcon), nil, v.stateText),
		v.meta,
		container.NewHBox(v.retryBtn, v.deleteBtn),
		widget.NewSeparator(),
		v.errorBox,
		v.trBox,
	))
	v.empty = wrapped("")
	v.empty.Alignment = fyne.TextAlignCenter

	split := container.NewHSplit(v.list, container.NewPadded(container.NewStack(v.empty, v.detail)))
	split.Offset = 0.45
	intro := wrapped(i18n.L("Messages that could not be sent for a temporary reason wait here and go out by themselves while this window is open. Sent messages stay listed so you can see that they went out."))
	intro.SizeName = theme.SizeNameCaptionText
	top := container.NewVBox(
		heading(i18n.L("Outbox")),
		intro,
		v.status.box,
		container.NewBorder(nil, nil, nil, v.retryAll, v.summary),
		widget.NewSeparator(),
	)
	v.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, split))
	v.refresh()
}

// show puts the outbox on the right and reads it afresh.
// showQueued opens the outbox with e, the message a test just queued,
// selected (UI thread). A zero e opens it as it is.
func (v *outboxView) showQueued(e queue.Entry) {
	v.m.profiles.leaveProfile(func() {
		if e.ID != "" {
			v.asked = e
			v.b.selectEntry(e.ID)
		}
		v.show()
	})
}

func (v *outboxView) show() {
	// What was delivered or failed meanwhile is seen now.
	v.b.unseen = 0
	v.refresh()
	v.m.showView(v.root)
	if v.b.available() {
		v.b.refresh()
	}
}

// outboxStateIcon is the icon for an entry's state; the word says it too.
func outboxStateIcon(s queue.State) fyne.Resource {
	switch s {
	case queue.Sending:
		return theme.NewPrimaryThemedResource(theme.UploadIcon())
	case queue.Deferred:
		return theme.NewWarningThemedResource(theme.HistoryIcon())
	case queue.Sent:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case queue.Failed:
		return theme.NewErrorThemedResource(theme.ErrorIcon())
	}
	return theme.MailSendIcon()
}

func outboxStateImportance(s queue.State) widget.Importance {
	switch s {
	case queue.Deferred:
		return widget.WarningImportance
	case queue.Sent:
		return widget.SuccessImportance
	case queue.Failed:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// fillRow draws one entry of the list.
func (v *outboxView) fillRow(e queue.Entry, row *fyne.Container) {
	state := row.Objects[0].(*fyne.Container)
	state.Objects[0].(*widget.Icon).SetResource(outboxStateIcon(e.State))
	word := state.Objects[1].(*widget.Label)
	word.Importance = outboxStateImportance(e.State)
	word.SetText(e.State.Name())
	text := row.Objects[1].(*container.ThemeOverride).Content.(*fyne.Container)
	head := text.Objects[0].(*fyne.Container)
	head.Objects[0].(*widget.Label).SetText(strings.Join(e.To, ", "))
	head.Objects[1].(*widget.Label).SetText(nextWords(e, v.now()))
	text.Objects[1].(*widget.Label).SetText(subjectOrNone(e.Subject))
	info := attemptsText(e.Attempts)
	if o := e.Origin.Name(); o != "" {
		info = o + " · " + info
	}
	if e.State != queue.Sent && e.LastError != "" {
		info += " · " + e.LastError
	}
	text.Objects[2].(*widget.Label).SetText(info)
}

// attemptsText is "No attempt yet", "1 attempt", "3 attempts".
func attemptsText(n int) string {
	if n == 0 {
		return i18n.L("No attempt yet")
	}
	return i18n.N("{{.Count}} attempts", n, map[string]any{"Count": n})
}

// nextWords says when an entry is tried next: "in 4 min", "now", or what
// became of it.
func nextWords(e queue.Entry, now time.Time) string {
	switch e.State {
	case queue.Sending:
		return i18n.L("sending now")
	case queue.Sent:
		return i18n.L("sent {{.Time}}", map[string]any{"Time": smtp.ClockTime(e.SentAt, now)})
	case queue.Failed:
		return i18n.L("not retried")
	}
	d := e.NextAttempt.Sub(now)
	if d < time.Second {
		return i18n.L("now")
	}
	return inWords(d)
}

// inWords is a wait for people: "in 40 s", "in 4 min", "in 2 h", "in 3 days".
func inWords(d time.Duration) string {
	switch {
	case d < time.Minute:
		return i18n.L("in {{.Count}} s", map[string]any{"Count": int(math.Ceil(d.Seconds()))})
	case d < time.Hour:
		return i18n.L("in {{.Count}} min", map[string]any{"Count": int(math.Round(d.Minutes()))})
	case d < 48*time.Hour:
		return i18n.L("in {{.Count}} h", map[string]any{"Count": int(math.Round(d.Hours()))})
	}
	days := int(math.Round(d.Hours() / 24))
	return i18n.N("in {{.Count}} days", days, map[string]any{"Count": days})
}

// refresh redraws the view from the last read of the outbox (UI thread).
func (v *outboxView) refresh() {
	b := v.b
	switch {
	case b.openErr != nil:
		v.status.set(theme.ErrorIcon(), i18n.L("The outbox cannot be opened, so messages that fail for a temporary reason are not kept for a later try. The rest of the app works.")+"\n"+problemText(b.openErr), widget.DangerImportance)
		v.status.box.Show()
	case b.settingsErr != nil:
		v.status.set(theme.WarningIcon(), i18n.L("The outbox settings file is invalid; the default settings are used.")+"\n"+problemText(b.settingsErr), widget.WarningImportance)
		v.status.box.Show()
	default:
		v.status.box.Hide()
	}
	c := b.counts
	v.summary.SetText(i18n.L("{{.Waiting}} waiting · {{.Sent}} sent · {{.Failed}} failed", map[string]any{
		"Waiting": c.Waiting(), "Sent": c.Sent, "Failed": c.Failed}))
	if b.available() && c.Deferred+c.Failed+c.Queued > 0 {
		v.retryAll.Enable()
	} else {
		v.retryAll.Disable()
	}
	v.list.Refresh()

	sel := b.selected.Load().(string)
	idx := -1
	for i, e := range b.entries {
		if e.ID == sel {
			idx = i
			break
		}
	}
	switch {
	case idx < 0 && sel != "" && v.asked.ID == sel:
		// The message a test just queued, before the outbox read it again:
		// it, not an older row, is the one asked for.
		v.list.UnselectAll()
		v.showEntry(v.asked, nil)
	case idx >= 0:
		v.asked = queue.Entry{} // read: from now on it is an entry like any other
		v.list.Select(idx)
		e := b.entries[idx]
		if b.detail != nil && b.detail.ID == e.ID {
			v.showEntry(*b.detail, b.detail.Transcript)
		} else {
			v.showEntry(e, nil)
		}
	case len(b.entries) > 0:
		// Show the newest message when nothing (still present) is selected.
		// The row may still count as selected for the entry it showed.
		v.list.UnselectAll()
		v.list.Select(0)
	default:
		if sel != "" {
			b.selectEntry("")
		}
		v.list.UnselectAll()
		v.detail.Hide()
		if !b.available() {
			v.empty.SetText(i18n.L("The outbox is not available."))
		} else {
			v.empty.SetText(i18n.L("The outbox is empty. When a message cannot be sent for a temporary reason, such as the server asking to try again later, it waits here and is sent again by itself."))
		}
		v.empty.Show()
	}
}

// problemText is the error as a sentence, and its hint if it has one.
func problemText(err error) string {
	s := humanError(err)
	if h := errorHint(err); h != "" {
		s += "\n" + h
	}
	return s
}

// loadFailed says that the outbox could not be read (UI thread).
func (v *outboxView) loadFailed(err error) {
	v.status.set(theme.ErrorIcon(), i18n.L("The outbox could not be read.")+"\n"+problemText(err), widget.DangerImportance)
	v.status.box.Show()
}

// showEntry draws e in detail; transcript is nil until its read arrives.
func (v *outboxView) showEntry(e queue.Entry, transcript []string) {
	now := v.now()
	v.subject.SetText(subjectOrNone(e.Subject))
	v.stateIcon.SetResource(outboxStateIcon(e.State))
	v.stateText.Importance = outboxStateImportance(e.State)
	v.stateText.SetText(stateSentence(e, now))
	v.meta.SetText(joinSentences(i18n.L("To {{.To}}, from {{.From}}, through the profile “{{.Profile}}”. In the outbox since {{.Time}}; {{.Attempts}}.", map[string]any{
		"To": strings.Join(e.To, ", "), "From": e.From, "Profile": e.Profile,
		"Time": smtp.ClockTime(e.Created, now), "Attempts": strings.ToLower(attemptsText(e.Attempts)),
	}), e.Origin.Sentence()))
	if e.State == queue.Sent || e.State == queue.Sending {
		v.retryBtn.Disable()
	} else {
		v.retryBtn.Enable()
	}
	if e.State == queue.Sending {
		v.deleteBtn.Disable()
	} else {
		v.deleteBtn.Enable()
	}
	if e.LastError != "" && e.State != queue.Sent {
		v.hint.SetText(remedyText(e.LastHint, e.LastRemedy))
		if e.LastHint == "" {
			v.hint.Hide()
		} else {
			v.hint.Show()
		}
		where := i18n.L("Stage: {{.Stage}}", map[string]any{"Stage": smtp.StageName(e.LastStage, smtp.Title)})
		if e.LastStage == "" {
			where = ""
		}
		if e.LastCode != 0 {
			code := fmt.Sprint(e.LastCode)
			if e.LastEnhanced != "" {
				code += " " + e.LastEnhanced
			}
			if where != "" {
				where += " · "
			}
			where += i18n.L("Code: {{.Code}}", map[string]any{"Code": code})
		}
		v.where.SetText(where)
		if where == "" {
			v.where.Hide()
		} else {
			v.where.Show()
		}
		// A server's reply (it has a code) says what went wrong; a
		// technical error line goes behind "Details" when a hint explains it.
		if e.LastCode == 0 && e.LastHint != "" {
			v.reply.SetText("")
			v.reply.Hide()
			v.more.set(e.LastError)
		} else {
			v.reply.SetText(e.LastError)
			v.reply.Show()
			v.more.set("")
		}
		v.errorBox.Show()
	} else {
		v.errorBox.Hide()
	}
	if len(transcript) > 0 {
		v.transcript.SetText(strings.Join(transcript, "\n"))
		v.trBox.Show()
	} else if transcript != nil || v.b.detail == nil || v.b.detail.ID != e.ID {
		v.transcript.SetText("")
		v.trBox.Hide()
	}
	v.empty.Hide()
	v.detail.Show()
}

// stateSentence says where the message stands, in a sentence.
func stateSentence(e queue.Entry, now time.Time) string {
	switch e.State {
	case queue.Queued:
		if !e.NextAttempt.After(now) {
			return i18n.L("Will be sent now.")
		}
		return i18n.L("Will be sent {{.When}} (at {{.Time}}).", map[string]any{
			"When": inWords(e.NextAttempt.Sub(now)), "Time": smtp.ClockTime(e.NextAttempt, now)})
	case queue.Deferred:
		if !e.NextAttempt.After(now) {
			return i18n.L("Will try again now.")
		}
		return i18n.L("Will try again {{.When}} (at {{.Time}}).", map[string]any{
			"When": inWords(e.NextAttempt.Sub(now)), "Time": smtp.ClockTime(e.NextAttempt, now)})
	case queue.Sending:
		return i18n.L("Sending: it is being sent right now.")
	case queue.Sent:
		s := i18n.L("Sent: delivered at {{.Time}}.", map[string]any{"Time": smtp.ClockTime(e.SentAt, now)})
		if e.Reply != "" {
			s += " " + i18n.L("Server reply: {{.Reply}}", map[string]any{"Reply": e.Reply})
		}
		return s
	case queue.Failed:
		return i18n.L("Failed: it will not be tried again unless you retry it.")
	}
	return e.State.Name()
}

// selectedEntry is the entry shown in detail.
func (v *outboxView) selectedEntry() (queue.Entry, bool) {
	sel := v.b.selected.Load().(string)
	for _, e := range v.b.entries {
		if e.ID == sel {
			return e, true
		}
	}
	return queue.Entry{}, false
}

// onRetry makes the selected message due now; the worker sends it at once.
func (v *outboxView) onRetry() {
	e, ok := v.selectedEntry()
	if !ok || !v.b.available() {
		return
	}
	v.retryBtn.Disable()
	v.b.background(func() {
		if err := v.b.retry(e.ID); err != nil {
			v.m.showError(i18n.L("The message could not be retried"), plainOutboxError(err))
		}
	})
}

// onRetryAll makes every deferred and failed message due now.
func (v *outboxView) onRetryAll() {
	if !v.b.available() {
		return
	}
	v.retryAll.Disable()
	v.b.background(func() {
		if _, err := v.b.retryAll(); err != nil {
			v.m.showError(i18n.L("The messages could not be retried"), plainOutboxError(err))
		}
	})
}

// onDelete removes the selected message after asking.
func (v *outboxView) onDelete() {
	e, ok := v.selectedEntry()
	if !ok || !v.b.available() {
		return
	}
	text := i18n.L("Delete the message “{{.Subject}}” to {{.To}} from the outbox? It will not be sent.", map[string]any{
		"Subject": subjectOrNone(e.Subject), "To": strings.Join(e.To, ", ")})
	if e.State == queue.Sent {
		text = i18n.L("Remove the sent message “{{.Subject}}” to {{.To}} from the list?", map[string]any{
			"Subject": subjectOrNone(e.Subject), "To": strings.Join(e.To, ", ")})
	}
	v.confirmDlg = v.m.confirmAction(i18n.L("Delete message?"), text, i18n.L("Delete"), true, func() {
		v.b.background(func() {
			if err := v.b.remove(e.ID); err != nil {
				v.m.showError(i18n.L("The message could not be deleted"), plainOutboxError(err))
			}
		})
	})
}

func (v *outboxView) onCopy() {
	v.m.app.Clipboard().SetContent(v.transcript.Text)
}

// plainOutboxError turns the outbox's errors about a message into a
// sentence for people; other errors (the database's) are kept as they are.
func plainOutboxError(err error) error {
	switch {
	case errors.Is(err, queue.ErrBusy):
		return errors.New(i18n.L("The message is being sent right now. Wait until the attempt is over, then try again."))
	case errors.Is(err, queue.ErrNotFound):
		return errors.New(i18n.L("The message is no longer in the outbox."))
	case errors.Is(err, queue.ErrAlreadySent):
		return errors.New(i18n.L("The message was already delivered."))
	}
	return err
}
