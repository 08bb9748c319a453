package smtp

import (
	"errors"
	"strings"
)

// Action is what fixes a failure, whatever the medium: the core's hint
// says what is wrong in plain words, and each front end words the action
// for itself (the command line names the command to run, the window shows
// the step or the button that does it).
type Action int

// The actions a diagnosis or an error can ask for.
const (
	RemedyNone Action = iota
	// RemedyStorePassword: the profile needs its password stored.
	RemedyStorePassword
	// RemedyChooseProfile: no profile has the name given; list the
	// profiles, or create one.
	RemedyChooseProfile
	// RemedySignIn: the profile must sign in with its OAuth2 provider.
	RemedySignIn
	// RemedyRegisterOAuthClient: this copy of smtpconf needs a client ID
	// registered with the provider; the hint ends with the registration
	// steps at the provider, the front end adds where the ID goes.
	RemedyRegisterOAuthClient
)

// Remedy is the fix of a failure as data.
type Remedy struct {
	Action Action
	// Provider and ProviderName are the OAuth2 provider ("google",
	// "Google") for RemedySignIn and RemedyRegisterOAuthClient.
	Provider     string
	ProviderName string
}

// hinter is implemented by errors that know their own fix, in words
// (keyring, sign-in and outbox errors).
type hinter interface{ Hint() string }

// remedier is implemented by errors that know the action that fixes them
// (sign-in errors of package smtp/oauth).
type remedier interface{ Remedy() Remedy }

// RemedyOf is the remedy err carries, or the zero Remedy.
func RemedyOf(err error) Remedy {
	var r remedier
	if errors.As(err, &r) {
		return r.Remedy()
	}
	return Remedy{}
}

// Hint is the fix that err knows for itself, in plain words (keyring,
// sign-in and outbox errors carry one), or "".
func Hint(err error) string {
	var h hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// String encodes the remedy for storage (the outbox keeps it beside the
// hint, so each front end can word it when it shows the entry later):
// "" for none, else the action, then the provider and its name.
func (r Remedy) String() string {
	name, ok := remedyNames[r.Action]
	if !ok || r.Action == RemedyNone {
		return ""
	}
	if r.Provider == "" && r.ProviderName == "" {
		return name
	}
	return name + ":" + r.Provider + ":" + r.ProviderName
}

// ParseRemedy decodes what String wrote; anything it does not know (a
// newer version's action) is no remedy, so the plain hint still shows.
func ParseRemedy(s string) Remedy {
	name, rest, _ := strings.Cut(s, ":")
	for a, n := range remedyNames {
		if n == name && a != RemedyNone {
			r := Remedy{Action: a}
			r.Provider, r.ProviderName, _ = strings.Cut(rest, ":")
			return r
		}
	}
	return Remedy{}
}

// remedyNames are the stored names of the actions: never change one, the
// outbox keeps them.
var remedyNames = map[Action]string{
	RemedyNone:                "",
	RemedyStorePassword:       "store-password",
	RemedyChooseProfile:       "choose-profile",
	RemedySignIn:              "sign-in",
	RemedyRegisterOAuthClient: "register-oauth-client",
}
