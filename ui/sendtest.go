//go:build !nogui

package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// testStep is the last page: send a test message or check the connection,
// watch each stage, read the result and the transcript.
type testStep struct {
	wz *wizard

	recipient *field
	sendBtn   *widget.Button
	checkBtn  *widget.Button
	cancelBtn *widget.Button
	elapsed   *widget.Label
	rows      map[smtp.Stage]*stageRow
	rowList   *fyne.Container

	result       *fyne.Container
	resultIcon   *widget.Icon
	resultTitle  *widget.Label
	resultText   *widget.Label
	resultReply  *widget.Label
	resultMore   *technicalDetails // a technical error line, behind "Details"
	openInbox    *widget.Button
	queuedIcon   *widget.Icon
	queuedText   *widget.Label
	queuedMore   *widget.Label
	openOutbox   *widget.Button
	queuedRow    *fyne.Container
	queuedEntry  queue.Entry // the message just queued, which openOutbox selects
	fixBtn       *widget.Button
	fixStep      string // the step fixBtn opens
	transcript   *widget.Label
	transcriptSc *container.Scroll
	copyBtn      *widget.Button

	// bgRun is the test or check that runs, if any.
	bgRun
	started  time.Time
	report   smtp.Report
	lines    []string
	checking bool
	// recipientAuto is set while the recipient follows the From address.
	recipientAuto bool
	// recipientText is a recipient typed before the window was redrawn.
	recipientText string
}

func newTestStep(wz *wizard) *testStep {
	return &testStep{wz: wz, rows: map[smtp.Stage]*stageRow{}, recipientAuto: true}
}

// heading is the step's title and the sentence under it.
func (s *testStep) heading() (title, intro string) {
	return i18n.L("Test"),
		i18n.L("Send a test message to prove the settings work. Each stage shows as it happens.")
}

