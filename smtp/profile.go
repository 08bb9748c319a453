package smtp

import (
	"encoding/json"
	"fmt"
	"time"
)

// Timeout bounds, and the default when a profile leaves it unset.
const (
	DefaultTimeout = 30 * time.Second
	MinTimeout     = 1 * time.Second
	MaxTimeout     = 10 * time.Minute
)

// Profile is one named set of settings for sending through a server. It holds
// no secret: the password lives in the keyring under the profile's name.
type Profile struct {
	Name     string     `json:"name"`
	Preset   string     `json:"preset,omitempty"`
	Host     string     `json:"host"`
	Port     int        `json:"port"`
	Security Security   `json:"security"`
	Auth     AuthMethod `json:"auth"`
	Username string     `json:"username,omitempty"`
	From     string     `json:"from,omitempty"`
	FromName string     `json:"from_name,omitempty"`
	HELO     string     `json:"helo,omitempty"`
	// Timeout bounds each network step; zero means DefaultTimeout.
	Timeout            Duration `json:"timeout,omitempty"`
	CAFile             string   `json:"ca_file,omitempty"`
	InsecureSkipVerify bool     `json:"insecure_skip_verify,omitempty"`
	// FromPolicy adapts messages from other programs (relay, sendmail) to
	// the account; empty means the preset's default (EffectiveFromPolicy).
	FromPolicy FromPolicy `json:"from_policy,omitempty"`
}

// EffectiveTimeout is the per-step timeout to use.
func (p Profile) EffectiveTimeout() time.Duration {
	if p.Timeout <= 0 {
		return DefaultTimeout
	}
	return time.Duration(p.Timeout)
}

// NeedsSecret reports whether sending with this profile needs a password or token.
func (p Profile) NeedsSecret() bool {
	return p.Auth != AuthNone && p.Username != ""
}

// Addr is host:port.
func (p Profile) Addr() string {
	return fmt.Sprintf("%s:%d", bracketIPv6(p.Host), p.Port)
}

func bracketIPv6(h string) string {
	for i := 0; i < len(h); i++ {
		if h[i] == ':' {
			return "[" + h + "]"
		}
	}
	return h
}

// ApplyPreset fills the server settings of p from a preset.
func (p *Profile) ApplyPreset(pr Preset) {
	p.Preset = pr.ID
	p.Host = pr.Host
	p.Port = pr.Port
	p.Security = pr.Security
	p.Auth = pr.Auth
	if pr.Username != "" && p.Username == "" {
		p.Username = pr.Username
	}
}

// Duration is a time.Duration that reads and writes JSON as "30s".
type Duration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a Go duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%w: %q", ErrInvalidTimeout, s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalidTimeout, b)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}
