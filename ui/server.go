//go:build !nogui

package ui

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// serverStep is the second page: host, port, security, authentication and
// the advanced settings, with the core's mismatch warnings inline.
type serverStep struct {
	wz *wizard

	host     *field
	port     *field
	security *widget.RadioGroup
	portNote *notice
	usePort  *widget.Button
	auth     *widget.Select

	helo       *field
	timeout    *field
	caFile     *field
	browse     *widget.Button
	skipVerify *widget.Check
	skipWarn   *notice
	advanced   *widget.Accordion

	warnings *fyne.Container

	// byHand records the fields the person edited, which a late
	// detection result must not overwrite.
	byHand  struct{ host, port, security, auth bool }
	detLine *detectLine

	// suggestedPort is what usePort would set.
	suggestedPort int
	fileDlg       *dialog.FileDialog
}

func newServerStep(wz *wizard) *serverStep {
	return &serverStep{wz: wz}
}

// heading is the step's title and the sentence under it.
func (s *serverStep) heading() (title, intro string) {
	return i18n.L("Server"),
		i18n.L("These are the outgoing (SMTP) server settings. The provider's values are filled in; change them only if your provider says otherwise.")
}

func securityFromLabel(l string) smtp.Security {
	for _, s := range smtp.Securities {
		if smtp.SecurityName(s, smtp.Title) == l {
			return s
		}
	}
	return ""
}

func authFromLabel(l string) smtp.AuthMethod {
	for _, a := range smtp.AuthMethods {
		if smtp.AuthName(a, smtp.Title) == l {
			return a
		}
	}
	return ""
}

// parsePort reads the port field.
func parsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New(i18n.L("Enter the port number, usually 587 (STARTTLS) or 465 (SSL/TLS)."))
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New(i18n.L("“{{.Text}}” is not a number; enter the port as digits, for example 587.", map[string]any{"Text": s}))
	}
	return n, smtp.ValidatePort(n)
}

// parseTimeout reads the timeout field: seconds, or a Go duration ("1m").
// Empty means the default.
func parseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New(i18n.L("“{{.Text}}” is not a time; enter seconds, for example 30.", map[string]any{"Text": s}))
	}
	return d, nil
}

func formatTimeout(d smtp.Duration) string {
	if d == 0 {
		return ""
	}
	t := time.Duration(d)
	if t%time.Second == 0 {
		return strconv.Itoa(int(t / time.Second))
	}
	return t.String()
}

