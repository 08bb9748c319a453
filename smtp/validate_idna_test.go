package smtp

import (
	"errors"
	"strings"
	"testing"
)

// Host names that the IDNA lookup profile alone lets through, or maps
// silently, are refused with a reason (issue 15, defect 20).
func TestValidateHostIDNARefusals(t *testing.T) {
	for _, tc := range []struct{ host, why string }{
		{"smtp.☃.example", "not allowed in host names"},
		{"smtp。example。com", "full-width dot"},
		{"smtp．example．com", "full-width dot"},
		{"xn--n3h.example", "not allowed in host names"}, // ☃ in punycode
	} {
		err := ValidateHost(tc.host)
		if !errors.Is(err, ErrInvalidHost) {
			t.Errorf("ValidateHost(%q) = %v, want ErrInvalidHost", tc.host, err)
			continue
		}
		if !strings.Contains(Explain(err), tc.why) {
			t.Errorf("ValidateHost(%q): %q does not say %q", tc.host, Explain(err), tc.why)
		}
	}
	for _, ok := range []string{"bücher.example", "Bücher.example", "smtp.例子.中国", "xn--bcher-kva.example", "smtp.gmail.com"} {
		if err := ValidateHost(ok); err != nil {
			t.Errorf("ValidateHost(%q) = %v, want nil", ok, err)
		}
	}
}

// Echoed input is clipped, and a stage prefix or a doubled full stop never
// reaches the person (defect 19).
func TestMessagesClipAndNoStagePrefix(t *testing.T) {
	long := strings.Repeat("x", 120000) + "@"
	msg := Explain(ValidateHost(long))
	if len(msg) > 1000 || !strings.Contains(msg, "…") {
		t.Errorf("a %d-byte host gave a %d-byte message: %.200q", len(long), len(msg), msg)
	}
	d := Diagnose(&Error{Stage: StageSetup, Err: errors.New("--timeout \"0\": use a duration from 1s to 10m0s, such as 30s.")}, Profile{})
	if strings.Contains(d.Hint, "setup:") || strings.Contains(d.Hint, "..") || strings.Contains(d.Hint, "  ") {
		t.Errorf("hint %q leaks the stage or doubles a full stop", d.Hint)
	}
}
