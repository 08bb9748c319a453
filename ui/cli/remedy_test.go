package cli

import (
	"strings"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// speak switches the command line (and the core) to a language for one test.
func speak(t *testing.T, code string) {
	t.Helper()
	i18n.Load()
	if !i18n.Use(code) {
		t.Fatalf("Use(%q) refused", code)
	}
	t.Cleanup(func() { i18n.Use("en") })
}

// The hints that named a command before the core gave remedies as data
// read as they did, word for word, in English and in Chinese: the core's
// sentence, then the command the command line adds.
func TestRemedyHints(t *testing.T) {
	setup := func(err error) smtp.Report { return smtp.FailedReport(smtp.Profile{Name: "work"}, err) }
	for _, tc := range []struct {
		lang   string
		err    error
		action smtp.Action
		want   string
	}{
		{"en", smtp.ErrSecretNotFound, smtp.RemedyStorePassword,
			"No password is stored for this profile. Save one with: smtpconf profile save NAME --password-stdin"},
		{"zh", smtp.ErrSecretNotFound, smtp.RemedyStorePassword,
			"这个配置还没有保存密码。可以用以下命令保存：smtpconf profile save NAME --password-stdin"},
		{"en", smtp.ErrNoSuchProfile, smtp.RemedyChooseProfile,
			"There is no profile by that name. List the profiles with 'smtpconf profile list', or create one with 'smtpconf profile save NAME --preset ID'."},
		{"zh", smtp.ErrNoSuchProfile, smtp.RemedyChooseProfile,
			"没有这个名称的配置。可以用 'smtpconf profile list' 列出所有配置，或用 'smtpconf profile save NAME --preset ID' 新建一个。"},
		{"en", &oauth.Error{Kind: oauth.ErrNotSignedIn, Provider: oauth.Google}, smtp.RemedySignIn,
			"This profile is not signed in yet. Sign in with Google first (in the window, or: smtpconf oauth login NAME)."},
		{"zh", &oauth.Error{Kind: oauth.ErrNotSignedIn, Provider: oauth.Microsoft}, smtp.RemedySignIn,
			"这个配置还没有登录。请先登录 Microsoft（在窗口中，或运行：smtpconf oauth login NAME）。"},
	} {
		t.Run(tc.lang+" "+tc.err.Error(), func(t *testing.T) {
			speak(t, tc.lang)
			rep := setup(tc.err)
			if rep.Remedy.Action != tc.action || strings.Contains(rep.Hint, "smtpconf") {
				t.Errorf("core: remedy %+v, hint %q (no command expected)", rep.Remedy, rep.Hint)
			}
			reportHint(&rep)
			if rep.Hint != tc.want {
				t.Errorf("hint\n%q, want\n%q", rep.Hint, tc.want)
			}
			if got := errorHint(tc.err); smtp.Hint(tc.err) != "" && got != tc.want {
				t.Errorf("errorHint %q, want %q", got, tc.want)
			}
		})
	}
}

// Without a client ID, the hint ends with the three registration steps the
// command line always printed: the provider's two, then `oauth setup`.
func TestRegistrationHelpHints(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		speak(t, lang)
		for _, tc := range []struct {
			id               oauth.ProviderID
			step1, step2, s3 string
		}{
			{oauth.Google,
				"1) At console.cloud.google.com, open APIs & Services → Credentials → Create credentials → OAuth client ID, of type \"Desktop app\".",
				"2) Enable the Gmail API, and add the scope https://mail.google.com/ on the OAuth consent screen.",
				"3) Give smtpconf the client ID and secret: smtpconf oauth setup google --client-id ID --client-secret-stdin (or SMTPCONF_GOOGLE_CLIENT_ID and SMTPCONF_GOOGLE_CLIENT_SECRET)."},
			{oauth.Microsoft,
				"1) At portal.azure.com, open Microsoft Entra ID → App registrations → New registration, for \"Accounts in any organizational directory and personal Microsoft accounts\".",
				"2) Under Authentication, add the platform \"Mobile and desktop applications\" with the redirect URI http://localhost, and turn on \"Allow public client flows\" (for the device code).",
				"3) Under API permissions, add SMTP.Send (Office 365 Exchange Online) and offline_access; then give smtpconf the Application (client) ID: smtpconf oauth setup microsoft --client-id ID (or SMTPCONF_MICROSOFT_CLIENT_ID)."},
		} {
			info, _ := oauth.Info(tc.id)
			lines := []string{i18n.L(tc.step1), i18n.L(tc.step2), i18n.L(tc.s3)}
			if got := registrationHelp(tc.id); strings.Join(got, "\n") != strings.Join(lines, "\n") {
				t.Errorf("%s %s: registration help %q", lang, tc.id, got)
			}
			want := i18n.L("This copy of smtpconf has no client ID for {{.Provider}}. To register one:", M{"Provider": info.Name}) +
				"\n" + strings.Join(lines, "\n")
			err := &oauth.Error{Kind: oauth.ErrNoClientID, Provider: tc.id}
			if got := errorHint(err); got != want {
				t.Errorf("%s %s: hint\n%q, want\n%q", lang, tc.id, got, want)
			}
			if strings.Contains(err.Hint(), "oauth setup") {
				t.Errorf("the core's hint names the command: %q", err.Hint())
			}
			want = i18n.L("{{.Provider}} does not accept this app's client ID (or secret). Check the client ID in the settings; to register one:", M{"Provider": info.Name}) +
				"\n" + strings.Join(lines, "\n")
			if got := errorHint(&oauth.Error{Kind: oauth.ErrClientRejected, Provider: tc.id}); got != want {
				t.Errorf("%s %s: rejected client hint %q", lang, tc.id, got)
			}
		}
	}
}
