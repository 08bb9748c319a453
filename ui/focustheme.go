//go:build !nogui

package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// focusAlpha is how strongly the focus shows over a widget's background:
// a third of black (light theme) or white (dark theme), so a focused
// button, radio or check is plainly darker or lighter than its neighbours,
// also on a blue (primary) button where Fyne's faint blue focus vanishes.
const focusAlpha = 0x55

// visibleFocus is a theme with a focus colour that can be seen: Fyne's
// default is its primary blue at 16% opacity, which on buttons and radio
// buttons is hard to tell from the hover shade. Everything else is the
// wrapped theme's.
type visibleFocus struct {
	fyne.Theme
}

// withVisibleFocus wraps t (once) so that keyboard focus shows.
func withVisibleFocus(t fyne.Theme) fyne.Theme {
	if t == nil {
		t = theme.DefaultTheme()
	}
	if _, ok := t.(visibleFocus); ok {
		return t
	}
	return visibleFocus{t}
}

// Color gives the focus as black or white (whichever the background is
// not) at focusAlpha; the rest is the wrapped theme's.
func (f visibleFocus) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		if v == theme.VariantLight {
			return color.NRGBA{A: focusAlpha}
		}
		return color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: focusAlpha}
	}
	return f.Theme.Color(n, v)
}
