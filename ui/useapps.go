//go:build !nogui

package ui

import (
	"errors"
	"image/color"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/export"
	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// sendmailPath is where cron, PHP, mailx and git send-email look for the
// sendmail command.
const sendmailPath = "/usr/sbin/sendmail"

// useView is "Use from other apps" for one saved profile: the local relay
// (run it while the window is open, or install it as a service), its
// credential, the default profile, the sendmail link and the settings for
// other programs. It is shown on the right instead of the profile's setup,
// which stays open behind it.
type useView struct {
	m       *mainUI
	profile smtp.Profile

	back *widget.Button

	// The relay.
	run          *widget.Check
	runSpin      *widget.Activity
	relayState   *notice
	listen       *field
	auth         *widget.Check
	credBox      *fyne.Container
	credUser     *widget.Label
	credPass     *widget.Label
	credShow     *widget.Button
	credCopy     *widget.Button
	credProblem  *notice
	route        *widget.Label
	refused      *notice
	serviceState *widget.Label
	install      *widget.Button
	remove       *widget.Button
	serviceSpin  *widget.Activity
	serviceNote  *notice
	manual       *widget.Label
	manualBox    *fyne.Container

	// The default profile.
	defaultNote *notice
	makeDefault *widget.Button

	// The sendmail command.
	linkCmd  *widget.Label
	linkCopy *widget.Button
	linkNote *notice

	exports *exportTabs
	root    fyne.CanvasObject

	// What the background look found (UI thread).
	installed  bool   // the relay's unit file exists
	unitPath   string // where it is
	credential string // the relay password, "" until read
	shown      bool   // the password is shown in clear
	serviceOp  bool   // an install or removal runs
	// loading is set while widgets are set from code.
	loading bool
}

// showUse shows "Use from other apps" for the saved profile name.
func (m *mainUI) showUse(name string) {
	p, err := m.store.Get(name)
	if err != nil {
		m.showError(i18n.L("The profile cannot be read"), err)
		return
	}
	m.useView = newUseView(m, p)
	m.showView(m.useView.root)
	// The switch takes the keyboard, as the setup's first field does.
	if c := m.win.Canvas(); c != nil {
		c.Focus(m.useView.run)
	}
	m.useView.inspect()
	if m.useView.auth.Checked {
		m.useView.loadCredential()
	}
}

// useShown reports whether "Use from other apps" is on the right.
func (m *mainUI) useShown() bool {
	return m.useView != nil && m.showing(m.useView.root)
}

// onUseMenu opens "Use from other apps" for the selected saved profile.
func (m *mainUI) onUseMenu() {
	if it, ok := m.profiles.current(); ok && !it.draft {
		m.showUse(it.profile.Name)
	}
}

// relayChanged: the window's relay started, stopped, failed or took a
// message; the view that shows it follows.
func (m *mainUI) relayChanged() {
	if m.useShown() {
		m.useView.refreshRelay()
	}
}

func newUseView(m *mainUI, p smtp.Profile) *useView {
	v := &useView{m: m, profile: p}
	v.buildUI()
	return v
}

func (v *useView) buildUI() {
	v.back = widget.NewButtonWithIcon(i18n.L("Back to setup"), theme.NavigateBackIcon(), v.onBack)
	title := heading(i18n.L("Use “{{.Name}}” from other apps", map[string]any{"Name": v.profile.Name}))
	title.Truncation = fyne.TextTruncateEllipsis
	intro := wrapped(i18n.L("Cron jobs, scripts, a CMS, git send-email and your own programs can send mail through this account. Its password stays in your keyring, and messages wait in the outbox when the network is away."))
	intro.SizeName = theme.SizeNameCaptionText
	top := container.NewVBox(container.NewBorder(nil, nil, nil, v.back, title), intro, widget.NewSeparator())

	page := container.NewVBox(v.relayCard(), v.serviceCard(), v.defaultCard(), v.sendmailCard(), v.exportsCard())
	v.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, container.NewVScroll(page)))
	v.refreshRelay()
	v.refreshDefault()
}

