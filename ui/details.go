//go:build !nogui

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/ui/i18n"
)

// technicalDetails is a closed "Details" expander around a technical line
// (a Go error such as "dial tcp …: connection refused"). The line stays
// there to copy into a report, but in a small, muted, selectable monospace
// text, so it does not read as a second headline under the hint.
type technicalDetails struct {
	text *widget.Label
	box  *widget.Accordion
}

func newTechnicalDetails() *technicalDetails {
	d := &technicalDetails{text: wrapped("")}
	d.text.TextStyle = fyne.TextStyle{Monospace: true}
	d.text.Selectable = true
	d.text.Importance = widget.LowImportance
	d.text.SizeName = theme.SizeNameCaptionText
	d.box = widget.NewAccordion(widget.NewAccordionItem(i18n.L("Details"), d.text))
	d.box.Hide()
	return d
}

// set shows line behind the closed expander, or hides it when line is "".
func (d *technicalDetails) set(line string) {
	d.text.SetText(line)
	d.box.CloseAll()
	if line == "" {
		d.box.Hide()
	} else {
		d.box.Show()
	}
}