func (s *serverStep) view() fyne.CanvasObject {
	wz := s.wz
	hostEntry := widget.NewEntry()
	hostEntry.SetPlaceHolder("smtp.example.com")
	s.host = newField(i18n.L("Server (host)"), hostEntry, i18n.L("The outgoing mail server's name."),
		required(i18n.L("Enter the server name, for example smtp.example.com."), smtp.ValidateHost))
	wz.edits(s.host, s.edited, func(t string) {
		s.byHand.host = true
		wz.draft.Host = strings.TrimSpace(t)
	})

	portEntry := widget.NewEntry()
	portEntry.SetPlaceHolder("587")
	s.port = newField(i18n.L("Port"), portEntry, "", func(t string) error {
		_, err := parsePort(t)
		return err
	})
	wz.edits(s.port, s.edited, func(t string) {
		s.byHand.port = true
		wz.draft.Port, _ = strconv.Atoi(strings.TrimSpace(t))
		s.portNote.box.Hide()
	})

	s.security = widget.NewRadioGroup([]string{
		smtp.SecurityName(smtp.SecurityTLS, smtp.Title), smtp.SecurityName(smtp.SecuritySTARTTLS, smtp.Title), smtp.SecurityName(smtp.SecurityNone, smtp.Title),
	}, s.onSecurity)
	s.security.Horizontal = true
	s.security.Required = true
	s.portNote = newNotice(theme.InfoIcon(), "", widget.MediumImportance)
	s.usePort = widget.NewButton("", s.onUsePort)
	s.portNote.extra.Add(container.NewHBox(s.usePort))
	s.portNote.box.Hide()
	secHelp := wrapped(i18n.L("SSL/TLS encrypts from the first byte (usually port 465). STARTTLS connects in plain text, then switches to encryption (usually port 587). None sends everything unencrypted: only for servers on this computer or a trusted network."))
	secHelp.SizeName = theme.SizeNameCaptionText

	s.auth = widget.NewSelect(nil, s.onAuth)
	for _, a := range smtp.AuthMethods {
		s.auth.Options = append(s.auth.Options, smtp.AuthName(a, smtp.Title))
	}

	heloEntry := widget.NewEntry()
	heloEntry.SetPlaceHolder(i18n.L("this computer's name"))
	s.helo = newField(i18n.L("HELO name"), heloEntry, i18n.L("The name this computer gives in EHLO. Leave empty unless the server insists on a particular one."),
		wz.draftCheck("helo", func(p *smtp.Profile, t string) { p.HELO = t }))
	s.helo.optional = true
	wz.edits(s.helo, s.edited, func(t string) { wz.draft.HELO = strings.TrimSpace(t) })

	toEntry := widget.NewEntry()
	toEntry.SetPlaceHolder("30")
	s.timeout = newField(i18n.L("Timeout (seconds)"), toEntry, i18n.L("How long to wait for each network step. Empty means 30 seconds."), func(t string) error {
		d, err := parseTimeout(t)
		if err != nil {
			return err
		}
		p := wz.draft
		p.Timeout = smtp.Duration(d)
		return fieldError(p, "timeout")
	})
	s.timeout.optional = true
	wz.edits(s.timeout, s.edited, func(t string) {
		if d, err := parseTimeout(t); err == nil {
			wz.draft.Timeout = smtp.Duration(d)
		}
	})

	caEntry := widget.NewEntry()
	caEntry.SetPlaceHolder(i18n.L("system certificates"))
	s.browse = widget.NewButtonWithIcon(i18n.L("Browse…"), theme.FolderOpenIcon(), s.onBrowse)
	s.caFile = newField(i18n.L("CA certificate file (PEM)"), caEntry, i18n.L("Only for a server whose certificate comes from your organisation's own CA. It replaces the system's trusted certificates for this profile."),
		wz.draftCheck("ca_file", func(p *smtp.Profile, t string) { p.CAFile = t })).withButton(s.browse)
	s.caFile.optional = true
	wz.edits(s.caFile, s.edited, func(t string) { wz.draft.CAFile = strings.TrimSpace(t) })

	s.skipVerify = widget.NewCheck(i18n.L("Do not verify the server's certificate (unsafe)"), s.onSkipVerify)
	s.skipWarn = newNotice(theme.ErrorIcon(), "", widget.DangerImportance)
	s.skipWarn.box.Hide()

	advanced := container.NewVBox(
		s.helo.object(), s.timeout.object(), s.caFile.object(), s.skipVerify, s.skipWarn.box,
	)
	s.advanced = widget.NewAccordion(widget.NewAccordionItem(i18n.L("Advanced settings"), advanced))

	s.warnings = container.NewVBox()

	s.detLine = newDetectLine()
	wz.provider.showDetect()

	bold := fyne.TextStyle{Bold: true}
	form := container.NewVBox(
		s.detLine.box,
		s.host.object(),
		container.NewGridWithColumns(2, s.port.object(), container.NewVBox(
			widget.NewLabelWithStyle(i18n.L("Sign-in method"), fyne.TextAlignLeading, bold), s.auth)),
		widget.NewLabelWithStyle(i18n.L("Security"), fyne.TextAlignLeading, bold),
		s.security,
		secHelp,
		s.portNote.box,
		s.warnings,
		s.advanced,
	)
	return container.NewVScroll(container.NewPadded(form))
}

