package l10n

import (
	"strconv"
	"strings"
)

// fillFields fills in the way nearly every sentence is written: each action
// a field of map data ({{.Server}}) holding a string, an int or a bool. It
// prints them as text/template would, without parsing a template, which
// costs more than all the rest of translating a sentence (a test send fills
// a dozen). ok is false for anything else, which Fill leaves to
// text/template.
func fillFields(in string, data any) (out string, ok bool) {
	m, isMap := data.(map[string]any)
	if !isMap {
		return "", false
	}
	var b strings.Builder
	for {
		i := strings.Index(in, "{{")
		if i < 0 {
			b.WriteString(in)
			return b.String(), true
		}
		j := strings.Index(in[i:], "}}")
		if j < 0 {
			return "", false
		}
		name, dotted := strings.CutPrefix(in[i+2:i+j], ".")
		if !dotted || !isFieldName(name) {
			return "", false
		}
		v, found := m[name]
		if !found {
			return "", false
		}
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case int:
			text = strconv.Itoa(v)
		case int64:
			text = strconv.FormatInt(v, 10)
		case bool:
			text = strconv.FormatBool(v)
		default:
			return "", false
		}
		b.WriteString(in[:i])
		b.WriteString(text)
		in = in[i+j+2:]
	}
}

// isFieldName reports whether s is an ASCII Go identifier: a field
// reference text/template reads as a map key.
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
