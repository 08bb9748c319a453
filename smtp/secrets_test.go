package smtp

import (
	"errors"
	"strings"
	"testing"
)

func TestSecretValidate(t *testing.T) {
	ok := []string{"x", "pässwörd 🔑", "with\ttab", "sp ace", strings.Repeat("a", MaxSecretSize)}
	for _, s := range ok {
		if err := ValidateSecret(s); err != nil {
			t.Errorf("ValidateSecret(len %d) = %v", len(s), err)
		}
	}
	bad := []struct {
		s    string
		kind error
	}{
		{"", ErrInvalidSecret},
		{"a\nb", ErrInvalidSecret},
		{"a\rb", ErrInvalidSecret},
		{"a\x00b", ErrInvalidSecret},
		{"a\xffb", ErrInvalidSecret},
		{strings.Repeat("a", MaxSecretSize+1), ErrSecretTooLarge},
	}
	for _, c := range bad {
		err := ValidateSecret(c.s)
		if !errors.Is(err, c.kind) {
			t.Errorf("ValidateSecret(%q...) = %v, want %v", secretPrefix(c.s, 8), err, c.kind)
			continue
		}
		if c.s != "" && strings.Contains(err.Error(), c.s) {
			t.Errorf("error %q contains the secret", err)
		}
	}
}

func secretPrefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
