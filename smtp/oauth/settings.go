package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// SettingsFile is the OAuth2 settings file in the config directory. It holds
// client IDs and endpoint overrides, never a token. Example:
//
//	{"google": {"client_id": "123-abc.apps.googleusercontent.com", "client_secret": "GOCSPX-..."},
//	 "microsoft": {"client_id": "00000000-0000-0000-0000-000000000000", "tenant": "common"}}
const SettingsFile = "oauth.json"

// ProviderSettings are one provider's settings. Empty fields keep the value
// from the build (or the provider's real endpoints).
type ProviderSettings struct {
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Tenant (Microsoft): "common" (personal and work accounts),
	// "consumers", "organizations", or a tenant ID or domain.
	Tenant    string `json:"tenant,omitempty"`
	AuthURL   string `json:"auth_url,omitempty"`
	TokenURL  string `json:"token_url,omitempty"`
	DeviceURL string `json:"device_url,omitempty"`
}

// Settings is the content of oauth.json.
type Settings struct {
	Google    ProviderSettings `json:"google,omitzero"`
	Microsoft ProviderSettings `json:"microsoft,omitzero"`
}

// For returns the settings of one provider.
func (s *Settings) For(id ProviderID) *ProviderSettings {
	if id == Microsoft {
		return &s.Microsoft
	}
	return &s.Google
}

// settingsCache keeps oauth.json as last read, per directory, so that
// resolving a provider's configuration (which the window does whenever a
// preset is applied) costs one stat, not a read and a parse.
var settingsCache = struct {
	sync.Mutex
	m map[string]cachedSettings
}{m: map[string]cachedSettings{}}

type cachedSettings struct {
	fi os.FileInfo // nil: there was no file
	s  Settings
}

// loadSettingsCached is LoadSettings, answered from the cache while the
// file is the same one (same file, size and modification time). Errors are
// not cached.
func loadSettingsCached(dir string) (Settings, error) {
	if dir == "" {
		return Settings{}, nil
	}
	fi, err := os.Stat(filepath.Join(dir, SettingsFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return LoadSettings(dir)
	}
	if err != nil {
		fi = nil
	}
	settingsCache.Lock()
	c, ok := settingsCache.m[dir]
	settingsCache.Unlock()
	if ok && sameFile(c.fi, fi) {
		return c.s, nil
	}
	s, err := LoadSettings(dir)
	if err != nil {
		return s, err
	}
	settingsCache.Lock()
	settingsCache.m[dir] = cachedSettings{fi: fi, s: s}
	settingsCache.Unlock()
	return s, nil
}

func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// forgetSettings drops dir's cached settings.
func forgetSettings(dir string) {
	settingsCache.Lock()
	delete(settingsCache.m, dir)
	settingsCache.Unlock()
}

// LoadSettings reads dir/oauth.json; a missing file is empty settings.
func LoadSettings(dir string) (Settings, error) {
	var s Settings
	if dir == "" {
		return s, nil
	}
	if err := smtp.ReadConfigJSON(dir, SettingsFile, ErrSettings, &s); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// SettingsDir is the directory whose oauth.json the Manager reads (its
// ConfigDir, else the default config directory).
func (m *Manager) SettingsDir() string {
	return m.configDir()
}

// SaveSettings replaces dir/oauth.json with s, atomically (0600, in the
// 0700 config directory), under the same locks as UpdateSettings. s is
// checked first (Validate); to change part of the file, use UpdateSettings.
func SaveSettings(dir string, s Settings) error {
	return UpdateSettings(dir, func(cur *Settings) error {
		*cur = s
		return nil
	})
}

// settingsMu serialises UpdateSettings within this process (where the lock
// file is per process only, and around it elsewhere).
var settingsMu sync.Mutex

// SettingsLockFile is the lock file in the config directory that writers
// of oauth.json hold while they read, change and write it.
const SettingsLockFile = "oauth.lock"

// UpdateSettings changes dir/oauth.json: under a process mutex and the
// lock file dir/oauth.lock (flock, so that the window and `smtpconf oauth
// setup` in another process wait for each other), it reads the file, calls
// change, checks the result (Validate) and writes it atomically. A change
// returning an error writes nothing; so does a result that fails the
// check. Two updates of different providers both survive.
func UpdateSettings(dir string, change func(*Settings) error) error {
	if dir == "" {
		return fmt.Errorf("%w: %s", ErrSettings, l10n.L("no configuration directory"))
	}
	settingsMu.Lock()
	defer settingsMu.Unlock()
	if err := smtp.EnsureConfigDir(dir); err != nil {
		return err
	}
	unlock, err := smtp.LockConfigFile(filepath.Join(dir, SettingsLockFile))
	if err != nil {
		return err
	}
	defer unlock()
	s, err := LoadSettings(dir)
	if err != nil {
		return err
	}
	if err := change(&s); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	defer forgetSettings(dir)
	return smtp.WriteConfigFile(dir, SettingsFile, append(data, '\n'))
}

// Validate checks the client IDs, secrets and tenants (ValidateClientID,
// ValidateClientSecret, ValidateTenant). The error wraps ErrSettings and
// names the field ("microsoft.tenant").
func (s *Settings) Validate() error {
	for _, id := range Providers {
		ps := s.For(id)
		for _, c := range []struct {
			field string
			check func(string) error
			val   string
		}{
			{"client_id", ValidateClientID, ps.ClientID},
			{"client_secret", ValidateClientSecret, ps.ClientSecret},
			{"tenant", func(v string) error { _, err := ValidateTenant(v); return err }, ps.Tenant},
		} {
			if err := c.check(c.val); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrSettings, SettingsFile+" ("+string(id)+"."+c.field+")", err)
			}
		}
	}
	return nil
}

