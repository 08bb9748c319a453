package smtp

import (
	"fmt"
	"sync"
)

// SessionSecrets keeps secrets in memory only, for "use for this session
// only". It is safe for concurrent use. The zero value is ready to use.
type SessionSecrets struct {
	mu sync.Mutex
	m  map[string]string
}

// NewSessionSecrets returns an empty in-memory store.
func NewSessionSecrets() *SessionSecrets { return &SessionSecrets{} }

// Get returns the session secret of profile, or an error wrapping
// ErrSecretNotFound.
func (s *SessionSecrets) Get(profile string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[profile]
	if !ok {
		return "", fmt.Errorf("no session secret for profile %q: %w", profile, ErrSecretNotFound)
	}
	return v, nil
}

// Set keeps secret for profile for this session. The secret is checked with
// ValidateSecret.
func (s *SessionSecrets) Set(profile, secret string) error {
	if err := validateSecretProfile(profile); err != nil {
		return err
	}
	if err := ValidateSecret(secret); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]string)
	}
	s.m[profile] = secret
	return nil
}

// Delete forgets the session secret of profile, if any.
func (s *SessionSecrets) Delete(profile string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, profile)
	return nil
}

// Rename moves the session secret of oldName, if any, to newName.
func (s *SessionSecrets) Rename(oldName, newName string) error {
	if err := validateSecretProfile(newName); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[oldName]; ok && oldName != newName {
		s.m[newName] = v
		delete(s.m, oldName)
	}
	return nil
}

// Clear forgets all session secrets.
func (s *SessionSecrets) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.m)
}