// relayCard is the local relay: the switch, its address and credential,
// and the service.
func (v *useView) relayCard() fyne.CanvasObject {
	m := v.m
	listen, auth := m.relay.settings()
	v.run = widget.NewCheck(i18n.L("Run the relay while this window is open"), v.onRun)
	v.runSpin = widget.NewActivity()
	v.runSpin.Hide()
	v.relayState = newNotice(theme.InfoIcon(), "", widget.MediumImportance)

	entry := widget.NewEntry()
	entry.SetText(listen)
	v.listen = newField(i18n.L("Address"), entry,
		i18n.L("Programs connect here with SMTP, without encryption: only programs on this computer can reach it."), validRelayListen)
	entry.OnChanged = func(s string) {
		v.listen.touched = true
		v.listen.refresh()
		if v.listen.err() == nil {
			m.app.Preferences().SetString(prefRelayListen, strings.TrimSpace(s))
		}
		if v.install != nil {
			v.refreshService()
		}
	}
	v.auth = widget.NewCheck(i18n.L("Ask programs for a user name and password"), v.onAuth)
	v.auth.SetChecked(auth)

	v.credUser = widget.NewLabelWithStyle(relay.CredentialUser, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	v.credUser.Selectable = true
	v.credPass = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	v.credPass.Selectable = true
	v.credShow = widget.NewButtonWithIcon(i18n.L("Show"), theme.VisibilityIcon(), v.onShowCredential)
	v.credCopy = m.copyButton(func() string { return v.credential })
	v.credProblem = newNotice(theme.ErrorIcon(), "", widget.DangerImportance)
	v.credProblem.box.Hide()
	bold := fyne.TextStyle{Bold: true}
	credGrid := container.New(&fixedColumns{widths: []float32{110}},
		widget.NewLabelWithStyle(i18n.L("User name"), fyne.TextAlignLeading, bold), v.credUser)
	passRow := container.New(&fixedColumns{widths: []float32{110}},
		widget.NewLabelWithStyle(i18n.L("Password"), fyne.TextAlignLeading, bold),
		container.NewBorder(nil, nil, nil, container.NewHBox(v.credShow, v.credCopy), v.credPass))
	credIntro := wrapped(i18n.L("Programs log in with this user name and password. It is not your mail account's password: it only lets programs on this computer use the relay."))
	credIntro.SizeName = theme.SizeNameCaptionText
	v.credBox = container.NewVBox(credIntro, credGrid, passRow, v.credProblem.box)
	v.showCredentialBox()

	v.route = wrapped("")
	v.route.SizeName = theme.SizeNameCaptionText
	v.refused = newNotice(theme.WarningIcon(), "", widget.WarningImportance)
	v.refused.box.Hide()

	// The service.
	v.serviceState = wrapped("")
	v.install = widget.NewButtonWithIcon(i18n.L("Install as a service"), theme.DownloadIcon(), v.onInstall)
	v.remove = widget.NewButtonWithIcon(i18n.L("Remove the service"), theme.DeleteIcon(), v.onRemove)
	v.remove.Hide()
	v.serviceSpin = widget.NewActivity()
	v.serviceSpin.Hide()
	v.serviceNote = newNotice(theme.InfoIcon(), "", widget.MediumImportance)
	v.manual = codeLabel()
	v.manualBox = container.NewBorder(nil, nil, nil, container.NewVBox(m.copyButton(func() string { return v.manual.Text })), v.manual)
	v.manualBox.Hide()
	v.serviceNote.extra.Add(v.manualBox)
	v.serviceNote.box.Hide()
	address := container.New(&fixedColumns{widths: []float32{110}}, v.listen.label, v.listen.entry)
	hint := container.New(&fixedColumns{widths: []float32{110}}, layoutSpacer(), v.listen.msgRow)
	content := container.NewVBox(
		container.NewHBox(v.run, v.runSpin),
		v.relayState.box,
		widget.NewSeparator(),
		address,
		hint,
		v.auth,
		v.credBox,
		v.refused.box,
	)
	return section(i18n.L("Local relay"),
		i18n.L("An SMTP server for the programs on this computer: they hand it their mail, and the outbox sends it through your account."),
		content, v.route)
}

// section is one group of the page, as GNOME's settings draw them: a
// bold title, a sentence saying what it is for, the controls in a box, and
// a note under the box.
func section(title, intro string, content, note fyne.CanvasObject) fyne.CanvasObject {
	objs := []fyne.CanvasObject{widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})}
	if intro != "" {
		objs = append(objs, wrapped(intro))
	}
	objs = append(objs, widget.NewCard("", "", content))
	if note != nil {
		objs = append(objs, note)
	}
	return container.NewVBox(objs...)
}

