package l10n

import (
	"errors"
	"strings"
	"testing"
	"text/template"
	"time"
)

// TestFillFieldsIsTextTemplate: whatever fillFields fills, it fills exactly
// as text/template does; what it cannot, it leaves to it.
func TestFillFieldsIsTextTemplate(t *testing.T) {
	data := map[string]any{
		"S": "smtp.example.com", "Empty": "", "Braces": "{{.S}}", "I": 465, "Neg": -3, "I64": int64(1) << 40,
		"B": true, "F": 1.5, "Err": errors.New("boom"), "D": 1500 * time.Millisecond, "Nil": nil,
		"U": uint16(25), "P": new(int), "L": []string{"a"}, "É": "accent",
	}
	type want int
	const (
		fast want = iota
		slow
	)
	for _, c := range []struct {
		in   string
		data any
		path want
	}{
		{"Connecting to {{.S}}:{{.I}}…", data, fast},
		{"{{.S}}{{.I}}{{.B}}", data, fast},
		{"[{{.Empty}}] {{.Neg}} {{.I64}} {{.Braces}}", data, fast},
		{"{{.S}}}} and }} {", data, fast},
		{"{{.F}} {{.Err}} {{.D}}", data, slow},
		{"{{.U}} {{.P}} {{.L}}", data, slow},
		{"{{.Nil}}", data, slow},
		{"{{.Missing}}", data, slow},
		{"{{ .S }}", data, slow},
		{"{{- .S -}} x", data, slow},
		{"{{.S | printf \"%q\"}}", data, slow},
		{"{{if .B}}yes{{end}}", data, slow},
		{"{{.S.X}}", data, slow},
		{"{{.É}}", data, slow},
		{"{{/* c */}}x", data, slow},
		{"{{.S", data, slow},
		{"{{.S}}", nil, slow},
		{"{{.S}}", struct{ S string }{"x"}, slow},
	} {
		_, ok := fillFields(c.in, c.data)
		if ok != (c.path == fast) {
			t.Errorf("fillFields(%q) handled it: %v", c.in, ok)
		}
		if got, want := Fill(c.in, c.data), viaTemplate(c.in, c.data); got != want {
			t.Errorf("Fill(%q) = %q, text/template says %q", c.in, got, want)
		}
	}
}

// viaTemplate is Fill as it was before fillFields.
func viaTemplate(in string, data any) string {
	t, err := template.New("").Option("missingkey=zero").Parse(in)
	if err != nil {
		return in
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return in
	}
	return b.String()
}
