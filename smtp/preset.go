package smtp

import (
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Credential says what a provider expects in the password field, so the
// window and the hints can name the right thing.
type Credential string

// Kinds of credential a provider can ask for.
const (
	CredPassword    Credential = "password"     // the account password
	CredAppPassword Credential = "app-password" // an app-specific password (needs 2FA)
	CredAuthCode    Credential = "auth-code"    // an authorisation code (授权码), Chinese providers
	CredAPIKey      Credential = "api-key"      // an API key or SMTP key of a sending service
	CredOAuth2      Credential = "oauth2"       // OAuth2 only; basic passwords are refused
	CredNone        Credential = "none"         // no authentication (local test inbox)
)

// PortOption is another port a provider accepts, with its security.
type PortOption struct {
	Port     int      `json:"port"`
	Security Security `json:"security"`
}

// Preset is one provider's known-good settings. The first nine JSON fields are
// the `presets --json` contract.
type Preset struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Host     string     `json:"host"`
	Port     int        `json:"port"`
	Security Security   `json:"security"`
	Auth     AuthMethod `json:"auth"`
	// Domains are exact names ("gmail.com") or a name with "*" for the
	// top-level part ("hotmail.*", which matches hotmail.com and hotmail.co.uk).
	Domains []string `json:"domains"`
	Notes   string   `json:"notes"`
	HelpURL string   `json:"help_url"`

	// Credential is what goes in the password field.
	Credential Credential `json:"credential"`
	// Username is a fixed user name (SendGrid's "apikey"); empty means the email address.
	Username string `json:"username,omitempty"`
	// AltPorts are other ports the provider accepts.
	AltPorts []PortOption `json:"alt_ports,omitempty"`
	// Regions are other hosts for the same service (Zoho EU, Mailgun EU, SES regions).
	Regions []string `json:"regions,omitempty"`
	// AuthChoices are the ways to log in the provider accepts, preferred
	// first (Auth is the first); empty means Auth only. xoauth2 is "Sign in
	// with Google/Microsoft" (package smtp/oauth); the others use the
	// password field (Credential says what goes in it).
	AuthChoices []AuthMethod `json:"auth_choices,omitempty"`
}

// PasswordAuth is the auth method to use when a password (or app password)
// is given instead of signing in: the first choice that is not xoauth2, or
// Auth when there is none (Outlook.com accepts only the sign-in).
func (p Preset) PasswordAuth() AuthMethod {
	for _, a := range p.AuthChoices {
		if a != AuthXOAUTH2 {
			return a
		}
	}
	return p.Auth
}

// Presets returns all built-in presets, in display order. The slice is a copy.
func Presets() []Preset {
	out := make([]Preset, len(builtinPresets))
	for i, p := range builtinPresets {
		p.Domains = append([]string{}, p.Domains...) // [] not null in JSON
		p.AltPorts = append([]PortOption(nil), p.AltPorts...)
		p.Regions = append([]string(nil), p.Regions...)
		p.AuthChoices = append([]AuthMethod(nil), p.AuthChoices...)
		out[i] = p
	}
	return out
}

// PresetByID finds a preset by its id (case-insensitive).
func PresetByID(id string) (Preset, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	for _, p := range Presets() {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}

// PresetForAddress finds the preset whose domains match the domain of an
// email address (or a bare domain). An exact domain beats a "name.*" pattern
// (yahoo.co.jp is Yahoo! JAPAN, not yahoo.*). It never matches "custom" or "local".
func PresetForAddress(addr string) (Preset, bool) {
	domain := addressDomain(addr)
	if domain == "" {
		return Preset{}, false
	}
	var wild Preset
	found := false
	for _, p := range Presets() {
		for _, pattern := range p.Domains {
			if !domainMatches(pattern, domain) {
				continue
			}
			if !strings.HasSuffix(pattern, ".*") {
				return p, true
			}
			if !found {
				wild, found = p, true
			}
		}
	}
	return wild, found
}

// addressDomain is the domain of an address (or a bare domain) in the form
// presets are written in: IDNA-mapped to lower-case ASCII, without a trailing dot.
func addressDomain(addr string) string {
	domain := addr
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		domain = addr[i+1:]
	}
	domain = strings.TrimSpace(domain)
	// Map before lower-casing: strings.ToLower turns "İ" into "i", which would
	// make a different IDN domain (GMAİL.com) look like gmail.com. The IDNA
	// mapping also turns "。" into "." and full-width letters into ASCII.
	if a, err := idna.Lookup.ToASCII(domain); err == nil {
		domain = a
	} else {
		domain = strings.ToLower(domain)
	}
	return strings.TrimSuffix(domain, ".")
}

// domainMatches reports whether domain matches pattern; "name.*" matches
// name followed by an ICANN public suffix of one or two labels
// (hotmail.com, hotmail.co.uk), not by any two labels (hotmail.com.evil).
func domainMatches(pattern, domain string) bool {
	if !strings.HasSuffix(pattern, ".*") {
		return pattern == domain
	}
	base := strings.TrimSuffix(pattern, "*")
	if !strings.HasPrefix(domain, base) {
		return false
	}
	rest := domain[len(base):]
	if rest == "" || strings.Count(rest, ".") > 1 {
		return false
	}
	suffix, icann := publicsuffix.PublicSuffix(domain)
	return icann && suffix == rest
}
