package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// ExpiryMargin: an access token this close to its expiry is refreshed
// before use, so it does not expire during a send.
const ExpiryMargin = 2 * time.Minute

// DefaultSignInTimeout bounds a browser or device sign-in when
// Manager.Timeout is zero.
const DefaultSignInTimeout = 5 * time.Minute

// Manager signs profiles in and out and hands out access tokens. The zero
// value works: the OS keyring, the default config directory, the system
// browser. It is safe for concurrent use.
type Manager struct {
	// Secrets is where tokens are kept, under smtp.OAuthKey(profile); nil
	// means the OS keyring (smtp.Keyring{}).
	Secrets smtp.SecretStore
	// ConfigDir holds oauth.json; "" means smtp.ConfigDir("") (the
	// environment, else the user's config directory).
	ConfigDir string
	// Getenv reads the environment overrides; nil means os.Getenv.
	Getenv func(string) string
	// HTTPClient talks to the provider; nil means a client with a 30 s
	// timeout.
	HTTPClient *http.Client
	// Browser opens the sign-in page. It should return once the browser was
	// asked to open it. nil means $SMTPCONF_BROWSER, else the system's
	// opener (xdg-open, open, rundll32).
	Browser func(url string) error
	// Timeout bounds a whole sign-in (the person's time in the browser, or
	// on the other device); 0 means DefaultSignInTimeout in the browser and
	// the device code's lifetime in the device flow.
	Timeout time.Duration
}

// Status is what is known about a profile's sign-in. It never holds a token.
type Status struct {
	SignedIn bool       `json:"signed_in"`
	Account  string     `json:"account"`  // the signed-in address, "" if unknown
	Provider ProviderID `json:"provider"` // "" when not signed in
	// Expires is when the current access token expires (zero if none is
	// held); a new one is fetched automatically with the refresh token.
	Expires time.Time `json:"-"`
}

func (m *Manager) secrets() smtp.SecretStore {
	if m.Secrets != nil {
		return m.Secrets
	}
	return smtp.Keyring{}
}

func (m *Manager) getenv(k string) string {
	if m.Getenv != nil {
		return m.Getenv(k)
	}
	return os.Getenv(k)
}

func (m *Manager) configDir() string {
	if m.ConfigDir != "" {
		return m.ConfigDir
	}
	d, _ := smtp.ConfigDir(m.getenv(smtp.EnvConfigDir))
	return d
}