// codeLabel shows commands and settings to copy: monospace, selectable,
// and broken at the edge rather than scrolled sideways, because a scroller
// inside the page would catch the mouse wheel that scrolls the page.
func codeLabel() *widget.Label {
	l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	l.Selectable = true
	l.Wrapping = fyne.TextWrapBreak
	return l
}

// layoutSpacer takes a column's room and draws nothing.
func layoutSpacer() fyne.CanvasObject {
	return canvas.NewRectangle(color.Transparent)
}

// defaultCard says which profile programs use when nothing picks one.
func (v *useView) defaultCard() fyne.CanvasObject {
	v.defaultNote = newNotice(theme.InfoIcon(), "", widget.MediumImportance)
	v.makeDefault = widget.NewButtonWithIcon(i18n.L("Make this the default"), theme.ConfirmIcon(), v.onMakeDefault)
	return section(i18n.L("Default profile"), "",
		container.NewBorder(nil, nil, nil, container.NewVBox(v.makeDefault), v.defaultNote.box), nil)
}

// sendmailCard is the command that links /usr/sbin/sendmail to this app.
func (v *useView) sendmailCard() fyne.CanvasObject {
	text := wrapped(i18n.L("Cron, PHP's mail(), mailx and git send-email hand their mail to {{.Path}}. Link it to this app, and their messages go through the outbox as well. Run this in a terminal (it needs administrator rights):",
		map[string]any{"Path": sendmailPath}))
	v.linkCmd = codeLabel()
	v.linkCopy = v.m.copyButton(func() string { return v.linkCmd.Text })
	v.linkNote = newNotice(theme.InfoIcon(), "", widget.MediumImportance)
	v.linkNote.box.Hide()
	if exe, err := executable(); err == nil {
		v.linkCmd.SetText(linkCommand(exe))
	} else {
		v.linkCopy.Disable()
		v.linkNote.set(theme.ErrorIcon(), i18n.L("The path of this program cannot be found: {{.Error}}", map[string]any{"Error": err.Error()}), widget.DangerImportance)
		v.linkNote.box.Show()
	}
	row := container.NewBorder(nil, nil, nil, container.NewVBox(v.linkCopy), v.linkCmd)
	return section(i18n.L("The sendmail command"), "", container.NewVBox(text, row, v.linkNote.box), nil)
}

// linkCommand is the shell command that makes exe the system's sendmail.
func linkCommand(exe string) string {
	return strings.Join([]string{"sudo", "ln", "-s", export.ShellQuote(exe), sendmailPath}, " ")
}

// exportsCard is one tab per program the settings can be exported for.
func (v *useView) exportsCard() fyne.CanvasObject {
	v.exports = newExportTabs(v.m, v.profile)
	return section(i18n.L("Settings for other programs"), exportNote(v.profile), v.exports.root, nil)
}

