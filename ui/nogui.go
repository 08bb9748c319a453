//go:build nogui

// Package ui is the window of SMTP Configurator. This file is the headless
// twin, built with -tags nogui: no Fyne, no X11 or OpenGL libraries.
package ui

import "errors"

// Run reports that this build has no window.
func Run(configDir string) error {
	return errors.New("this build has no window (it was built with -tags nogui); use a subcommand, see 'smtpconf help'")
}
