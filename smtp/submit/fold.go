package submit

import (
	"bytes"
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// foldField folds the lines of a header field that are longer than
// MaxLineLength at white space (RFC 5322 2.2.3: a line break before white
// space is removed again when the field is read, so the value is
// unchanged), and reports whether it changed the field. A Subject line
// without white space to fold at is written as a run of encoded words
// (RFC 2047), which a reader shows as the same text. Any other line that
// cannot be folded is left as it is.
func foldField(f field) (field, bool) {
	if !hasLongLine(f.raw) {
		return f, false
	}
	out := breakLines(f.raw, MaxLineLength, "\r\n", func(line []byte) int {
		// The last white space that leaves the line short enough, past
		// its first character (a continuation line starts with white
		// space; breaking there would leave an empty line).
		return bytes.LastIndexAny(line[1:MaxLineLength+1], " \t") + 1
	})
	if hasLongLine(out) {
		if strings.EqualFold(f.name, "Subject") {
			if v := f.value(); utf8.ValidString(v) {
				return newField(f.name, encodedWords(v)), true
			}
		}
		if bytes.Equal(out, f.raw) {
			return f, false
		}
	}
	return field{name: f.name, raw: out}, true
}

// encodedWords writes s as base64 encoded words of at most 75 characters,
// one per line, whole characters in each (RFC 2047 2 and 5).
func encodedWords(s string) string {
	const maxChunk = 45 // 60 base64 characters, within 75 with "=?utf-8?b?" and "?="
	var b strings.Builder
	for s != "" {
		n := min(len(s), maxChunk)
		for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		if b.Len() > 0 {
			b.WriteString("\r\n ")
		}
		b.WriteString("=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s[:n])) + "?=")
		s = s[n:]
	}
	return b.String()
}