func (s *testStep) view() fyne.CanvasObject {
	wz := s.wz
	rcpt := widget.NewEntry()
	rcpt.SetPlaceHolder("ann@example.com")
	s.recipient = newField(i18n.L("Send to"), rcpt, "", func(t string) error {
		if strings.TrimSpace(t) == "" {
			return errors.New(i18n.L("Enter the address to send the test message to."))
		}
		return smtp.ValidateAddress(t)
	})
	rcpt.OnChanged = func(string) {
		if wz.loading {
			return
		}
		s.recipient.touched = true
		s.recipientAuto = false
		s.recipient.refresh()
		s.updateButtons()
		wz.update()
	}
	rcpt.OnSubmitted = func(string) { s.onSend() }
	if s.recipientText != "" {
		s.recipient.set(s.recipientText) // the view is built while loading
	}

	s.sendBtn = widget.NewButtonWithIcon(i18n.L("Send test email"), theme.MailSendIcon(), s.onSend)
	s.sendBtn.Importance = widget.HighImportance
	s.checkBtn = widget.NewButtonWithIcon(i18n.L("Check connection"), theme.SearchIcon(), s.onCheck)
	s.cancelBtn = widget.NewButtonWithIcon(i18n.L("Cancel"), theme.CancelIcon(), s.onCancel)
	s.cancelBtn.Disable()
	s.elapsed = widget.NewLabel("")

	s.rowList = container.NewVBox()
	for _, st := range testStages {
		r := newStageRow(st)
		s.rows[st] = r
		s.rowList.Add(r.box)
	}

	s.resultIcon = widget.NewIcon(theme.InfoIcon())
	s.resultTitle = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.resultTitle.SizeName = theme.SizeNameSubHeadingText
	s.resultText = wrapped("")
	s.resultReply = wrapped("")
	s.resultReply.TextStyle = fyne.TextStyle{Monospace: true}
	s.resultReply.Selectable = true
	s.openInbox = widget.NewButtonWithIcon(i18n.L("Open the test inbox"), theme.MailComposeIcon(), wz.m.showInbox)
	s.openInbox.Hide()
	s.fixBtn = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), s.onFix)
	s.fixBtn.Hide()
	titleRow := container.NewBorder(nil, nil, s.resultIcon, container.NewHBox(s.fixBtn, s.openInbox), s.resultTitle)
	s.queuedIcon = widget.NewIcon(theme.HistoryIcon())
	s.queuedText = wrapped("")
	s.queuedText.TextStyle = fyne.TextStyle{Bold: true}
	s.queuedMore = wrapped("")
	s.openOutbox = widget.NewButtonWithIcon(i18n.L("Open the outbox"), theme.UploadIcon(), func() { wz.m.outboxView.showQueued(s.queuedEntry) })
	s.queuedRow = container.NewBorder(nil, nil, container.NewVBox(s.queuedIcon), container.NewVBox(s.openOutbox), container.NewVBox(s.queuedText, s.queuedMore))
	s.queuedRow.Hide()
	s.resultMore = newTechnicalDetails()
	s.result = container.NewVBox(titleRow, s.resultText, s.resultReply, s.resultMore.box, s.queuedRow, widget.NewSeparator())
	s.result.Hide()

	s.transcript = widget.NewLabel("")
	s.transcript.TextStyle = fyne.TextStyle{Monospace: true}
	s.transcript.Selectable = true
	s.transcriptSc = container.NewScroll(s.transcript)
	s.copyBtn = widget.NewButtonWithIcon(i18n.L("Copy"), theme.ContentCopyIcon(), s.onCopy)
	s.copyBtn.Disable()
	trHead := container.NewBorder(nil, nil,
		widget.NewLabelWithStyle(i18n.L("Transcript (passwords hidden)"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		s.copyBtn)

	actions := container.NewHBox(s.sendBtn, s.checkBtn, s.cancelBtn, s.elapsed)
	to := container.NewBorder(nil, nil, s.recipient.label, nil, s.recipient.entry)
	top := container.NewVBox(to, s.recipient.msgRow, actions, widget.NewSeparator())
	// The result goes above the stages, where it is seen without scrolling.
	rows := container.NewThemeOverride(s.rowList, compactTheme{})
	progress := container.NewVScroll(container.NewVBox(s.result, rows))
	trans := container.NewBorder(trHead, nil, nil, nil, s.transcriptSc)
	split := container.NewVSplit(progress, trans)
	split.Offset = 0.8
	return container.NewBorder(top, nil, nil, nil, split)
}

func (s *testStep) enter() {
	wz := s.wz
	if s.recipientAuto {
		_, addr, err := smtp.ParseAddress(wz.draft.From)
		if err != nil {
			addr = wz.draft.From
		}
		s.recipient.set(addr)
	}
	s.updateButtons()
}

func (s *testStep) valid() bool {
	if s.recipient == nil {
		return true
	}
	return s.recipient.err() == nil
}

func (s *testStep) updateButtons() {
	ready := !s.running && s.recipient.err() == nil && !s.wz.isNew && !s.wz.dirty
	if ready {
		s.sendBtn.Enable()
	} else {
		s.sendBtn.Disable()
	}
	if !s.running && !s.wz.isNew && !s.wz.dirty {
		s.checkBtn.Enable()
	} else {
		s.checkBtn.Disable()
	}
	if s.running {
		s.cancelBtn.Enable()
	} else {
		s.cancelBtn.Disable()
	}
}

func (s *testStep) onSend()  { s.start(false) }
func (s *testStep) onCheck() { s.start(true) }

// start runs a test send (or a check) in the background and returns at
// once. Progress events and the final report come back through mainUI.ui.
func (s *testStep) start(check bool) {
	wz := s.wz
	if s.running || wz.isNew || wz.dirty {
		return
	}
	to := strings.TrimSpace(s.recipient.entry.Text)
	if !check && smtp.ValidateAddress(to) != nil {
		s.recipient.touched = true
		s.recipient.refresh()
		return
	}
	p := wz.draft
	ctx, _, run := s.begin()
	s.checking = check
	s.started = time.Now()
	s.lines = nil
	s.reset(check)
	s.updateButtons()

	m := wz.m
	tr := smtp.NewTranscript()
	progress := func(ev smtp.Event) {
		m.ui(func() {
			if s.run == run {
				s.onEvent(ev)
			}
		})
	}
	go s.tick(ctx, run, tr)
	go func() {
		var rep smtp.Report
		var q queuedTest
		prepared, err := m.local.prepare(p)
		if err != nil {
			rep = smtp.FailedReport(p, err)
		} else {
			// The password, or for a signed-in (xoauth2) profile a fresh
			// access token: the same options as the outbox's deliveries.
			opts := m.core.SendOptions(prepared)
			opts.Progress, opts.Transcript = progress, tr
			if check {
				rep = smtp.Check(ctx, opts).Report
			} else {
				// A temporary failure is kept in the outbox and sent again
				// by itself.
				res := m.core.Test(ctx, opts, []string{to}, false)
				rep = res.Report
				q = queuedTest{tried: res.QueueTried, entry: res.Entry, err: res.QueueErr}
				if res.QueueTried && res.QueueErr == nil {
					m.outbox.refresh()
				}
			}
		}
		m.ui(func() {
			if s.run == run {
				s.finish(rep, prepared, q)
			}
		})
	}()
}

// tick updates the elapsed time and the live transcript while a run lasts.
func (s *testStep) tick(ctx context.Context, run int, tr *smtp.Transcript) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			lines := tr.Lines()
			s.wz.m.ui(func() {
				if s.run == run && s.running {
					s.showElapsed(time.Since(s.started))
					if len(lines) != len(s.lines) {
						s.setTranscript(lines)
					}
				}
			})
		}
	}
}

