//go:build !nogui

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// rowState is what a stage row shows. It extends smtp.Status with the states
// before a run (waiting), after a failure elsewhere (not reached) and after
// Cancel.
type rowState string

const (
	rowWaiting    rowState = "waiting"
	rowRunning    rowState = "running"
	rowOK         rowState = "ok"
	rowFailed     rowState = "failed"
	rowSkipped    rowState = "skipped"
	rowNotReached rowState = "not-reached"
	rowCancelled  rowState = "cancelled"
)

// stageRow is one line of the progress list: an icon (a spinner while
// running), the stage's name, a word for its state and the detail.
type stageRow struct {
	stage  smtp.Stage
	state  rowState
	icon   *widget.Icon
	spin   *widget.Activity
	name   *widget.Label
	word   *widget.Label
	detail *widget.Label
	box    *fyne.Container
}

// testStages are the stages shown, in order.
var testStages = []smtp.Stage{
	smtp.StageConnect, smtp.StageTLS, smtp.StageEHLO, smtp.StageAuth,
	smtp.StageMail, smtp.StageRcpt, smtp.StageData,
}

// sendStages are the stages only a send passes (Check stops after AUTH).
var sendStages = map[smtp.Stage]bool{smtp.StageMail: true, smtp.StageRcpt: true, smtp.StageData: true}

// runningText is what a stage says while it runs; detail is the event's.
func runningText(s smtp.Stage, detail string) string {
	switch s {
	case smtp.StageConnect:
		return i18n.L("Connecting to {{.Addr}}…", map[string]any{"Addr": detail})
	case smtp.StageTLS:
		return i18n.L("Setting up encryption…")
	case smtp.StageEHLO:
		return i18n.L("Introducing this computer…")
	case smtp.StageAuth:
		return i18n.L("Signing in…")
	case smtp.StageMail:
		return i18n.L("Giving the sender {{.From}}…", map[string]any{"From": detail})
	case smtp.StageRcpt:
		return i18n.L("Giving the recipient {{.To}}…", map[string]any{"To": detail})
	case smtp.StageData:
		return i18n.L("Sending the message ({{.Size}})…", map[string]any{"Size": detail})
	}
	return i18n.L("Working…")
}

// stateWords are the words for the row states, English keys of the
// catalogs.
var stateWords = map[rowState]string{
	rowWaiting:    "Waiting",
	rowRunning:    "Running",
	rowOK:         "OK",
	rowFailed:     "Failed",
	rowSkipped:    "Skipped",
	rowNotReached: "Not reached",
	rowCancelled:  "Cancelled",
}

// stateWord is the word for a row state in the person's language.
func stateWord(s rowState) string {
	if key, ok := stateWords[s]; ok {
		return i18n.L(key)
	}
	return string(s)
}

func newStageRow(st smtp.Stage) *stageRow {
	r := &stageRow{stage: st, icon: widget.NewIcon(nil), spin: widget.NewActivity()}
	r.name = widget.NewLabelWithStyle(smtp.StageName(st, smtp.Title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.word = widget.NewLabel("")
	r.detail = widget.NewLabel("")
	r.detail.Wrapping = fyne.TextWrapWord
	r.spin.Hide()
	icon := container.NewStack(r.icon, r.spin)
	r.box = container.New(&firstLineColumns{fixedColumns{widths: []float32{24, 160, 100}}}, icon, r.name, r.word, r.detail)
	r.set(rowWaiting, "")
	return r
}

// set changes the row's state; the icon and the word both say it.
func (r *stageRow) set(state rowState, detail string) {
	r.state = state
	r.word.SetText(stateWord(state))
	r.detail.SetText(detail)
	if state == rowRunning {
		r.icon.Hide()
		r.spin.Show()
		r.spin.Start()
	} else {
		r.spin.Stop()
		r.spin.Hide()
		r.icon.Show()
	}
	icon, imp := stateLook(state)
	if icon != nil {
		r.icon.SetResource(icon)
	}
	r.word.Importance = imp
	r.word.Refresh()
}

// stateLook is a row state's icon (nil while running: the spinner shows
// instead) and its word's importance.
func stateLook(s rowState) (fyne.Resource, widget.Importance) {
	switch s {
	case rowWaiting, rowNotReached:
		return theme.RadioButtonIcon(), widget.MediumImportance
	case rowOK:
		return theme.NewSuccessThemedResource(theme.ConfirmIcon()), widget.SuccessImportance
	case rowFailed:
		return theme.NewErrorThemedResource(theme.CancelIcon()), widget.DangerImportance
	case rowSkipped:
		return theme.NewDisabledResource(theme.ContentRemoveIcon()), widget.LowImportance
	case rowCancelled:
		return theme.NewWarningThemedResource(theme.MediaStopIcon()), widget.WarningImportance
	}
	return nil, widget.MediumImportance
}

// firstLineColumns lays out a stage row as fixedColumns does, but lines the
// icon, the name and the word up with the first line of the detail: when
// the detail wraps, they stay beside its first line (they would otherwise
// float to the middle of the row, above or below every line of text).
type firstLineColumns struct {
	fixedColumns
}

func (l *firstLineColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.fixedColumns.Layout(objs, size)
	if len(objs) < 2 {
		return
	}
	// The name is one line of label text: its height is the line's.
	line := objs[1].MinSize().Height
	for _, o := range objs[:len(objs)-1] {
		o.Move(fyne.NewPos(o.Position().X, max((line-o.Size().Height)/2, 0)))
	}
}
