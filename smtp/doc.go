// Package smtp holds all of SMTP Configurator's domain logic: provider presets,
// profiles and their validation, secrets in the OS keyring, sending and checking
// through go-mail, the redacted transcript and the diagnosis that turns a failure
// into words. It never imports Fyne, so it builds and tests without cgo or a
// display; the window and the command line are thin layers over it.
package smtp