// fill shows the draft's host, port, security and sign-in method, after
// detection changed them; nothing if the page was not built yet.
func (s *serverStep) fill() {
	if s.host == nil {
		return
	}
	wz := s.wz
	loading := wz.loading
	wz.loading = true
	s.fillFields()
	wz.loading = loading
	s.refreshWarnings()
}

func (s *serverStep) fillFields() {
	p := s.wz.draft
	s.host.set(p.Host)
	if p.Port != 0 {
		s.port.set(strconv.Itoa(p.Port))
	} else {
		s.port.set("")
	}
	s.security.SetSelected(smtp.SecurityName(p.Security, smtp.Title))
	s.auth.SetSelected(smtp.AuthName(p.Auth, smtp.Title))
}

func (s *serverStep) enter() {
	p := s.wz.draft
	if p.Preset == "custom" {
		// No provider's values to speak of: the person enters them.
		s.wz.stepIntro.SetText(i18n.L("These are the outgoing (SMTP) server settings. Enter them as your email provider gives them for mail apps; the usual port is 587 with STARTTLS."))
	}
	s.wz.provider.showDetect()
	s.fillFields()
	s.helo.set(p.HELO)
	s.timeout.set(formatTimeout(p.Timeout))
	s.caFile.set(p.CAFile)
	s.skipVerify.SetChecked(p.InsecureSkipVerify)
	s.showSkipWarning()
	if p.HELO != "" || p.Timeout != 0 || p.CAFile != "" || p.InsecureSkipVerify {
		s.advanced.Open(0)
	}
	if p.Preset == "local" {
		s.caFile.hint = i18n.L("The local test inbox fills this in with its own CA when you test, so its certificate is verified like any other.")
	}
	s.caFile.refresh()
	s.refreshWarnings()
	if p.Host == "" {
		s.wz.focus(s.host.entry)
	}
}

// serverFields are the profile fields this step edits.
var serverFields = []string{"host", "port", "security", "auth", "helo", "timeout", "ca_file"}

// valid: every server field passes the profile's validation.
func (s *serverStep) valid() bool {
	p := s.wz.draft
	p.Name = "x" // the name is the Account step's
	for _, f := range serverFields {
		if fieldError(p, f) != nil {
			return false
		}
	}
	if s.port != nil {
		if _, err := parsePort(s.port.entry.Text); err != nil {
			return false
		}
		if _, err := parseTimeout(s.timeout.entry.Text); err != nil {
			return false
		}
	}
	return true
}

// edited refreshes a field's message, the warnings and the wizard.
func (s *serverStep) edited(f *field) {
	f.refresh()
	s.refreshWarnings()
	s.wz.changed()
}

// standardPort is the port to offer for a security mode: the preset's own
// port for it if it lists one, else the standard port.
func standardPort(pr smtp.Preset, sec smtp.Security) int {
	if pr.Security == sec && pr.Port != 0 {
		return pr.Port
	}
	for _, alt := range pr.AltPorts {
		if alt.Security == sec {
			return alt.Port
		}
	}
	return sec.DefaultPort()
}

// usualPort reports whether port is a standard port of some mode (so it was
// not chosen on purpose and may be replaced).
func usualPort(pr smtp.Preset, port int) bool {
	if slices.Contains([]int{25, 465, 587}, port) || port == pr.Port {
		return true
	}
	for _, alt := range pr.AltPorts {
		if alt.Port == port {
			return true
		}
	}
	return false
}

