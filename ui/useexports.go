//go:build !nogui

package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/export"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// prefExportTab is the export tab shown last (its format ID).
const prefExportTab = "use.export"

// exportTabs shows a profile's settings for other programs, one tab per
// format (smtp/export), each with a Copy button. The password is never in
// them: the window has no --with-password.
type exportTabs struct {
	m     *mainUI
	tabs  *container.AppTabs
	body  *fyne.Container          // the selected format's page
	pages []fyne.CanvasObject      // each format's page, in tab order
	ids   []string                 // format IDs, in tab order
	texts map[string]*widget.Label // the exported text, by format ID
	copy  map[string]*widget.Button
	root  fyne.CanvasObject
}

func newExportTabs(m *mainUI, p smtp.Profile) *exportTabs {
	x := &exportTabs{m: m, texts: map[string]*widget.Label{}, copy: map[string]*widget.Button{}}
	// The tabs are only the bar: AppTabs would make every page as tall as
	// the longest program, so the selected page is shown below it instead.
	x.tabs = container.NewAppTabs()
	x.body = container.NewStack()
	selected := m.app.Preferences().String(prefExportTab)
	for _, f := range export.Formats() {
		x.ids = append(x.ids, f.ID)
		x.pages = append(x.pages, x.tab(f, p))
		x.tabs.Append(container.NewTabItem(exportTitle(f), layoutSpacer()))
		if f.ID == selected {
			x.tabs.SelectIndex(len(x.ids) - 1)
		}
	}
	x.tabs.OnSelected = func(*container.TabItem) { x.selected(true) }
	x.selected(false)
	x.root = container.NewVBox(x.tabs, x.body)
	return x
}

// selected shows the page of the selected tab, and remembers it when the
// person chose it.
func (x *exportTabs) selected(chosen bool) {
	i := x.tabs.SelectedIndex()
	if i < 0 || i >= len(x.pages) {
		return
	}
	x.body.Objects = []fyne.CanvasObject{x.pages[i]}
	x.body.Refresh()
	if chosen {
		x.m.app.Preferences().SetString(prefExportTab, x.ids[i])
	}
}

// exportTitle names a format's tab: the program's name, which is not
// translated, except the one tab that is not a program.
func exportTitle(f export.Format) string {
	if f.ID == "env" {
		return i18n.L("Environment")
	}
	return f.Title
}

// exportNote says where the exported settings find the password.
func exportNote(p smtp.Profile) string {
	switch {
	case p.NeedsSecret() && p.Auth == smtp.AuthXOAUTH2:
		return i18n.L("This profile signs in with OAuth2: these programs need a current access token in the environment variable SMTP_PASSWORD. The relay and the sendmail command sign in for you.")
	case p.NeedsSecret():
		return i18n.L("None of these contains your password: they read it from your keyring, or from the environment variable SMTP_PASSWORD, when they run.")
	}
	return i18n.L("This profile does not sign in, so these settings need no password.")
}

// tab is one format: what it is, the text and its Copy button.
func (x *exportTabs) tab(f export.Format, p smtp.Profile) fyne.CanvasObject {
	text, err := export.Render(f.ID, p, export.Options{})
	code := codeLabel()
	btn := x.m.copyButton(func() string { return code.Text })
	x.texts[f.ID], x.copy[f.ID] = code, btn
	desc := wrapped(f.LocalDescription())
	head := container.NewBorder(nil, nil, nil, container.NewVBox(btn), desc)
	if err != nil {
		btn.Disable()
		n := newNotice(theme.WarningIcon(), exportProblem(f, err), widget.WarningImportance)
		return container.NewVBox(head, n.box)
	}
	code.SetText(text)
	return container.NewVBox(head, widget.NewSeparator(), code)
}

// exportProblem says why a format cannot be made for this profile.
func exportProblem(f export.Format, err error) string {
	switch {
	case errors.Is(err, export.ErrOAuth2):
		return i18n.L("{{.Program}} cannot sign in with OAuth2, which this profile uses. Let it send through the relay or the sendmail command instead: they sign in for it.", map[string]any{"Program": f.Title})
	case errors.Is(err, export.ErrNoFrom):
		return i18n.L("This profile has no sender address yet; add one on the Account step.")
	case errors.Is(err, export.ErrNotExpressible), errors.Is(err, export.ErrUnsafeValue):
		return i18n.L("A setting of this profile cannot be written for {{.Program}}: {{.Error}}", map[string]any{"Program": f.Title, "Error": err.Error()})
	}
	return humanError(err)
}
