// Package oauth signs a person in with Google or Microsoft (OAuth2) so that
// their mail can be sent with AUTH XOAUTH2 instead of a password, as
// Outlook.com requires and Gmail and Microsoft 365 prefer.
//
// Two ways to sign in: in the system browser with the authorization-code
// flow, PKCE and a loopback redirect on 127.0.0.1 (RFC 8252), for the window
// and the command line; and the device-code flow (RFC 8628), for machines
// without a browser. The refresh token is kept in the OS keyring (service
// "smtpconf", user "NAME#oauth"), never in a file; access tokens are
// refreshed before they expire.
//
// The app needs a client ID per provider (and, for Google, the installed-app
// client secret, which Google does not treat as confidential). Distributors
// set build-time defaults with -ldflags -X (see GoogleClientID); people
// override them in the config directory's oauth.json or with environment
// variables (SMTPCONF_GOOGLE_CLIENT_ID, ...). Endpoints can be overridden
// the same way, which is how the tests point the app at a local server.
//
// This package has no Fyne import: the window and the command line share it.
package oauth

import (
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// ProviderID names an OAuth2 provider.
type ProviderID string

// The providers smtpconf can sign in with.
const (
	Google    ProviderID = "google"
	Microsoft ProviderID = "microsoft"
)

// Providers lists the providers, in display order.
var Providers = []ProviderID{Google, Microsoft}

// Build-time defaults, for distributors:
//
//	go build -ldflags "-X github.com/smtpconf/smtpconf/smtp/oauth.GoogleClientID=... \
//	  -X github.com/smtpconf/smtpconf/smtp/oauth.GoogleClientSecret=... \
//	  -X github.com/smtpconf/smtpconf/smtp/oauth.MicrosoftClientID=..."
//
// oauth.json in the config directory and the environment override them.
var (
	GoogleClientID     = ""
	GoogleClientSecret = "" // Google's installed-app secret; not confidential
	MicrosoftClientID  = ""
	MicrosoftTenant    = "common" // "common", "consumers", "organizations" or a tenant ID
)

// Provider describes one provider's endpoints and scopes.
type Provider struct {
	ID   ProviderID
	Name string // "Google", "Microsoft": for "Sign in with {{.Name}}"
	// Scopes requested: SMTP sending, plus what is needed to learn the
	// account's address (openid, email) and, for Microsoft, to get a
	// refresh token (offline_access).
	Scopes []string
}

// Info returns the description of a provider, and false for an unknown one.
func Info(id ProviderID) (Provider, bool) {
	switch id {
	case Google:
		return Provider{ID: Google, Name: "Google",
			Scopes: []string{"https://mail.google.com/", "openid", "email"}}, true
	case Microsoft:
		return Provider{ID: Microsoft, Name: "Microsoft",
			Scopes: []string{"https://outlook.office.com/SMTP.Send", "offline_access", "openid", "email", "profile"}}, true
	}
	return Provider{}, false
}

// ParseProvider accepts "google" or "microsoft" (case-insensitive; also
// "gmail", "outlook", "microsoft365", "office365").
func ParseProvider(s string) (ProviderID, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "google", "gmail":
		return Google, true
	case "microsoft", "outlook", "microsoft365", "office365", "ms":
		return Microsoft, true
	}
	return "", false
}

// defaultEndpoints are the real providers' endpoints; tenant fills
// Microsoft's.
func defaultEndpoints(id ProviderID, tenant string) (auth, token, device string) {
	switch id {
	case Google:
		return "https://accounts.google.com/o/oauth2/v2/auth",
			"https://oauth2.googleapis.com/token",
			"https://oauth2.googleapis.com/device/code"
	case Microsoft:
		if tenant == "" {
			tenant = "common"
		}
		base := "https://login.microsoftonline.com/" + tenant + "/oauth2/v2.0/"
		return base + "authorize", base + "token", base + "devicecode"
	}
	return "", "", ""
}

// ProviderForPreset is the provider of a preset: gmail is Google; outlook
// and microsoft365 are Microsoft.
func ProviderForPreset(presetID string) (ProviderID, bool) {
	switch strings.ToLower(strings.TrimSpace(presetID)) {
	case "gmail":
		return Google, true
	case "outlook", "microsoft365":
		return Microsoft, true
	}
	return "", false
}

// ProviderFor is the provider a profile signs in with: by its preset, else
// by its host (smtp.gmail.com; smtp-mail.outlook.com, smtp.office365.com).
func ProviderFor(p smtp.Profile) (ProviderID, bool) {
	if id, ok := ProviderForPreset(p.Preset); ok {
		return id, true
	}
	switch strings.ToLower(strings.TrimSuffix(strings.TrimSpace(p.Host), ".")) {
	case "smtp.gmail.com", "smtp.googlemail.com":
		return Google, true
	case "smtp-mail.outlook.com", "smtp.office365.com", "smtp.outlook.com":
		return Microsoft, true
	}
	return "", false
}

// RegistrationSteps are the steps of registering a client ID at a
// provider's console, translated: the hint of ErrNoClientID ends with them.
// Each front end adds the last step, where the client ID goes (a command,
// or the window's Settings).
func RegistrationSteps(id ProviderID) []string {
	switch id {
	case Google:
		return []string{
			l10n.L("1) At console.cloud.google.com, open APIs & Services → Credentials → Create credentials → OAuth client ID, of type \"Desktop app\"."),
			l10n.L("2) Enable the Gmail API, and add the scope https://mail.google.com/ on the OAuth consent screen."),
		}
	case Microsoft:
		return []string{
			l10n.L("1) At portal.azure.com, open Microsoft Entra ID → App registrations → New registration, for \"Accounts in any organizational directory and personal Microsoft accounts\"."),
			l10n.L("2) Under Authentication, add the platform \"Mobile and desktop applications\" with the redirect URI http://localhost, and turn on \"Allow public client flows\" (for the device code)."),
		}
	}
	return nil
}

// LastSteps are a front end's last step of registering a client ID with
// each provider, translated: where that front end takes the ID (a command,
// or the window's Settings). The steps before it are the provider's
// (RegistrationSteps), the same for every front end.
type LastSteps map[ProviderID]string

// Help is the whole of registering a client ID with id: the steps at the
// provider's console, then the front end's last one (if it has one).
func (last LastSteps) Help(id ProviderID) []string {
	steps := RegistrationSteps(id)
	if l := last[id]; l != "" {
		steps = append(steps, l)
	}
	return steps
}

// After is a hint that asks to register a client ID with id (it ends with
// the provider's steps), followed by the front end's last step.
func (last LastSteps) After(hint string, id ProviderID) string {
	if l := last[id]; l != "" {
		return hint + "\n" + l
	}
	return hint
}
