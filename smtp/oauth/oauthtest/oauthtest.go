// Package oauthtest runs a small OAuth2 authorization server on 127.0.0.1
// for tests: the authorization endpoint (redirects back with a code, or
// with error=access_denied), the token endpoint (authorization_code with
// PKCE S256 verification, refresh_token with expiry, optional rotation and
// an invalid_grant switch, and the device_code grant answering
// authorization_pending and slow_down before it succeeds), and the device
// authorization endpoint (RFC 8628). It speaks for both providers: every
// endpoint is served under any prefix, so
//
//	SMTPCONF_OAUTH_BASE_URL=<Server.URL>
//
// (BASE/google/token, BASE/microsoft/authorize, ...) points the app at it.
//
// Access tokens it issued can be checked with Valid, e.g. by the SMTP test
// server's XOAUTH2 check. Nothing leaves the machine.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a running test authorization server. Exported fields may be
// changed while it runs through Set.
type Server struct {
	URL string // base URL, http://127.0.0.1:PORT

	mu  sync.Mutex
	cfg Config

	codes    map[string]authCode   // code -> request
	access   map[string]time.Time  // access token -> expiry
	refresh  map[string]bool       // refresh token -> valid
	devices  map[string]*deviceReq // device code -> state
	counts   map[string]int
	lastAuth url.Values
	polls    []time.Time
	holds    map[string]*Hold // grant type -> hold on the token endpoint
	srv      *httptest.Server
}

// Hold stops token requests of one grant type until released (see
// Server.Hold).
type Hold struct {
	arrived chan struct{} // closed when the first held request came
	release chan struct{} // closed by Release
	once    sync.Once
	waiting int // requests held now; guarded by Server.mu
}

// Arrived is closed once a request is being held.
func (h *Hold) Arrived() <-chan struct{} { return h.arrived }

// Release lets the held requests (and any later ones) through.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// Config is the server's behaviour.
type Config struct {
	ClientID     string // required client_id; "" accepts any
	ClientSecret string // required client_secret; "" accepts any (public client)
	Email        string // the account in the id_token; default "ann@example.test"

	AccessTTL      time.Duration // lifetime of access tokens; default 1 hour
	Rotate         bool          // every refresh issues a new refresh token (the old one stops working)
	InvalidGrant   bool          // every refresh_token grant fails with invalid_grant
	DenyConsent    bool          // the authorization endpoint redirects with error=access_denied
	NoRefreshToken bool          // issue no refresh token
	RefreshPadding int           // make refresh tokens this many bytes long (size limits)
	Down           bool          // the token endpoint answers 503

	DeviceInterval int  // seconds between polls the client is told; default 1
	DevicePending  int  // authorization_pending answers before ...
	DeviceSlowDown int  // ... slow_down answers before success
	DeviceDeny     bool // after those, access_denied instead of success
	DeviceExpires  int  // lifetime of device codes in seconds; default 300
}

type authCode struct {
	clientID, redirect, challenge, method, scope string
}

type deviceReq struct {
	polls int
	done  bool
}

