package smtp

import (
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// The one label of each thing, in both forms and both languages: the
// window and the command line show these words.
func TestLabels(t *testing.T) {
	for _, tc := range []struct {
		lang string
		got  func() string
		want string
	}{
		{"en", func() string { return StageName(StageAuth, Title) }, "Sign-in (AUTH)"},
		{"en", func() string { return StageName(StageConnect, Title) }, "Connect"},
		{"en", func() string { return StageName(StageDone, Title) }, "Done"},
		{"en", func() string { return StageName(StageAuth, Inline) }, "login"},
		{"en", func() string { return StageName(StageData, Inline) }, "sending the message (DATA)"},
		{"en", func() string { return StageName("other", Title) }, "other"},
		{"en", func() string { return SecurityName(SecurityTLS, Title) }, "SSL/TLS"},
		{"en", func() string { return SecurityName(SecuritySTARTTLS, Inline) }, "STARTTLS"},
		{"en", func() string { return SecurityName(SecurityNone, Title) }, "None"},
		{"en", func() string { return SecurityName(SecurityNone, Inline) }, "no encryption"},
		{"en", func() string { return AuthName(AuthAuto, Title) }, "Automatic (recommended)"},
		{"en", func() string { return AuthName(AuthAuto, Inline) }, "automatic"},
		{"en", func() string { return AuthName(AuthXOAUTH2, Title) }, "XOAUTH2 (OAuth2 access token)"},
		{"en", func() string { return AuthName(AuthXOAUTH2, Inline) }, "XOAUTH2"},
		{"en", func() string { return AuthName(AuthCRAMMD5, Title) }, "CRAM-MD5"},
		{"en", func() string { return AuthName(AuthNone, Title) }, "None (no sign-in)"},
		{"en", func() string { return AuthName(AuthNone, Inline) }, "none (no sign-in)"},
		{"zh", func() string { return StageName(StageAuth, Title) }, "登录（AUTH）"},
		{"zh", func() string { return StageName(StageAuth, Inline) }, "登录"},
		{"zh", func() string { return SecurityName(SecurityNone, Title) }, "无"},
		{"zh", func() string { return SecurityName(SecurityNone, Inline) }, "不加密"},
		{"zh", func() string { return SecurityName(SecurityTLS, Inline) }, "SSL/TLS"},
		{"zh", func() string { return AuthName(AuthAuto, Title) }, "自动（推荐）"},
		{"zh", func() string { return AuthName(AuthAuto, Inline) }, "自动"},
		{"zh", func() string { return AuthName(AuthNone, Inline) }, "无（不登录）"},
		{"zh", func() string { return AuthName(AuthLogin, Inline) }, "LOGIN"},
	} {
		speakLabels(t, tc.lang)
		if got := tc.got(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
}

func TestClockTime(t *testing.T) {
	now := time.Date(2025, 3, 14, 16, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		lang string
		t    time.Time
		want string
	}{
		{"en", time.Date(2025, 3, 14, 9, 5, 0, 0, time.Local), "09:05"},
		{"en", time.Date(2025, 1, 2, 15, 4, 0, 0, time.Local), "Jan 2 15:04"},
		{"en", time.Date(2024, 12, 31, 23, 59, 0, 0, time.Local), "2024-12-31 23:59"},
		{"zh", time.Date(2025, 3, 14, 9, 5, 0, 0, time.Local), "09:05"},
		{"zh", time.Date(2025, 1, 2, 15, 4, 0, 0, time.Local), "1月2日 15:04"},
		{"zh", time.Date(2024, 12, 31, 23, 59, 0, 0, time.Local), "2024-12-31 23:59"},
	} {
		speakLabels(t, tc.lang)
		if got := ClockTime(tc.t, now); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.lang, tc.t, got, tc.want)
		}
	}
	// Today is today where the person is, whatever zone the times carry.
	speakLabels(t, "en")
	if got := ClockTime(now.UTC(), now.UTC()); got != now.Format("15:04") {
		t.Errorf("UTC times: %q", got)
	}
}

// speakLabels switches the built-in translator to lang until the test ends.
func speakLabels(t *testing.T, lang string) {
	t.Helper()
	l10n.Set(nil)
	if !l10n.Use(lang) {
		t.Fatalf("l10n.Use(%q) refused", lang)
	}
	t.Cleanup(func() { l10n.Use("") })
}

// Every word of a Names table is a key of the catalogs: the tables hand
// their keys to the translator as data, out of the catalog test's sight.
func TestNamesAreTranslated(t *testing.T) {
	speakLabels(t, "zh")
	for _, names := range []Names[Stage]{stageTitles, stagePhrases} {
		for s, key := range names {
			if got := names.Of(s); got == key {
				t.Errorf("%s: %q has no Chinese translation", s, key)
			}
		}
	}
}
