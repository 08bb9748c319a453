//go:build !nogui

package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The "Run as a service" section of "Use from other apps": install the
// relay as a systemd user service, or remove it, off the UI thread.

// serviceCard installs the relay as a systemd user service.
func (v *useView) serviceCard() fyne.CanvasObject {
	head := container.NewBorder(nil, nil, nil, container.NewHBox(v.serviceSpin, v.install, v.remove), v.serviceState)
	return section(i18n.L("Run as a service"), "", container.NewVBox(head, v.serviceNote.box), nil)
}

// refreshService shows whether the service is installed, and what can be
// done about it.
func (v *useView) refreshService() {
	listen, _ := v.m.relay.settings()
	if v.installed {
		v.serviceState.SetText(i18n.L("Installed: the relay runs in the background while you are logged in, without this window ({{.File}}).", map[string]any{"File": v.unitPath}))
		v.install.SetText(i18n.L("Install again"))
		v.remove.Show()
	} else {
		v.serviceState.SetText(i18n.L("A service runs the relay on {{.Addr}} in the background while you are logged in, even when this window is closed.", map[string]any{"Addr": listen}))
		v.install.SetText(i18n.L("Install as a service"))
		v.remove.Hide()
	}
	if v.serviceOp || v.listen.err() != nil {
		v.install.Disable()
		v.remove.Disable()
	} else {
		v.install.Enable()
		v.remove.Enable()
	}
}

// onInstall writes and enables the relay's systemd user unit. The relay of
// this window stops first: the service takes its address.
func (v *useView) onInstall() {
	if v.serviceOp || v.listen.err() != nil {
		return
	}
	r := v.m.relay
	handover := r.running()
	v.beginService(i18n.L("Installing the service…"))
	install := func() {
		svc, err := r.service()
		go func() {
			var res relay.ServiceResult
			if err == nil {
				res, err = svc.Install(context.Background())
			}
			v.m.ui(func() { v.onInstalled(res, err, handover) })
		}()
	}
	if handover {
		v.m.app.Preferences().SetBool(prefRelayRun, false)
		r.stop(install)
		return
	}
	install()
}

// onRemove stops, disables and removes the relay's systemd user unit.
func (v *useView) onRemove() {
	if v.serviceOp {
		return
	}
	v.beginService(i18n.L("Removing the service…"))
	svc, err := v.m.relay.service()
	go func() {
		var res relay.ServiceResult
		if err == nil {
			res, err = svc.Uninstall(context.Background())
		}
		v.m.ui(func() { v.onRemoved(res, err) })
	}()
}

func (v *useView) beginService(what string) {
	v.serviceOp = true
	v.serviceSpin.Show()
	v.serviceSpin.Start()
	v.serviceNote.set(theme.InfoIcon(), what, widget.MediumImportance)
	v.manualBox.Hide()
	v.serviceNote.box.Show()
	v.refreshService()
}

func (v *useView) endService() {
	v.serviceOp = false
	v.serviceSpin.Stop()
	v.serviceSpin.Hide()
}

// onInstalled shows what Install did (UI thread).
func (v *useView) onInstalled(res relay.ServiceResult, err error, handover bool) {
	v.endService()
	if err != nil {
		v.serviceNote.set(theme.NewErrorThemedResource(theme.ErrorIcon()), i18n.L("The service could not be installed: {{.Error}}", map[string]any{"Error": humanError(err)}), widget.DangerImportance)
		v.refreshRelay()
		return
	}
	v.installed, v.unitPath = true, res.Path
	listen, _ := v.m.relay.settings()
	var text string
	if res.Done {
		text = i18n.L("The relay runs as a service of your user now, on {{.Addr}}, and starts with your session. Its log: {{.Command}}",
			map[string]any{"Addr": listen, "Command": "journalctl --user -u " + relay.UnitName})
		if handover {
			text = joinSentences(i18n.L("The relay of this window was turned off: the service takes over."), text)
		}
		v.serviceNote.set(theme.NewSuccessThemedResource(theme.ConfirmIcon()), text, widget.SuccessImportance)
	} else {
		text = i18n.L("The service file {{.File}} was written, but systemd could not be told: {{.Why}}. Where systemd runs for your user, finish with the commands below; without systemd, start {{.Command}} from your session's autostart or a @reboot cron line.",
			map[string]any{"File": res.Path, "Why": res.Why, "Command": "smtpconf relay"})
		v.serviceNote.set(theme.WarningIcon(), text, widget.WarningImportance)
		v.manual.SetText(strings.Join(res.Manual, "\n"))
		v.manualBox.Show()
	}
	v.refreshRelay()
}

// onRemoved shows what Uninstall did (UI thread).
func (v *useView) onRemoved(res relay.ServiceResult, err error) {
	v.endService()
	switch {
	case err != nil:
		v.serviceNote.set(theme.NewErrorThemedResource(theme.ErrorIcon()), i18n.L("The service could not be removed: {{.Error}}", map[string]any{"Error": humanError(err)}), widget.DangerImportance)
	case !res.Changed:
		v.installed = false
		v.serviceNote.set(theme.InfoIcon(), i18n.L("The relay service was not installed; nothing to remove."), widget.MediumImportance)
	case res.Done:
		v.installed = false
		v.serviceNote.set(theme.NewSuccessThemedResource(theme.ConfirmIcon()), i18n.L("The relay service is stopped and removed."), widget.SuccessImportance)
	default:
		v.installed = false
		v.serviceNote.set(theme.WarningIcon(), i18n.L("The service file {{.File}} was removed, but systemd could not be told: {{.Why}}. Where systemd runs for your user, finish with the commands below.",
			map[string]any{"File": res.Path, "Why": res.Why}), widget.WarningImportance)
		v.manual.SetText(strings.Join(res.Manual, "\n"))
		v.manualBox.Show()
	}
	v.refreshRelay()
}