// Start runs a server until the test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := &Server{cfg: cfg, codes: map[string]authCode{}, access: map[string]time.Time{},
		refresh: map[string]bool{}, devices: map[string]*deviceReq{}, counts: map[string]int{}, holds: map[string]*Hold{}}
	// URL is known before the server starts, so handlers may read it
	// without a race.
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.URL = "http://" + s.srv.Listener.Addr().String()
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// Hold makes the token endpoint hold every request of a grant type
// ("refresh_token", "authorization_code", ...) until Release is called (or
// the test ends), before it counts or answers it: a refresh or a code
// exchange that is under way for as long as the test needs.
func (s *Server) Hold(t testing.TB, grant string) *Hold {
	h := &Hold{arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.holds[grant] = h
	s.mu.Unlock()
	t.Cleanup(h.Release)
	return h
}

// Held returns how many requests are being held now.
func (s *Server) Held(grant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.holds[grant]; h != nil {
		return h.waiting
	}
	return 0
}

// hold waits while grant is held; it reports false if the client gave up.
func (s *Server) hold(r *http.Request, grant string) bool {
	s.mu.Lock()
	h := s.holds[grant]
	if h == nil {
		s.mu.Unlock()
		return true
	}
	select {
	case <-h.release:
		s.mu.Unlock()
		return true
	default:
	}
	h.waiting++
	if h.waiting == 1 {
		select {
		case <-h.arrived:
		default:
			close(h.arrived)
		}
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		h.waiting--
		s.mu.Unlock()
	}()
	select {
	case <-h.release:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Close stops the server (tests of an unreachable provider).
func (s *Server) Close() { s.srv.Close() }

// Set changes the behaviour; it applies to the next request.
func (s *Server) Set(f func(*Config)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.cfg)
}

// Getenv returns an environment lookup that points the app at this server,
// with the given client IDs, falling back to base for everything else.
func (s *Server) Getenv(base func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "SMTPCONF_OAUTH_BASE_URL":
			return s.URL
		case "SMTPCONF_GOOGLE_CLIENT_ID", "SMTPCONF_MICROSOFT_CLIENT_ID":
			if s.cfg.ClientID != "" {
				return s.cfg.ClientID
			}
			return "test-client"
		case "SMTPCONF_GOOGLE_CLIENT_SECRET":
			return s.cfg.ClientSecret
		}
		if base != nil {
			return base(k)
		}
		return ""
	}
}

// Env is the same as Getenv, as "KEY=value" pairs for a child process.
func (s *Server) Env() []string {
	id := s.cfg.ClientID
	if id == "" {
		id = "test-client"
	}
	env := []string{"SMTPCONF_OAUTH_BASE_URL=" + s.URL, "SMTPCONF_GOOGLE_CLIENT_ID=" + id, "SMTPCONF_MICROSOFT_CLIENT_ID=" + id}
	if s.cfg.ClientSecret != "" {
		env = append(env, "SMTPCONF_GOOGLE_CLIENT_SECRET="+s.cfg.ClientSecret)
	}
	return env
}

// Valid reports whether token is an access token this server issued and
// that has not expired (or been expired with ExpireAccess).
func (s *Server) Valid(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.access[token]
	return ok && time.Now().Before(exp)
}

// ExpireAccess makes every access token issued so far invalid, as if they
// had expired early or been revoked.
func (s *Server) ExpireAccess() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.access {
		s.access[k] = time.Time{}
	}
}

// Count returns how many requests of a kind were answered: "authorize",
// "authorization_code", "refresh_token", "device", "device_code".
func (s *Server) Count(kind string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[kind]
}

// LastAuthorize returns the query of the last authorization request.
func (s *Server) LastAuthorize() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuth
}

// DevicePolls returns when the client polled for device tokens.
func (s *Server) DevicePolls() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.polls...)
}

// Browser returns a func that does what a browser would with the sign-in
// page: follow the authorization endpoint's redirect back to the app's
// loopback address, and return an error unless that page answered 200.
// rewrite, if set, may change each address before it is fetched (a test
// that tampers with the state or the PKCE challenge).
func Browser(rewrite func(*url.URL)) func(string) error {
	return func(addr string) error {
		client := &http.Client{Timeout: 30 * time.Second,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if rewrite != nil {
					rewrite(req.URL)
				}
				return nil
			}}
		u, err := url.Parse(addr)
		if err != nil {
			return err
		}
		if rewrite != nil {
			rewrite(u)
		}
		resp, err := client.Get(u.String())
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("browser: %s: %s", resp.Status, body)
		}
		return nil
	}
}

