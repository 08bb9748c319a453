//go:build withfyne

package main

// Linking Fyne's app package (as the default smtpconf build does) shows
// what its package initialisation alone costs a command-line run.
import _ "fyne.io/fyne/v2/app"
