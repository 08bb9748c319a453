package l10n

import "unicode"

// HasHan reports whether s has Chinese characters: text that reads as
// Chinese takes Chinese punctuation ("；", "。") and a font that has them.
func HasHan(s string) bool {
	for _, c := range s {
		if unicode.Is(unicode.Han, c) {
			return true
		}
	}
	return false
}
