//go:build !nogui

package ui

import (
	"errors"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
)

// field is one labelled input of a step: the label above it, the input, and a
// line under it that says why the value is invalid (with an error icon, so the
// state is never shown by colour alone) or, while the field is untouched, a
// neutral hint.
type field struct {
	label    *widget.Label
	input    fyne.CanvasObject // the entry, or the entry with a button beside it
	entry    *widget.Entry
	msg      *widget.Label
	msgIcon  *widget.Icon
	msgRow   *fyne.Container
	hint     string
	validate func(string) error
	touched  bool
	optional bool // an empty optional field is valid and shows its hint
}

// newField makes a field around entry. validate may be nil (always valid).
// It becomes the entry's Validator too, so the entry shows its own error
// marker as Fyne's forms do.
func newField(label string, entry *widget.Entry, hint string, validate func(string) error) *field {
	f := &field{
		label:    widget.NewLabelWithStyle(label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		entry:    entry,
		input:    entry,
		hint:     hint,
		validate: validate,
		msg:      widget.NewLabel(""),
		msgIcon:  widget.NewIcon(theme.ErrorIcon()),
	}
	f.msg.Wrapping = fyne.TextWrapWord
	f.msg.SizeName = theme.SizeNameCaptionText
	f.msgRow = container.NewBorder(nil, nil, container.NewCenter(f.msgIcon), nil, f.msg)
	if validate != nil {
		entry.Validator = func(s string) error { return validate(s) }
	}
	f.refresh()
	return f
}

// required is a field's check when it must not be empty: empty says so
// (the sentence given), anything else goes to check.
func required(empty string, check func(string) error) func(string) error {
	return func(t string) error {
		if strings.TrimSpace(t) == "" {
			return errors.New(empty)
		}
		return check(t)
	}
}

// withButton puts a button to the right of the entry (e.g. "Browse…").
func (f *field) withButton(b *widget.Button) *field {
	f.input = container.NewBorder(nil, nil, nil, b, f.entry)
	return f
}

// object is the field as it appears in a step: label, input, message.
func (f *field) object() fyne.CanvasObject {
	return container.NewVBox(f.label, f.input, f.msgRow)
}

// err is the current validation error of the field (nil if valid).
func (f *field) err() error {
	if f.validate == nil {
		return nil
	}
	if f.optional && f.entry.Text == "" {
		return nil
	}
	return f.validate(f.entry.Text)
}

// refresh updates the message under the field. An error is shown once the
// person has typed in the field or when it holds text; an untouched empty
// field shows its hint instead, so a fresh form is not a wall of red.
func (f *field) refresh() {
	err := f.err()
	show := err != nil && (f.touched || f.entry.Text != "")
	switch {
	case show:
		f.msg.SetText(humanError(err))
		f.msg.Importance = widget.DangerImportance
		f.msgIcon.Show()
	default:
		f.msg.SetText(f.hint)
		f.msg.Importance = widget.MediumImportance
		f.msgIcon.Hide()
	}
	f.msg.Refresh()
	if f.msg.Text == "" {
		f.msgRow.Hide()
	} else {
		f.msgRow.Show()
	}
}

// set replaces the text without counting as an edit by the person.
func (f *field) set(text string) {
	if f.entry.Text != text {
		f.entry.SetText(text)
	}
	f.refresh()
}

// showing reports whether the field's message currently shows an error.
func (f *field) showing() bool {
	return f.msgIcon.Visible()
}

// humanError is a validation error from package smtp as a sentence for
// people, in the window's language (smtp.Explain).
func humanError(err error) string {
	if err == nil {
		return ""
	}
	return smtp.Explain(err)
}

// fieldError runs the profile's own validation and returns the problem it
// reports for one field (by JSON name: "helo", "timeout", ...), or nil.
func fieldError(p smtp.Profile, name string) error {
	err := p.Validate()
	if err == nil {
		return nil
	}
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var fe *smtp.FieldError
		if errors.As(e, &fe) && fe.Field == name {
			return fe.Err
		}
	}
	return nil
}