func random(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/authorize"):
		s.authorize(w, r)
	case strings.HasSuffix(r.URL.Path, "/token"):
		s.token(w, r)
	case strings.HasSuffix(r.URL.Path, "/device"), strings.HasSuffix(r.URL.Path, "/devicecode"):
		s.device(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts["authorize"]++
	s.lastAuth = q
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if err != nil || ru.Scheme != "http" || (ru.Hostname() != "127.0.0.1" && ru.Hostname() != "localhost") {
		http.Error(w, "redirect_uri must be a loopback address", http.StatusBadRequest)
		return
	}
	if s.cfg.ClientID != "" && q.Get("client_id") != s.cfg.ClientID {
		// Real providers show an error page and do not redirect.
		http.Error(w, "invalid_client", http.StatusBadRequest)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	switch {
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required")
	case s.cfg.DenyConsent:
		back.Set("error", "access_denied")
		back.Set("error_description", "The user denied the request")
	default:
		code := random("code-", 16)
		s.codes[code] = authCode{clientID: q.Get("client_id"), redirect: redirect,
			challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"), scope: q.Get("scope")}
		back.Set("code", code)
	}
	ru.RawQuery = back.Encode()
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

func tokenErr(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		tokenErr(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	f := r.PostForm
	if !s.hold(r, f.Get("grant_type")) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.Down {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	if (s.cfg.ClientID != "" && f.Get("client_id") != s.cfg.ClientID) ||
		(s.cfg.ClientSecret != "" && f.Get("client_secret") != s.cfg.ClientSecret) {
		tokenErr(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	grant := f.Get("grant_type")
	s.counts[grant]++
	switch grant {
	case "authorization_code":
		c, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code")) // one use only
		if !ok {
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "unknown or used code")
			return
		}
		if f.Get("redirect_uri") != c.redirect || f.Get("client_id") != c.clientID {
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "redirect_uri or client_id does not match")
			return
		}
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if f.Get("code_verifier") == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		s.issue(w, "", c.scope)
	case "refresh_token":
		rt := f.Get("refresh_token")
		if s.cfg.InvalidGrant || !s.refresh[rt] {
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		if s.cfg.Rotate {
			delete(s.refresh, rt)
			rt = ""
		}
		s.issue(w, rt, "")
	case "urn:ietf:params:oauth:grant-type:device_code":
		s.polls = append(s.polls, time.Now())
		d, ok := s.devices[f.Get("device_code")]
		switch {
		case !ok || d.done:
			tokenErr(w, http.StatusBadRequest, "invalid_grant", "unknown device code")
		case d.polls < s.cfg.DevicePending:
			d.polls++
			tokenErr(w, http.StatusBadRequest, "authorization_pending", "")
		case d.polls < s.cfg.DevicePending+s.cfg.DeviceSlowDown:
			d.polls++
			tokenErr(w, http.StatusBadRequest, "slow_down", "")
		case s.cfg.DeviceDeny:
			d.done = true
			tokenErr(w, http.StatusBadRequest, "access_denied", "The user denied the request")
		default:
			d.done = true
			s.issue(w, "", f.Get("scope"))
		}
	default:
		tokenErr(w, http.StatusBadRequest, "unsupported_grant_type", grant)
	}
}

// issue answers with new tokens; keepRefresh is the refresh token to leave
// in place ("" issues a new one). Called with s.mu held.
func (s *Server) issue(w http.ResponseWriter, keepRefresh, scope string) {
	ttl := s.cfg.AccessTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	at := random("at-", 24)
	s.access[at] = time.Now().Add(ttl)
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(ttl.Seconds())}
	if keepRefresh == "" && !s.cfg.NoRefreshToken {
		rt := random("rt-", 24)
		if n := s.cfg.RefreshPadding; n > len(rt) {
			rt += strings.Repeat("x", n-len(rt))
		}
		s.refresh[rt] = true
		resp["refresh_token"] = rt
	}
	if scope != "" && strings.Contains(scope, "openid") {
		email := s.cfg.Email
		if email == "" {
			email = "ann@example.test"
		}
		enc := base64.RawURLEncoding.EncodeToString
		claims, _ := json.Marshal(map[string]any{"email": email, "sub": "1234", "iss": s.URL})
		resp["id_token"] = enc([]byte(`{"alg":"none"}`)) + "." + enc(claims) + ".sig"
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *Server) device(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		tokenErr(w, http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts["device"]++
	if s.cfg.ClientID != "" && r.PostForm.Get("client_id") != s.cfg.ClientID {
		tokenErr(w, http.StatusUnauthorized, "invalid_client", "unknown client")
		return
	}
	dc := random("dc-", 16)
	s.devices[dc] = &deviceReq{}
	interval := s.cfg.DeviceInterval
	if interval == 0 {
		interval = 1
	}
	expires := s.cfg.DeviceExpires
	if expires == 0 {
		expires = 300
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"device_code":      dc,
		"user_code":        "WDJB-MJHT",
		"verification_uri": s.URL + "/device-login",
		"expires_in":       expires,
		"interval":         interval,
	})
}
