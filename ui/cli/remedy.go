package cli

import (
	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/oauth"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// hintText is a hint for the terminal: the core's sentence, then the
// command that applies its remedy. Both the printed hints and the JSON
// "hint" fields carry it.
func hintText(hint string, r smtp.Remedy) string {
	if hint == "" {
		return ""
	}
	switch r.Action {
	case smtp.RemedyStorePassword:
		return i18n.L("{{.Hint}} Save one with: {{.Command}}", M{"Hint": hint, "Command": "smtpconf profile save NAME --password-stdin"})
	case smtp.RemedyChooseProfile:
		return i18n.L("{{.Hint}} List the profiles with {{.List}}, or create one with {{.Save}}.",
			M{"Hint": hint, "List": "'smtpconf profile list'", "Save": "'smtpconf profile save NAME --preset ID'"})
	case smtp.RemedySignIn:
		return i18n.L("{{.Hint}} Sign in with {{.Provider}} first (in the window, or: smtpconf oauth login NAME).",
			M{"Hint": hint, "Provider": r.ProviderName})
	case smtp.RemedyRegisterOAuthClient:
		return lastSteps().After(hint, oauth.ProviderID(r.Provider))
	}
	return hint
}

// errorHint is the hint of an error that knows its own fix, with its
// remedy worded for the terminal; "" if it has none.
func errorHint(err error) string { return hintText(smtp.Hint(err), smtp.RemedyOf(err)) }

// reportHint words a report's remedy into its hint, for printing and JSON.
func reportHint(r *smtp.Report) { r.Hint = hintText(r.Hint, r.Remedy) }

// registrationHelp is how to register a client ID with a provider: the
// provider's steps, then how to give the ID to the command line.
func registrationHelp(id oauth.ProviderID) []string {
	return lastSteps().Help(id)
}

// lastSteps are the last step of registering a client ID with each
// provider: where the command line takes it.
func lastSteps() oauth.LastSteps {
	return oauth.LastSteps{
		oauth.Google:    i18n.L("3) Give smtpconf the client ID and secret: smtpconf oauth setup google --client-id ID --client-secret-stdin (or SMTPCONF_GOOGLE_CLIENT_ID and SMTPCONF_GOOGLE_CLIENT_SECRET)."),
		oauth.Microsoft: i18n.L("3) Under API permissions, add SMTP.Send (Office 365 Exchange Online) and offline_access; then give smtpconf the Application (client) ID: smtpconf oauth setup microsoft --client-id ID (or SMTPCONF_MICROSOFT_CLIENT_ID)."),
	}
}