func (s *testStep) showElapsed(d time.Duration) {
	s.elapsed.SetText(i18n.L("Elapsed: {{.Time}}", map[string]any{"Time": formatElapsed(d)}))
}

// formatElapsed is "340 ms" below a second, else "2.4 s".
func formatElapsed(d time.Duration) string {
	if d < time.Second {
		return i18n.L("{{.Count}} ms", map[string]any{"Count": d.Milliseconds()})
	}
	return i18n.L("{{.Seconds}} s", map[string]any{"Seconds": fmt.Sprintf("%.1f", d.Seconds())})
}

func (s *testStep) setTranscript(lines []string) {
	s.lines = lines
	s.transcript.SetText(strings.Join(lines, "\n"))
	if len(lines) > 0 {
		s.copyBtn.Enable()
	} else {
		s.copyBtn.Disable()
	}
	if s.running {
		// Follow the conversation while it happens.
		s.transcriptSc.ScrollToBottom()
	}
}

// reset puts every row back to waiting and hides the last result.
func (s *testStep) reset(check bool) {
	for _, st := range testStages {
		r := s.rows[st]
		r.set(rowWaiting, "")
		if check && sendStages[st] {
			r.box.Hide()
		} else {
			r.box.Show()
		}
	}
	s.rowList.Refresh()
	s.result.Hide()
	s.queuedRow.Hide()
	s.openInbox.Hide()
	s.fixBtn.Hide()
	s.showElapsed(0)
	s.setTranscript(nil)
}

// onEvent draws one progress event.
func (s *testStep) onEvent(ev smtp.Event) {
	r, ok := s.rows[ev.Stage]
	if !ok {
		return
	}
	// A fast server finishes stages between two ticks: the time shown
	// keeps up with the stages, never "0 ms" beside a finished one.
	if s.running {
		s.showElapsed(time.Since(s.started))
	}
	switch ev.Status {
	case smtp.StatusRunning:
		r.set(rowRunning, runningText(ev.Stage, ev.Detail))
	case smtp.StatusOK:
		d := ev.Detail
		if d == "" {
			d = i18n.L("Done")
		}
		r.set(rowOK, d)
	case smtp.StatusFailed:
		r.set(rowFailed, ev.Detail)
	case smtp.StatusSkipped:
		r.set(rowSkipped, ev.Detail)
	}
}

// queuedTest is what became of a test message that failed temporarily:
// put in the outbox (entry), or not (err).
type queuedTest struct {
	tried bool
	entry queue.Entry
	err   error
}

// finish shows the report: the result card, the final row states and the
// transcript.
func (s *testStep) finish(rep smtp.Report, p smtp.Profile, q queuedTest) {
	s.finished()
	s.report = rep
	s.showElapsed(time.Since(s.started))
	s.setTranscript(rep.Transcript)
	s.transcriptSc.ScrollToTop()

	cancelled := rep.Kind == smtp.KindCanceled
	for _, st := range testStages {
		r := s.rows[st]
		switch {
		case cancelled && (r.state == rowRunning || r.state == rowFailed):
			r.set(rowCancelled, i18n.L("Stopped by you."))
		case r.state == rowRunning && !rep.OK:
			r.set(rowFailed, rep.Message)
		case r.state == rowWaiting && !rep.OK:
			r.set(rowNotReached, "")
		}
	}

	reply := ""
	if rep.Message != "" {
		reply = i18n.L("Server reply: {{.Reply}}", map[string]any{"Reply": rep.Message})
	}
	switch {
	case cancelled:
		s.showResult(theme.NewWarningThemedResource(theme.MediaStopIcon()), i18n.L("Cancelled"),
			i18n.L("The test was stopped before it finished. Nothing more will be sent."), "")
	case rep.OK && s.checking:
		s.showResult(theme.NewSuccessThemedResource(theme.ConfirmIcon()), i18n.L("Connection works"),
			i18n.L("Connected, encrypted and signed in. Nothing was sent."), reply)
	case rep.OK:
		s.showResult(theme.NewSuccessThemedResource(theme.ConfirmIcon()), i18n.L("Test message delivered"),
			i18n.L("The server accepted the test message for {{.To}} and replied: {{.Reply}}", map[string]any{
				"To": strings.Join(rep.To, ", "), "Reply": rep.Message}), "")
		if p.Preset == "local" {
			s.openInbox.Show()
		}
	default:
		title := i18n.L("Failed at: {{.Stage}}", map[string]any{"Stage": smtp.StageName(rep.Stage, smtp.Title)})
		text := remedyText(rep.Hint, rep.Remedy)
		s.offerFix(rep)
		if rep.Temporary && !q.tried {
			text += "\n" + i18n.L("This looks temporary: trying again later may work.")
		}
		// Without a server reply the message is a technical error: it
		// goes behind "Details", under the hint that explains it.
		details := ""
		switch {
		case rep.Code != 0 || rep.Message == "":
		case strings.TrimSpace(text) != "":
			reply, details = "", rep.Message
		default:
			// No hint explains it: the error line is all there is to say.
			reply = i18n.L("Error: {{.Message}}", map[string]any{"Message": rep.Message})
		}
		s.showResult(theme.NewErrorThemedResource(theme.ErrorIcon()), title, text, reply)
		s.resultMore.set(details)
		s.showQueued(q)
	}
	s.updateButtons()
}