func (m *Manager) httpClient() *http.Client {
	if m.HTTPClient != nil {
		return m.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Config resolves a provider's configuration (see ResolveConfig).
func (m *Manager) Config(id ProviderID) (Config, error) {
	return ResolveConfig(m.configDir(), id, m.getenv)
}

// ProviderOf is the provider a profile signs in with, or an *Error of kind
// ErrNoProvider.
func (m *Manager) ProviderOf(p smtp.Profile) (ProviderID, error) {
	if id, ok := ProviderFor(p); ok {
		return id, nil
	}
	return "", &Error{Kind: ErrNoProvider}
}

// stored is the keyring entry (JSON) of a profile's sign-in. The refresh
// token is what matters; the access token is kept too so that separate runs
// of the command line do not each refresh. Never written to a file.
type stored struct {
	V            int        `json:"v"`
	Provider     ProviderID `json:"provider"`
	Account      string     `json:"account,omitempty"`
	RefreshToken string     `json:"refresh_token,omitempty"`
	AccessToken  string     `json:"access_token,omitempty"`
	Expiry       time.Time  `json:"expiry,omitzero"`
	// The client and token endpoint the refresh token was issued to: a
	// refresh token works only with them.
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	TokenURL     string `json:"token_url"`
}

func (m *Manager) load(profile string) (*stored, error) {
	v, err := m.secrets().Get(smtp.OAuthKey(profile))
	if errors.Is(err, smtp.ErrSecretNotFound) {
		return nil, &Error{Kind: ErrNotSignedIn}
	}
	if err != nil {
		return nil, err
	}
	var s stored
	if err := json.Unmarshal([]byte(v), &s); err != nil || s.V != 1 {
		// Not ours (or damaged): treat as signed out; a new sign-in replaces it.
		return nil, &Error{Kind: ErrNotSignedIn}
	}
	return &s, nil
}

// save stores the entry. If it is larger than the keyring allows, the
// access token is left out; if the refresh token alone is too large, the
// error says so.
func (m *Manager) save(profile string, s *stored) error {
	s.V = 1
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if len(data) > smtp.MaxSecretSize && s.RefreshToken != "" {
		c := *s
		c.AccessToken, c.Expiry = "", time.Time{}
		if data, err = json.Marshal(&c); err != nil {
			return err
		}
	}
	if len(data) > smtp.MaxSecretSize {
		return &Error{Kind: ErrTokenTooLarge, Provider: s.Provider}
	}
	err = m.secrets().Set(smtp.OAuthKey(profile), string(data))
	if errors.Is(err, smtp.ErrSecretTooLarge) {
		return &Error{Kind: ErrTokenTooLarge, Provider: s.Provider, Err: err}
	}
	return err
}

// Status reports whether a profile is signed in, as whom, and until when
// the current access token is valid. Not signed in is not an error; a
// keyring that cannot be read is.
func (m *Manager) Status(profile string) (Status, error) {
	s, err := m.load(profile)
	if errors.Is(err, ErrNotSignedIn) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	return s.status(), nil
}

func (s *stored) status() Status {
	return Status{
		SignedIn: s.RefreshToken != "" || (s.AccessToken != "" && time.Now().Before(s.Expiry)),
		Account:  s.Account,
		Provider: s.Provider,
		Expires:  s.Expiry,
	}
}

// SignOut removes a profile's tokens from the keyring. Signing out a
// profile that is not signed in is not an error. (The provider may keep the
// grant until the person removes the app from their account's security
// page.)
//
// It waits for a refresh of the profile's tokens that is under way (in this
// process or another), so that the refresh cannot store them again.
func (m *Manager) SignOut(profile string) error {
	unlock, err := m.lock(context.Background(), profile)
	if err != nil {
		return err
	}
	defer unlock()
	return m.secrets().Delete(smtp.OAuthKey(profile))
}

// profileLocks serialise, within this process, everything that reads a
// profile's tokens and writes them back (refresh, sign-in, sign-out), across
// every Manager and TokenSource: one channel (a lock that a waiter can give
// up on) per profile name.
var profileLocks = struct {
	sync.Mutex
	m map[string]chan struct{}
	// waiting counts the callers of Manager.lock per profile that have not
	// got the lock (nor given up) yet: what the tests wait for.
	waiting map[string]int
}{m: map[string]chan struct{}{}, waiting: map[string]int{}}

// lockWaiting adds d to the profile's count of callers waiting for its lock.
func lockWaiting(profile string, d int) {
	profileLocks.Lock()
	profileLocks.waiting[profile] += d
	if profileLocks.waiting[profile] == 0 {
		delete(profileLocks.waiting, profile)
	}
	profileLocks.Unlock()
}

func profileLock(profile string) chan struct{} {
	profileLocks.Lock()
	defer profileLocks.Unlock()
	c := profileLocks.m[profile]
	if c == nil {
		c = make(chan struct{}, 1)
		profileLocks.m[profile] = c
	}
	return c
}

// lockFileName is the lock file of a profile's tokens in the config
// directory: "oauth-PREFIX-HASH.lock", where PREFIX is the name with
// characters other than ASCII letters, digits, '-' and '_' turned into '_'
// (at most 32 of them, for people looking at the directory) and HASH the
// first 16 hex digits of the name's SHA-256, so that distinct names ("工作"
// and "个人") have distinct lock files.
func lockFileName(profile string) string {
	var b strings.Builder
	for _, r := range profile {
		if b.Len() >= 32 {
			break
		}
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(profile))
	return "oauth-" + b.String() + "-" + hex.EncodeToString(sum[:8]) + ".lock"
}

// lock takes the profile's token lock: this process's first, then the lock
// file in the config directory, which other processes (a cron run of the
// outbox, the window, the command line) take too. It is held across load,
// refresh and save, and by sign-in and sign-out, so that a refresh that
// finishes late cannot store tokens that were signed out or replaced
// meanwhile. The wait for either ends when ctx is done (ctx.Err() is
// returned), also while another process holds the lock file.
func (m *Manager) lock(ctx context.Context, profile string) (unlock func(), err error) {
	lockWaiting(profile, 1)
	defer lockWaiting(profile, -1)
	c := profileLock(profile)
	select {
	case c <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-c }
	dir := m.configDir()
	if dir == "" {
		return release, nil
	}
	if err := smtp.EnsureConfigDir(dir); err != nil {
		release()
		return nil, err
	}
	funlock, err := smtp.LockConfigFileContext(ctx, filepath.Join(dir, lockFileName(profile)))
	if err != nil {
		release()
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", l10n.L("cannot lock the sign-in of profile {{.Name}}", map[string]any{"Name": fmt.Sprintf("%q", profile)}), err)
	}
	return func() { funlock(); release() }, nil
}

// TokenSource returns the access-token source of a profile.
func (m *Manager) TokenSource(profile string) *TokenSource {
	return &TokenSource{m: m, profile: profile}
}

// tokenSourceFor is TokenSource with the provider known for messages.
func (m *Manager) tokenSourceFor(p smtp.Profile) *TokenSource {
	ts := m.TokenSource(p.Name)
	ts.provider, _ = ProviderFor(p)
	return ts
}

// TokenFunc is the smtp.Options.Token of a profile: nil unless the profile
// authenticates with xoauth2.
func (m *Manager) TokenFunc(p smtp.Profile) smtp.TokenFunc {
	if p.Auth != smtp.AuthXOAUTH2 {
		return nil
	}
	return m.tokenSourceFor(p).Token
}

// TokenSource hands out a profile's access token, refreshing it with the
// stored refresh token when it is within ExpiryMargin of expiring (or when
// forced), and storing a rotated refresh token. It is safe for concurrent
// use; refreshes of one profile are serialised across TokenSources,
// Managers and processes (see Manager.lock), so a token that another one
// just refreshed is used instead of refreshing again.
type TokenSource struct {
	m        *Manager
	profile  string
	provider ProviderID // for messages before anything is stored; may be ""
}

// Token returns a valid access token. force fetches a new one even if the
// stored one looks valid (the server refused it). Errors: *Error of kind
// ErrNotSignedIn, ErrSignInAgain (invalid_grant), ErrUnreachable, or a
// keyring error.
func (ts *TokenSource) Token(ctx context.Context, force bool) (string, error) {
	fresh := func(s *stored) bool { return s.AccessToken != "" && time.Until(s.Expiry) > ExpiryMargin }
	if !force {
		// The usual case: a valid token is stored; no lock needed.
		s, err := ts.load()
		if err != nil {
			return "", err
		}
		if fresh(s) {
			return s.AccessToken, nil
		}
	}
	unlock, err := ts.m.lock(ctx, ts.profile)
	if err != nil {
		if ctx.Err() != nil {
			return "", tokenError(ctx, ts.provider, err, ErrSignInAgain)
		}
		return "", err
	}
	defer unlock()
	// Loaded again under the lock: another refresh may just have finished.
	s, err := ts.load()
	if err != nil {
		return "", err
	}
	if !force && fresh(s) {
		return s.AccessToken, nil
	}
	if s.RefreshToken == "" {
		return "", &Error{Kind: ErrSignInAgain, Provider: s.Provider}
	}
	cfg := &oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: s.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, ts.m.httpClient())
	refresh := func(rt string) (*oauth2.Token, error) {
		// An expired token makes x/oauth2 refresh at once.
		return cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Unix(1, 0)}).Token()
	}
	used := s.RefreshToken
	tok, err := refresh(used)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
		// Where the lock does not reach (a system without flock, another
		// config directory), another process may have refreshed meanwhile
		// and the provider rotated the refresh token: use the one stored
		// now, once.
		if again, lerr := ts.m.load(ts.profile); lerr == nil && again.RefreshToken != "" && again.RefreshToken != used {
			s, used = again, again.RefreshToken
			tok, err = refresh(used)
		}
	}
	if err != nil {
		return "", tokenError(ctx, s.Provider, err, ErrSignInAgain)
	}
	// Before saving, look again: a sign-out or a new sign-in that did not
	// wait for the lock must not be undone by this refresh.
	now, err := ts.m.load(ts.profile)
	if errors.Is(err, ErrNotSignedIn) {
		return "", &Error{Kind: ErrNotSignedIn, Provider: s.Provider}
	}
	if err != nil {
		return "", err
	}
	if now.RefreshToken != used {
		// Signed in anew meanwhile: that sign-in's tokens stay.
		if fresh(now) {
			return now.AccessToken, nil
		}
		return tok.AccessToken, nil
	}
	s = now
	s.AccessToken, s.Expiry = tok.AccessToken, tok.Expiry
	if tok.RefreshToken != "" {
		s.RefreshToken = tok.RefreshToken // rotated
	}
	if a := accountFromToken(tok); a != "" {
		s.Account = a
	}
	if err := ts.m.save(ts.profile, s); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// load is Manager.load with the provider filled in for messages.
