//go:build !nogui

package ui

import (
	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// stepFields are the fields of the current step that take part in its
// validity, in the order they appear.
func (wz *wizard) stepFields() []*field {
	var fs []*field
	switch wz.steps[wz.current].ID {
	case stepProvider:
		fs = []*field{wz.provider.address}
	case stepServer:
		s := wz.server
		fs = []*field{s.host, s.port, s.helo, s.timeout, s.caFile}
	case stepAccount:
		a := wz.account
		fs = []*field{a.name}
		if wz.draft.Auth != smtp.AuthNone {
			fs = append(fs, a.username)
			if !a.usesSignIn() {
				fs = append(fs, a.password)
			}
		}
		fs = append(fs, a.from, a.fromName)
	}
	return fs
}

// incompleteHint says why Next waits on an incomplete step: "marked above"
// only when a field is marked; else it names the field to fill in, or what
// else is missing.
func (wz *wizard) incompleteHint() string {
	var first *field
	for _, f := range wz.stepFields() {
		if f == nil || f.err() == nil {
			continue
		}
		if f.showing() {
			return i18n.L("Complete the fields marked above to continue.")
		}
		if first == nil {
			first = f
		}
	}
	if first != nil {
		return i18n.L("Fill in “{{.Field}}” to continue.", map[string]any{"Field": first.label.Text})
	}
	if wz.steps[wz.current].ID == stepProvider && wz.draft.Preset == "" {
		return i18n.L("Pick a provider to continue.")
	}
	return i18n.L("Complete this step to continue.")
}
