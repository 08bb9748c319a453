package smtp

// LayeredSecrets looks in the session secrets first, then in the persistent
// store (usually a Keyring). It is what the window uses: a password used "for
// this session only" wins over the stored one and never reaches the keyring.
type LayeredSecrets struct {
	Session    *SessionSecrets
	Persistent SecretStore
}

// Get returns the session secret of profile if there is one (without asking
// the persistent store), else the persistent one.
func (l LayeredSecrets) Get(profile string) (string, error) {
	if l.Session != nil {
		if v, err := l.Session.Get(profile); err == nil {
			return v, nil
		}
	}
	return l.Persistent.Get(profile)
}

// Set stores secret in the persistent store and, once that worked, drops any
// session secret of profile so the stored one is used. Use Session.Set for
// "this session only".
func (l LayeredSecrets) Set(profile, secret string) error {
	if err := l.Persistent.Set(profile, secret); err != nil {
		return err
	}
	if l.Session != nil {
		return l.Session.Delete(profile)
	}
	return nil
}

// Delete removes the secret of profile from both layers.
func (l LayeredSecrets) Delete(profile string) error {
	if l.Session != nil {
		_ = l.Session.Delete(profile)
	}
	return l.Persistent.Delete(profile)
}

// Rename moves the secret of oldName to newName in both layers. The
// persistent store must have a Rename method (Keyring does) for its secret to
// move.
func (l LayeredSecrets) Rename(oldName, newName string) error {
	if r, ok := l.Persistent.(interface{ Rename(string, string) error }); ok {
		if err := r.Rename(oldName, newName); err != nil {
			return err
		}
	}
	if l.Session != nil {
		return l.Session.Rename(oldName, newName)
	}
	return nil
}