func (ts *TokenSource) load() (*stored, error) {
	s, err := ts.m.load(ts.profile)
	var e *Error
	if errors.As(err, &e) && e.Provider == "" {
		e.Provider = ts.provider
	}
	return s, err
}

// tokenError classifies an error from the token endpoint. grantKind is the
// kind for invalid_grant (ErrSignInAgain on refresh, ErrSignInFailed when
// exchanging a code).
func tokenError(ctx context.Context, id ProviderID, err error, grantKind error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &Error{Provider: id, Code: re.ErrorCode, Description: re.ErrorDescription}
		switch re.ErrorCode {
		case "invalid_grant":
			e.Kind = grantKind
		case "access_denied", "consent_required", "interaction_required":
			e.Kind = ErrConsentDenied
		case "invalid_client", "unauthorized_client":
			e.Kind = ErrClientRejected
		case "expired_token":
			e.Kind = ErrTimeout
		case "":
			e.Kind = ErrSignInFailed
			if re.Response != nil && re.Response.StatusCode >= 500 {
				e.Kind = ErrUnreachable
			}
			if re.Response != nil {
				e.Code = re.Response.Status
			}
		default:
			e.Kind = ErrSignInFailed
		}
		return e
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return &Error{Kind: ErrCanceled, Provider: id, Err: context.Canceled}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: ErrTimeout, Provider: id}
	}
	var ne net.Error // *url.Error from the HTTP client is one
	if errors.As(err, &ne) {
		return &Error{Kind: ErrUnreachable, Provider: id, Err: err}
	}
	return &Error{Kind: ErrSignInFailed, Provider: id, Err: err}
}

// accountFromToken reads the account's address from the id_token's claims.
// The signature is NOT verified: the address is only shown to the person
// and used as the SMTP user name hint; it grants nothing, and it came
// straight from the token endpoint over TLS.
func accountFromToken(tok *oauth2.Token) string {
	idt, _ := tok.Extra("id_token").(string)
	parts := strings.Split(idt, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c struct {
		Email             string `json:"email"`
		PreferredUsername string `json:"preferred_username"`
		UPN               string `json:"upn"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	for _, v := range []string{c.Email, c.PreferredUsername, c.UPN} {
		if strings.Contains(v, "@") {
			return v
		}
	}
	return ""
}