// showQueued says whether the failed test message waits in the outbox.
func (s *testStep) showQueued(q queuedTest) {
	if !q.tried {
		return
	}
	s.queuedEntry = q.entry
	if q.err == nil {
		s.queuedIcon.SetResource(theme.NewWarningThemedResource(theme.HistoryIcon()))
		s.queuedText.Importance = widget.MediumImportance
		s.queuedText.SetText(i18n.L("Queued: will retry at {{.Time}}", map[string]any{"Time": smtp.ClockTime(q.entry.NextAttempt, time.Now())}))
		s.queuedMore.SetText(i18n.L("The message waits in the outbox and is sent by itself while this window is open."))
		s.queuedMore.Show()
		s.openOutbox.Show()
	} else {
		s.queuedIcon.SetResource(theme.NewErrorThemedResource(theme.WarningIcon()))
		s.queuedText.Importance = widget.DangerImportance
		s.queuedText.SetText(i18n.L("Not queued: the message could not be put in the outbox, so it will not be retried."))
		s.queuedMore.SetText(problemText(q.err))
		s.queuedMore.Show()
		if s.wz.m.outbox.available() {
			s.openOutbox.Hide()
		} else {
			s.openOutbox.Show() // the Outbox view explains the problem
		}
	}
	s.queuedRow.Show()
	s.result.Refresh()
}

// offerFix shows a button to the step where a failure is most likely fixed.
func (s *testStep) offerFix(rep smtp.Report) {
	switch rep.Stage {
	case smtp.StageConnect, smtp.StageTLS, smtp.StageEHLO:
		s.fixStep = stepServer
		s.fixBtn.SetText(i18n.L("Change the server settings"))
	case smtp.StageAuth:
		s.fixStep = stepAccount
		s.fixBtn.SetText(i18n.L("Change the sign-in details"))
	case smtp.StageSetup:
		switch {
		case rep.Remedy.Action == smtp.RemedyStorePassword || rep.Kind == smtp.KindKeyring:
			s.fixStep = stepAccount
			s.fixBtn.SetText(i18n.L("Enter the password"))
		case rep.Remedy.Action == smtp.RemedySignIn:
			s.fixStep = stepAccount
			s.fixBtn.SetText(i18n.L("Change the sign-in details"))
		default:
			s.fixStep = stepServer
			s.fixBtn.SetText(i18n.L("Change the server settings"))
		}
	case smtp.StageMail, smtp.StageData:
		s.fixStep = stepAccount
		s.fixBtn.SetText(i18n.L("Change the sender"))
	default:
		s.fixStep = ""
		s.fixBtn.Hide()
		return
	}
	s.fixBtn.Show()
}

// onFix opens the step that offerFix chose.
func (s *testStep) onFix() {
	for i, st := range s.wz.steps {
		if st.ID == s.fixStep {
			s.wz.goTo(i)
			return
		}
	}
}

func (s *testStep) showResult(icon fyne.Resource, title, text, reply string) {
	s.resultIcon.SetResource(icon)
	s.resultTitle.SetText(title)
	s.resultText.SetText(text)
	s.resultReply.SetText(reply)
	if reply == "" {
		s.resultReply.Hide()
	} else {
		s.resultReply.Show()
	}
	s.resultMore.set("")
	s.result.Show()
	s.result.Refresh()
}

// onCancel stops the run: the context closes the connection, and the
// report that follows says "cancelled".
func (s *testStep) onCancel() {
	if s.running && s.cancel != nil {
		s.cancel()
		s.cancelBtn.Disable()
	}
}

func (s *testStep) onCopy() {
	s.wz.m.app.Clipboard().SetContent(strings.Join(s.lines, "\n"))
}

// stop cancels a run in progress (the profile is being closed).
func (s *testStep) stop() {
	s.abandon()
}
