//go:build !nogui

package ui

import (
	"strings"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The window words the core's remedies for itself: where the password is
// entered, where to sign in, where the client ID goes; never a command
// line where the window has its own way (in English and in Chinese).
func TestRemedyText(t *testing.T) {
	for _, tc := range []struct {
		lang string
		err  error
		want string
	}{
		{"en", smtp.ErrSecretNotFound, "No password is stored for this profile. Enter it on the Account step and save."},
		{"zh", smtp.ErrSecretNotFound, "这个配置还没有保存密码。请在“账号”步骤中输入并保存。"},
		{"en", &oauth.Error{Kind: oauth.ErrNotSignedIn, Provider: oauth.Google}, "This profile is not signed in yet. Sign in with Google on the Account step."},
		{"zh", &oauth.Error{Kind: oauth.ErrNotSignedIn, Provider: oauth.Google}, "这个配置还没有登录。请在“账号”步骤中登录 Google。"},
	} {
		if !i18n.Use(tc.lang) {
			t.Fatalf("Use(%s) refused", tc.lang)
		}
		rep := smtp.FailedReport(smtp.Profile{Name: "work"}, tc.err)
		if got := remedyText(rep.Hint, rep.Remedy); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
	for _, lang := range []string{"en", "zh"} {
		i18n.Use(lang)
		for _, id := range []oauth.ProviderID{oauth.Google, oauth.Microsoft} {
			got := errorHint(&oauth.Error{Kind: oauth.ErrNoClientID, Provider: id})
			help := windowRegistrationHelp(id)
			if !strings.HasSuffix(got, "\n"+strings.Join(help, "\n")) || len(help) != 3 || !strings.Contains(help[2], "OAuth2") {
				t.Errorf("%s %s: %q", lang, id, got)
			}
		}
	}
	i18n.Use("en")
}