// maxClientText is the longest client ID or secret accepted.
const maxClientText = 512

// ErrInvalidValue is the kind of the errors of ValidateClientID,
// ValidateClientSecret and ValidateTenant (whose messages are sentences to
// show).
var ErrInvalidValue = errors.New("invalid value")

// valueError is a sentence for the person that is ErrInvalidValue.
type valueError string

func (e valueError) Error() string        { return string(e) }
func (e valueError) Is(target error) bool { return target == ErrInvalidValue }

// validClientText reports whether s has no spaces or control characters
// and is not too long.
func validClientText(s string) bool {
	if len(s) > maxClientText {
		return false
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// ValidateClientID checks a client ID as entered (surrounding spaces are
// trimmed): no spaces or control characters inside, at most 512 bytes. ""
// (none set: the build's default applies) is accepted.
func ValidateClientID(s string) error {
	if !validClientText(strings.TrimSpace(s)) {
		return valueError(l10n.L("The client ID cannot contain spaces or control characters. Copy it again from the provider's console."))
	}
	return nil
}

// ValidateClientSecret checks a client secret the way ValidateClientID
// checks a client ID.
func ValidateClientSecret(s string) error {
	if !validClientText(strings.TrimSpace(s)) {
		return valueError(l10n.L("The client secret cannot contain spaces or control characters. Copy it again from the provider's console."))
	}
	return nil
}

// TenantWords are Microsoft's tenant names.
var TenantWords = []string{"common", "consumers", "organizations"}

// The patterns are compiled on first use: the domain one is large (0.5 ms,
// 100 KB), and every command would otherwise pay for it at start-up.
var (
	tenantGUID = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
	tenantDomain = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))+$`)
	})
)

// ValidateTenant checks a Microsoft tenant: one of TenantWords, a tenant ID
// (GUID) or a domain; "" keeps the default. It returns the value to use
// (the word as Microsoft spells it, or the ID or domain in lower case).
func ValidateTenant(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	for _, w := range TenantWords {
		if strings.EqualFold(s, w) {
			return w, nil
		}
	}
	if tenantGUID().MatchString(s) || len(s) <= 253 && tenantDomain().MatchString(s) {
		return strings.ToLower(s), nil
	}
	return "", valueError(l10n.L("The tenant must be common, consumers, organizations, a tenant ID (such as 00000000-0000-0000-0000-000000000000) or a domain (such as contoso.onmicrosoft.com)."))
}

// Environment variables that override the settings (and the build's
// defaults). P is GOOGLE or MICROSOFT.
//
//	SMTPCONF_P_CLIENT_ID, SMTPCONF_P_CLIENT_SECRET, SMTPCONF_MICROSOFT_TENANT
//	SMTPCONF_OAUTH_P_AUTH_URL, SMTPCONF_OAUTH_P_TOKEN_URL, SMTPCONF_OAUTH_P_DEVICE_URL
//	SMTPCONF_OAUTH_BASE_URL: every endpoint under one base, as
//	  BASE/google/authorize, BASE/google/token, BASE/google/device (and
//	  .../microsoft/...), e.g. for a local test server
//	SMTPCONF_BROWSER: the command that opens the sign-in page (the URL is its
//	  last argument); "none" opens nothing (the address is printed)
const (
	EnvBaseURL = "SMTPCONF_OAUTH_BASE_URL"
	EnvBrowser = "SMTPCONF_BROWSER"
)

// Config is a provider's resolved configuration: the build's defaults,
// overridden by oauth.json, overridden by the environment.
type Config struct {
	Provider     ProviderID
	ClientID     string
	ClientSecret string
	Tenant       string
	AuthURL      string
	TokenURL     string
	DeviceURL    string
	Scopes       []string
}

// ResolveConfig works out a provider's configuration. getenv nil means
// os.Getenv. A missing client ID is an *Error of kind ErrNoClientID whose
// hint says how to register one.
func ResolveConfig(configDir string, id ProviderID, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	info, ok := Info(id)
	if !ok {
		return Config{}, &Error{Kind: ErrNoProvider, Provider: id}
	}
	c := Config{Provider: id, Scopes: info.Scopes}
	switch id {
	case Google:
		c.ClientID, c.ClientSecret = GoogleClientID, GoogleClientSecret
	case Microsoft:
		c.ClientID, c.Tenant = MicrosoftClientID, MicrosoftTenant
	}
	s, err := loadSettingsCached(configDir)
	if err != nil {
		return Config{}, &Error{Kind: ErrSettings, Provider: id, Err: err}
	}
	ps := s.For(id)
	file := filepath.Join(configDir, SettingsFile)
	// from records where each endpoint came from, for the error about it.
	from := map[*string]string{}
	pick := func(dst *string, source string, vals ...string) {
		for _, v := range vals {
			if v = strings.TrimSpace(v); v != "" {
				*dst = v
				from[dst] = source
			}
		}
	}
	P := strings.ToUpper(string(id))
	fileField := func(name string) string { return file + " (" + string(id) + "." + name + ")" }
	pick(&c.ClientID, fileField("client_id"), ps.ClientID)
	pick(&c.ClientID, "SMTPCONF_"+P+"_CLIENT_ID", getenv("SMTPCONF_"+P+"_CLIENT_ID"))
	pick(&c.ClientSecret, fileField("client_secret"), ps.ClientSecret)
	pick(&c.ClientSecret, "SMTPCONF_"+P+"_CLIENT_SECRET", getenv("SMTPCONF_"+P+"_CLIENT_SECRET"))
	if id == Microsoft {
		pick(&c.Tenant, fileField("tenant"), ps.Tenant)
		pick(&c.Tenant, "SMTPCONF_MICROSOFT_TENANT", getenv("SMTPCONF_MICROSOFT_TENANT"))
	}
	// The client ID, secret and tenant are checked wherever they came from
	// (a hand-edited file, the environment); the build's are trusted.
	invalid := func(dst *string, err error) error {
		return &Error{Kind: ErrSettings, Provider: id, Err: fmt.Errorf("%s: %w", from[dst], err)}
	}
	if _, set := from[&c.ClientID]; set {
		if err := ValidateClientID(c.ClientID); err != nil {
			return Config{}, invalid(&c.ClientID, err)
		}
	}
	if _, set := from[&c.ClientSecret]; set {
		if err := ValidateClientSecret(c.ClientSecret); err != nil {
			return Config{}, invalid(&c.ClientSecret, err)
		}
	}
	if _, set := from[&c.Tenant]; set {
		t, err := ValidateTenant(c.Tenant)
		if err != nil {
			return Config{}, invalid(&c.Tenant, err)
		}
		c.Tenant = t
	}
	c.AuthURL, c.TokenURL, c.DeviceURL = defaultEndpoints(id, c.Tenant)
	pick(&c.AuthURL, file+" ("+string(id)+".auth_url)", ps.AuthURL)
	pick(&c.TokenURL, file+" ("+string(id)+".token_url)", ps.TokenURL)
	pick(&c.DeviceURL, file+" ("+string(id)+".device_url)", ps.DeviceURL)
	if base := strings.TrimRight(strings.TrimSpace(getenv(EnvBaseURL)), "/"); base != "" {
		b := base + "/" + string(id) + "/"
		pick(&c.AuthURL, EnvBaseURL, b+"authorize")
		pick(&c.TokenURL, EnvBaseURL, b+"token")
		pick(&c.DeviceURL, EnvBaseURL, b+"device")
	}
	for _, e := range []struct {
		dst *string
		env string
	}{{&c.AuthURL, "AUTH_URL"}, {&c.TokenURL, "TOKEN_URL"}, {&c.DeviceURL, "DEVICE_URL"}} {
		name := "SMTPCONF_OAUTH_" + P + "_" + e.env
		pick(e.dst, name, getenv(name))
	}
	// Tokens and codes travel to these addresses: only https, or plain
	// http to this computer (a local test server).
	for _, dst := range []*string{&c.AuthURL, &c.TokenURL, &c.DeviceURL} {
		d := map[string]any{"Source": from[dst], "URL": fmt.Sprintf("%q", redactURL(*dst))}
		if u, err := url.Parse(*dst); err == nil && u.User != nil {
			return Config{}, &Error{Kind: ErrSettings, Provider: id, Err: errors.New(l10n.L(
				"{{.Source}}: the address {{.URL}} must not contain a user name or password", d))}
		}
		if !secureEndpoint(*dst) {
			return Config{}, &Error{Kind: ErrSettings, Provider: id, Err: errors.New(l10n.L(
				"{{.Source}}: the address {{.URL}} must start with https:// (plain http:// only to 127.0.0.1, ::1 or localhost)", d))}
		}
	}
	if c.ClientID == "" {
		return c, &Error{Kind: ErrNoClientID, Provider: id}
	}
	return c, nil
}

// secureEndpoint reports whether an endpoint address is https, or http to a
// loopback host.
func secureEndpoint(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := strings.ToLower(u.Hostname())
		return h == "127.0.0.1" || h == "::1" || h == "localhost"
	}
	return false
}

// redactURL is an endpoint address fit for a message: its user info (a
// password, or a user name alone, which may be a token too) is replaced by
// "xxxxx", as url.URL.Redacted does for passwords; an address that cannot
// be parsed loses everything between "//" and the last "@" of its host
// part.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		if u.User == nil {
			return s
		}
		u.User = url.User("xxxxx")
		return u.String()
	}
	if i := strings.Index(s, "//"); i >= 0 {
		rest := s[i+2:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			return s[:i+2] + "xxxxx" + rest[at:]
		}
	}
	return s
}