// refreshRelay shows where the window's relay stands (UI thread).
func (v *useView) refreshRelay() {
	r := v.m.relay
	v.loading = true
	v.run.SetChecked(r.running())
	v.loading = false
	if r.state == relayStopping {
		v.run.Disable()
	} else {
		v.run.Enable()
	}
	if r.state == relayStarting || r.state == relayStopping {
		v.runSpin.Show()
		v.runSpin.Start()
	} else {
		v.runSpin.Stop()
		v.runSpin.Hide()
	}
	switch r.state {
	case relayStarting:
		v.relayState.set(theme.InfoIcon(), i18n.L("Starting: checking the servers of your profiles…"), widget.MediumImportance)
	case relayRunning:
		text := i18n.L("Running on {{.Addr}}: programs on this computer can send mail to it.", map[string]any{"Addr": r.addr})
		if r.accepted > 0 {
			text = joinSentences(text, i18n.N("{{.Count}} messages taken since it started.", r.accepted, map[string]any{"Count": r.accepted}))
		}
		v.relayState.set(theme.NewSuccessThemedResource(theme.ConfirmIcon()), text, widget.MediumImportance)
	case relayStopping:
		v.relayState.set(theme.InfoIcon(), i18n.L("Stopping: waiting for the messages being stored…"), widget.MediumImportance)
	case relayFailed:
		what, fix := relayProblem(r.err, r.addr, v.installed)
		if fix != "" {
			what += "\n" + fix
		}
		v.relayState.set(theme.NewErrorThemedResource(theme.ErrorIcon()), what, widget.DangerImportance)
	default:
		if v.installed {
			v.relayState.set(theme.InfoIcon(), i18n.L("Off in this window. The relay service is installed: it takes the programs' mail while you are logged in."), widget.MediumImportance)
		} else {
			v.relayState.set(theme.InfoIcon(), i18n.L("Off: programs cannot hand mail to the relay."), widget.MediumImportance)
		}
	}
	// The address and the credential cannot change under a running relay.
	if r.running() || r.state == relayStopping {
		v.listen.entry.Disable()
		v.auth.Disable()
	} else {
		v.listen.entry.Enable()
		v.auth.Enable()
	}
	if r.refused != "" && r.running() {
		v.refused.set(theme.WarningIcon(), i18n.L("The relay refused a program: {{.Reply}}", map[string]any{"Reply": r.refused}), widget.WarningImportance)
		v.refused.box.Show()
	} else {
		v.refused.box.Hide()
	}
	vars := map[string]any{"Name": v.profile.Name, "Address": v.profile.AccountAddress()}
	if vars["Address"] == "" {
		v.route.SetText(i18n.L("Each message goes through the profile of its sender's address, else the default profile."))
	} else {
		v.route.SetText(i18n.L("Each message goes through the profile of its sender's address, else the default profile: mail from {{.Address}} goes through “{{.Name}}”.", vars))
	}
	v.refreshService()
}

// onRun turns the relay on or off, and remembers the choice for the next
// start of the window.
func (v *useView) onRun(on bool) {
	if v.loading {
		return
	}
	r := v.m.relay
	if on {
		v.listen.touched = true
		v.listen.refresh()
		if v.listen.err() != nil {
			v.loading = true
			v.run.SetChecked(false)
			v.loading = false
			return
		}
		v.m.app.Preferences().SetBool(prefRelayRun, true)
		r.start()
		return
	}
	v.m.app.Preferences().SetBool(prefRelayRun, false)
	r.stop(nil)
}

// onAuth asks programs for the relay credential (or stops asking).
func (v *useView) onAuth(on bool) {
	if v.loading || v.credBox == nil {
		return
	}
	v.m.app.Preferences().SetBool(prefRelayAuth, on)
	v.showCredentialBox()
	if on && v.credential == "" {
		v.loadCredential()
	}
	v.refreshService()
}

func (v *useView) showCredentialBox() {
	if v.auth.Checked {
		v.credBox.Show()
	} else {
		v.credBox.Hide()
	}
	v.showCredential()
}

// loadCredential reads the relay credential from the keyring, making it
// the first time, in the background (the keyring may be slow to answer).
func (v *useView) loadCredential() {
	v.credPass.SetText(i18n.L("Reading the keyring…"))
	v.credShow.Disable()
	v.credCopy.Disable()
	secrets := v.m.secrets
	go func() {
		_, pass, err := relay.Credential(secrets, true)
		v.m.ui(func() {
			if err != nil {
				v.credPass.SetText("")
				v.credProblem.set(theme.ErrorIcon(), i18n.L("The relay's password could not be read or saved in the keyring.")+"\n"+problemText(err), widget.DangerImportance)
				v.credProblem.box.Show()
				return
			}
			v.credProblem.box.Hide()
			v.credential = pass
			v.showCredential()
		})
	}()
}

// showCredential draws the password hidden or in clear.
func (v *useView) showCredential() {
	if v.credential == "" {
		return
	}
	v.credShow.Enable()
	v.credCopy.Enable()
	if v.shown {
		v.credPass.SetText(v.credential)
		v.credShow.SetText(i18n.L("Hide"))
		v.credShow.SetIcon(theme.VisibilityOffIcon())
	} else {
		v.credPass.SetText(strings.Repeat("•", 16))
		v.credShow.SetText(i18n.L("Show"))
		v.credShow.SetIcon(theme.VisibilityIcon())
	}
}