// onSecurity switches the security mode and offers its standard port: a
// usual port is replaced at once (and the note says so), a port chosen on
// purpose is kept and a button offers the standard one.
func (s *serverStep) onSecurity(label string) {
	wz := s.wz
	if wz.loading {
		return
	}
	sec := securityFromLabel(label)
	if sec == "" || sec == wz.draft.Security {
		return
	}
	s.byHand.security = true
	wz.draft.Security = sec
	std := standardPort(wz.preset(), sec)
	port, err := parsePort(s.port.entry.Text)
	switch {
	case port == std && err == nil:
		s.portNote.box.Hide()
	case err != nil || usualPort(wz.preset(), port):
		wz.draft.Port = std
		wz.loading = true
		s.port.set(strconv.Itoa(std))
		wz.loading = false
		s.portNote.set(theme.InfoIcon(), i18n.L("Port changed to {{.Port}}, the usual port for {{.Security}}.", map[string]any{
			"Port": std, "Security": smtp.SecurityName(sec, smtp.Title)}), widget.MediumImportance)
		s.usePort.Hide()
		s.portNote.box.Show()
	default:
		s.suggestedPort = std
		s.portNote.set(theme.InfoIcon(), i18n.L("The usual port for {{.Security}} is {{.Port}}; you have {{.Current}}.", map[string]any{
			"Port": std, "Security": smtp.SecurityName(sec, smtp.Title), "Current": port}), widget.MediumImportance)
		s.usePort.SetText(i18n.L("Use port {{.Port}}", map[string]any{"Port": std}))
		s.usePort.Show()
		s.portNote.box.Show()
	}
	s.refreshWarnings()
	wz.changed()
}

func (s *serverStep) onUsePort() {
	if s.suggestedPort == 0 {
		return
	}
	s.wz.draft.Port = s.suggestedPort
	s.wz.loading = true
	s.port.set(strconv.Itoa(s.suggestedPort))
	s.wz.loading = false
	s.portNote.box.Hide()
	s.refreshWarnings()
	s.wz.changed()
}

func (s *serverStep) onAuth(label string) {
	if s.wz.loading {
		return
	}
	if a := authFromLabel(label); a != "" && a != s.wz.draft.Auth {
		s.byHand.auth = true
		s.wz.draft.Auth = a
		s.refreshWarnings()
		s.wz.changed()
	}
}

func (s *serverStep) onSkipVerify(on bool) {
	if s.wz.loading {
		s.showSkipWarning()
		return
	}
	s.wz.draft.InsecureSkipVerify = on
	s.showSkipWarning()
	s.refreshWarnings()
	s.wz.changed()
}

func (s *serverStep) showSkipWarning() {
	if !s.wz.draft.InsecureSkipVerify {
		s.skipWarn.box.Hide()
		return
	}
	for _, w := range s.wz.draft.Warnings(false) {
		if w.Code == smtp.WarnSkipVerify {
			s.skipWarn.set(theme.ErrorIcon(), i18n.L("Warning: {{.Message}}", map[string]any{"Message": w.Message}), widget.DangerImportance)
		}
	}
	s.skipWarn.box.Show()
}

// onBrowse picks the CA file with a file dialog.
func (s *serverStep) onBrowse() {
	s.fileDlg = dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.wz.m.showError(i18n.L("The file could not be opened"), err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close()
		s.caFile.touched = true
		s.caFile.entry.SetText(path)
	}, s.wz.m.win)
	s.fileDlg.SetFilter(storage.NewExtensionFileFilter([]string{".pem", ".crt", ".cer"}))
	s.fileDlg.Resize(fyne.NewSize(720, 520))
	s.fileDlg.Show()
}

// refreshWarnings shows the core's warnings for the draft (except the
// skip-verify one, which sits under its check box in red).
func (s *serverStep) refreshWarnings() {
	if s.warnings == nil {
		return
	}
	s.warnings.RemoveAll()
	for _, w := range s.wz.draft.Warnings(s.wz.hasPassword()) {
		if w.Code == smtp.WarnSkipVerify {
			continue
		}
		n := newNotice(theme.WarningIcon(), i18n.L("Warning: {{.Message}}", map[string]any{"Message": w.Message}), widget.WarningImportance)
		s.warnings.Add(n.box)
	}
	s.warnings.Refresh()
}
