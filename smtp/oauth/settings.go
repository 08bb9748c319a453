package oauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

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
	path := filepath.Join(dir, SettingsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("%w: %v", ErrSettings, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("%w: %s: %v", ErrSettings, path, err)
	}
	return s, nil
}

// SettingsDir is the directory whose oauth.json the Manager reads (its
// ConfigDir, else the default config directory).
func (m *Manager) SettingsDir() string {
	return m.configDir()
}

// SaveSettings writes dir/oauth.json atomically (0600, in the 0700 config
// directory).
func SaveSettings(dir string, s Settings) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	defer forgetSettings(dir)
	return smtp.WriteConfigFile(dir, SettingsFile, append(data, '\n'))
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
	pick(&c.ClientID, "", ps.ClientID, getenv("SMTPCONF_"+P+"_CLIENT_ID"))
	pick(&c.ClientSecret, "", ps.ClientSecret, getenv("SMTPCONF_"+P+"_CLIENT_SECRET"))
	if id == Microsoft {
		pick(&c.Tenant, "", ps.Tenant, getenv("SMTPCONF_MICROSOFT_TENANT"))
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
		if !secureEndpoint(*dst) {
			return Config{}, &Error{Kind: ErrSettings, Provider: id, Err: errors.New(l10n.L(
				"{{.Source}}: the address {{.URL}} must start with https:// (plain http:// only to 127.0.0.1, ::1 or localhost)",
				map[string]any{"Source": from[dst], "URL": fmt.Sprintf("%q", *dst)}))}
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
