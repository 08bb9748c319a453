//go:build nogui

// Package ui is the window of SMTP Configurator. This file is the headless
// twin, built with -tags nogui: no Fyne, no X11 or OpenGL libraries.
package ui

import (
	"errors"

	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Run reports that this build has no window. The headless build has no
// saved language to skip, so opts changes nothing.
func Run(configDir string, opts RunOptions) error {
	return errors.New(i18n.L("This build has no window (it was built with -tags nogui); use a subcommand, see 'smtpconf help'."))
}