// notice is a row with an icon and a wrapped text: a warning, a note or an
// error shown in place. The icon and the words carry the meaning; the colour
// only repeats it.
type notice struct {
	icon  *widget.Icon
	text  *widget.Label
	box   *fyne.Container
	extra *fyne.Container
}

func newNotice(icon fyne.Resource, text string, imp widget.Importance) *notice {
	n := &notice{icon: widget.NewIcon(icon), text: widget.NewLabel(text), extra: container.NewVBox()}
	n.text.Wrapping = fyne.TextWrapWord
	n.text.Importance = imp
	n.box = container.NewBorder(nil, n.extra, container.NewVBox(n.icon), nil, n.text)
	return n
}

func (n *notice) set(icon fyne.Resource, text string, imp widget.Importance) {
	n.icon.SetResource(icon)
	n.text.Importance = imp
	n.text.SetText(text)
}

// fixedColumns lays out its objects in a row: the first len(widths) objects
// get at least those widths, the last one takes the remaining space. Rows
// built with it line up like a table without a table's scrolling.
type fixedColumns struct {
	widths []float32
}

func (l *fixedColumns) width(i int, obj fyne.CanvasObject) float32 {
	if i < len(l.widths) {
		return max(l.widths[i], obj.MinSize().Width)
	}
	return obj.MinSize().Width
}

func (l *fixedColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	x := float32(0)
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		w := l.width(i, o)
		if i == len(objs)-1 {
			w = max(size.Width-x, 0)
		}
		h := o.MinSize().Height
		if i == len(objs)-1 {
			h = size.Height
		}
		o.Move(fyne.NewPos(x, (size.Height-h)/2))
		o.Resize(fyne.NewSize(w, h))
		x += w + pad
	}
}

func (l *fixedColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	var w, h float32
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		w += l.width(i, o) + pad
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(w, h)
}

// compactTheme is the app's theme with less space inside widgets, for lists
// of short rows (the test stages) that should fit without scrolling. It asks
// the app for the theme on every call, so it follows light and dark.
type compactTheme struct{}

func (compactTheme) base() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }

func (t compactTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return t.base().Color(n, v)
}

func (t compactTheme) Font(s fyne.TextStyle) fyne.Resource { return t.base().Font(s) }

func (t compactTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base().Icon(n) }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return t.base().Size(n) / 2
	}
	return t.base().Size(n)
}

// displayText adapts text from the core for the window's font: the menu
// paths in the provider notes ("Settings → Account") use an arrow that the
// bundled font lacks, and drawing it makes Fyne load and scan the system's
// fallback fonts (slow, and a lot of memory) just to start. "›" reads the same.
func displayText(s string) string {
	return strings.ReplaceAll(s, "→", "›")
}

// heading is a bold label of the larger "subheading" size.
func heading(text string) *widget.Label {
	l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

// newTwoLineItem is a list row of two lines cut short with an ellipsis: a
// bold title, and a caption under it. twoLines gives its labels back.
func newTwoLineItem() fyne.CanvasObject {
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	caption := widget.NewLabel("")
	caption.SizeName = theme.SizeNameCaptionText
	caption.Truncation = fyne.TextTruncateEllipsis
	return container.NewVBox(title, caption)
}

// twoLines are the title and caption labels of a newTwoLineItem row.
func twoLines(row fyne.CanvasObject) (title, caption *widget.Label) {
	box := row.(*fyne.Container)
	return box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label)
}

// highlight marks the button to a view as the one whose view is shown.
func highlight(b *widget.Button, shown bool) {
	if shown {
		b.Importance = widget.HighImportance
	} else {
		b.Importance = widget.MediumImportance
	}
	b.Refresh()
}

// wrapped is a label that wraps at word boundaries.
func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}