func (v *useView) onShowCredential() {
	v.shown = !v.shown
	v.showCredential()
}

// inspect looks, in the background, whether the relay service is installed
// and where /usr/sbin/sendmail leads.
func (v *useView) inspect() {
	svc, err := v.m.relay.service()
	go func() {
		var path string
		installed := false
		if err == nil {
			if path, err = svc.UnitPath(); err == nil {
				_, serr := os.Stat(path)
				installed = serr == nil
			}
		}
		exe, _ := executable()
		target, lerr := filepath.EvalSymlinks(sendmailPath)
		v.m.ui(func() {
			v.installed, v.unitPath = installed, path
			v.refreshRelay()
			v.showLink(exe, target, lerr)
		})
	}()
}

// showLink says whether /usr/sbin/sendmail is this app, another mail
// program's, or free.
func (v *useView) showLink(exe, target string, err error) {
	switch {
	case err == nil && exe != "" && target == exe:
		v.linkNote.set(theme.NewSuccessThemedResource(theme.ConfirmIcon()),
			i18n.L("{{.Path}} runs this app already: programs that call sendmail use the outbox.", map[string]any{"Path": sendmailPath}), widget.SuccessImportance)
		v.linkNote.box.Show()
	case err == nil:
		vars := map[string]any{"Path": sendmailPath, "Target": target, "Command": export.ShellQuote(exe) + " sendmail -t -i"}
		text := i18n.L("{{.Path}} belongs to another mail program ({{.Target}}), so the link cannot be made. Remove that program first, or have each program run this command instead: {{.Command}}", vars)
		if target == sendmailPath {
			text = i18n.L("{{.Path}} belongs to another mail program, so the link cannot be made. Remove that program first, or have each program run this command instead: {{.Command}}", vars)
		}
		v.linkNote.set(theme.WarningIcon(), text, widget.MediumImportance)
		v.linkNote.box.Show()
	case errors.Is(err, os.ErrNotExist):
		v.linkNote.box.Hide()
	}
}

// refreshDefault says which profile is the default (UI thread).
func (v *useView) refreshDefault() {
	def, err := v.m.store.Default()
	vars := map[string]any{"Name": v.profile.Name, "Default": def}
	switch {
	case err != nil:
		v.defaultNote.set(theme.ErrorIcon(), i18n.L("The profiles file cannot be read")+"\n"+problemText(err), widget.DangerImportance)
		v.makeDefault.Disable()
		return
	case def == v.profile.Name:
		v.defaultNote.set(theme.NewSuccessThemedResource(theme.ConfirmIcon()),
			i18n.L("“{{.Name}}” is the default profile: programs whose sender address matches no profile send through it.", vars), widget.MediumImportance)
		v.makeDefault.Hide()
		return
	case def == "":
		v.defaultNote.set(theme.WarningIcon(),
			i18n.L("No default profile is set: the relay and the sendmail command refuse a message whose sender address matches no profile.", vars), widget.MediumImportance)
	default:
		v.defaultNote.set(theme.InfoIcon(),
			i18n.L("The default profile is “{{.Default}}”: programs whose sender address matches no profile send through it.", vars), widget.MediumImportance)
	}
	v.makeDefault.Show()
	v.makeDefault.Enable()
}

// onMakeDefault makes this profile the default; the list marks it.
func (v *useView) onMakeDefault() {
	if err := v.m.store.SetDefault(v.profile.Name); err != nil {
		v.m.showError(i18n.L("The default profile could not be set"), err)
		return
	}
	v.m.profiles.reload()
	v.refreshDefault()
}

// onBack shows the profile's setup again.
func (v *useView) onBack() {
	m := v.m
	if wz := m.wizard; wz != nil && !wz.isNew && wz.origName == v.profile.Name {
		m.showView(wz.root)
		wz.update()
		return
	}
	if i := m.profiles.indexOf(v.profile.Name); i >= 0 {
		m.profiles.open(i)
	}
}
