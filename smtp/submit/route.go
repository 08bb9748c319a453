package submit

import (
	"errors"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// Profiles is what Route reads: smtp.Store has these methods.
type Profiles interface {
	Get(name string) (smtp.Profile, error)
	List() ([]smtp.Profile, error)
	Default() (string, error)
}

var _ Profiles = (*smtp.Store)(nil)

// Route picks the profile a message is sent through: the one named
// (explicit), else the one whose account address is the envelope sender
// (the default profile first if several are), else the default profile.
// With none, the error is an *Error with Problem NoProfile (or
// UnknownProfile for a name that does not exist); a profiles file that
// cannot be read is returned as it is.
func Route(st Profiles, explicit, sender string) (smtp.Profile, error) {
	if explicit != "" {
		p, err := st.Get(explicit)
		if errors.Is(err, smtp.ErrNoSuchProfile) {
			return p, &Error{Problem: UnknownProfile, Value: explicit, Err: err}
		}
		return p, err
	}
	list, err := st.List()
	if err != nil {
		return smtp.Profile{}, err
	}
	def, err := st.Default()
	if err != nil {
		return smtp.Profile{}, err
	}
	var match, dflt *smtp.Profile
	for i := range list {
		p := &list[i]
		if p.Name == def {
			dflt = p
		}
		if sender != "" && match == nil && strings.EqualFold(p.AccountAddress(), sender) {
			match = p
		}
	}
	if sender != "" && dflt != nil && strings.EqualFold(dflt.AccountAddress(), sender) {
		return *dflt, nil
	}
	if match != nil {
		return *match, nil
	}
	if dflt != nil {
		return *dflt, nil
	}
	return smtp.Profile{}, &Error{Problem: NoProfile}
}
