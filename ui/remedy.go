//go:build !nogui

package ui

import (
	"net/url"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// The window's wording of the core's remedies: the core's hint says what is
// wrong; here it is told where in the window it is fixed (the step, the
// Settings), and the result card's button goes there.

// remedyText is a hint followed by where the window applies its remedy.
func remedyText(hint string, r smtp.Remedy) string {
	if hint == "" {
		return ""
	}
	switch r.Action {
	case smtp.RemedyStorePassword:
		return i18n.L("{{.Hint}} Enter it on the Account step and save.", map[string]any{"Hint": hint})
	case smtp.RemedySignIn:
		return i18n.L("{{.Hint}} Sign in with {{.Provider}} on the Account step.", map[string]any{"Hint": hint, "Provider": r.ProviderName})
	case smtp.RemedyRegisterOAuthClient:
		return lastSteps().After(hint, oauth.ProviderID(r.Provider))
	}
	return hint
}

// errorHint is the hint of an error that knows its own fix, worded for the
// window; "" if it has none.
func errorHint(err error) string {
	h := smtp.Hint(err)
	if h == "" {
		return ""
	}
	return remedyText(h, smtp.RemedyOf(err))
}

// signInHint is a sign-in failure in plain words; the registration help in
// it says where to enter a client ID in the window.
func signInHint(err error) string {
	if h := errorHint(err); h != "" {
		return displayText(h)
	}
	return humanError(err)
}

// windowRegistrationHelp is how to register a client ID with a provider,
// for the window: the provider's steps, then where the Settings take the
// client ID.
func windowRegistrationHelp(id oauth.ProviderID) []string {
	return lastSteps().Help(id)
}

// lastSteps are the last step of registering a client ID with each
// provider: where the window takes it.
func lastSteps() oauth.LastSteps {
	return oauth.LastSteps{
		oauth.Google:    i18n.L("3) Enter the client ID and secret in Settings → Sign-in apps (OAuth2), or run: smtpconf oauth setup google --client-id ID --client-secret-stdin"),
		oauth.Microsoft: i18n.L("3) Under API permissions, add SMTP.Send (Office 365 Exchange Online) and offline_access; then enter the Application (client) ID in Settings → Sign-in apps (OAuth2), or run: smtpconf oauth setup microsoft --client-id ID"),
	}
}

// consoleURL is where a client ID is registered with a provider.
func consoleURL(id oauth.ProviderID) *url.URL {
	var s string
	switch id {
	case oauth.Google:
		s = "https://console.cloud.google.com/apis/credentials"
	case oauth.Microsoft:
		s = "https://portal.azure.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade"
	default:
		return nil
	}
	u, _ := url.Parse(s)
	return u
}
