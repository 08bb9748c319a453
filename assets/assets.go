// Package assets holds the files the window embeds: the app icon (SVG source
// and its 512 px PNG rendering) and the translations. It imports nothing from
// Fyne, so any package may use it without pulling the GUI into the headless
// build.
package assets

import "embed"

// IconPNG is the application icon, 512x512 pixels, rendered from IconSVG.
//
//go:embed icon.png
var IconPNG []byte

// IconSVG is the source of the application icon.
//
//go:embed icon.svg
var IconSVG []byte

// Translations holds one JSON file per language in the directory
// TranslationsDir ("en.json", "zh.json"), in the format fyne.io/fyne/v2/lang reads.
//
//go:embed translations/*.json
var Translations embed.FS

// TranslationsDir is the directory inside Translations that holds the files.
const TranslationsDir = "translations"
