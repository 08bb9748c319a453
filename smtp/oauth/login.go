package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// oauth2Config builds the x/oauth2 configuration of c.
func (c Config) oauth2Config(redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:       c.AuthURL,
			TokenURL:      c.TokenURL,
			DeviceAuthURL: c.DeviceURL,
			// Both providers take the client ID (and Google the secret) in
			// the form; auto-detection would send every request twice.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirect,
		Scopes:      c.Scopes,
	}
}

func (m *Manager) timeout() time.Duration {
	if m.Timeout > 0 {
		return m.Timeout
	}
	return DefaultSignInTimeout
}

// prepare resolves the provider and configuration of a profile.
func (m *Manager) prepare(p smtp.Profile) (Config, error) {
	id, err := m.ProviderOf(p)
	if err != nil {
		return Config{}, err
	}
	return m.Config(id)
}

// SignIn signs a profile in with the system browser: the authorization-code
// flow with PKCE (S256) and a one-time loopback redirect on 127.0.0.1
// (RFC 8252). onURL, if set, is called once with the address of the
// sign-in page and the error from opening the browser (nil if it was
// asked to open it): show the address so the person can open it by hand.
// The call returns when the browser came back and the tokens are stored,
// or with an *Error: ErrConsentDenied, ErrStateMismatch, ErrTimeout,
// ErrCanceled (ctx cancelled, e.g. by a Cancel button), ErrSignInFailed,
// ErrClientRejected, ErrUnreachable, ErrNoClientID, ErrNoProvider; or a
// keyring error.
func (m *Manager) SignIn(ctx context.Context, p smtp.Profile, onURL func(url string, browserErr error)) (Status, error) {
	cfg, err := m.prepare(p)
	if err != nil {
		return Status{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout())
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Status{}, &Error{Kind: ErrSignInFailed, Provider: cfg.Provider, Err: err}
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// Microsoft registers the loopback redirect as http://localhost (any
	// port); Google accepts the address itself. Only loopback listens:
	// 127.0.0.1, and ::1 for localhost below.
	host := "127.0.0.1"
	if cfg.Provider == Microsoft {
		host = "localhost"
	}
	redirect := "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/"
	oc := cfg.oauth2Config(redirect)
	verifier := oauth2.GenerateVerifier()
	state := randomState()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}
	if cfg.Provider == Google {
		// A refresh token is only issued with offline access, and again
		// on a later sign-in only with consent.
		opts = append(opts, oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent"))
	} else {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "select_account"))
	}
	if strings.Contains(p.Username, "@") {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", p.Username))
	}
	authURL := oc.AuthCodeURL(state, opts...)

	type outcome struct {
		st  Status
		err error
	}
	done := make(chan outcome, 1)
	var once sync.Once
	finish := func(st Status, err error) { once.Do(func() { done <- outcome{st, err} }) }
	var handling sync.Mutex
	handled := false

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/" || (q.Get("state") == "" && q.Get("code") == "" && q.Get("error") == "") {
			http.NotFound(w, r)
			return
		}
		handling.Lock()
		defer handling.Unlock()
		if handled {
			page(w, http.StatusConflict, l10n.L("This sign-in has already finished."), "")
			return
		}
		handled = true
		st, err := m.callback(ctx, p.Name, cfg, oc, verifier, state, q)
		if err != nil {
			hint := err.Error()
			var e *Error
			if errors.As(err, &e) {
				hint = e.Hint()
			}
			page(w, http.StatusBadRequest, l10n.L("Sign-in failed"), hint)
		} else {
			msg := l10n.L("You are signed in. You can close this tab and return to SMTP Configurator.")
			if st.Account != "" {
				msg = l10n.L("You are signed in as {{.Account}}. You can close this tab and return to SMTP Configurator.", map[string]any{"Account": st.Account})
			}
			page(w, http.StatusOK, l10n.L("Signed in"), msg)
		}
		finish(st, err)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	if host == "localhost" {
		// A browser may resolve localhost to ::1 first; listen there on the
		// same port too when the system has IPv6 loopback (best effort: the
		// browser falls back to 127.0.0.1 otherwise).
		if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
			srv6 := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			go srv6.Serve(ln6)
			defer srv6.Close()
		}
	}

	open := m.Browser
	if open == nil {
		open = m.systemBrowser
	}
	berr := open(authURL)
	if onURL != nil {
		onURL(authURL, berr)
	}
	select {
	case o := <-done:
		return o.st, o.err
	case <-ctx.Done():
		// The handler may be finishing right now; its result wins.
		select {
		case o := <-done:
			return o.st, o.err
		default:
		}
		return Status{}, ctxError(ctx, cfg.Provider)
	}
}

// callback handles the browser's return to the loopback address: the state
// must match, then the code is exchanged (with the PKCE verifier) and the
// tokens stored.
func (m *Manager) callback(ctx context.Context, profile string, cfg Config, oc *oauth2.Config, verifier, state string, q map[string][]string) (Status, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if subtle.ConstantTimeCompare([]byte(get("state")), []byte(state)) != 1 {
		return Status{}, &Error{Kind: ErrStateMismatch, Provider: cfg.Provider}
	}
	if code := get("error"); code != "" {
		e := &Error{Provider: cfg.Provider, Code: code, Description: get("error_description"), Kind: ErrSignInFailed}
		switch code {
		case "access_denied", "consent_required", "interaction_required":
			e.Kind = ErrConsentDenied
		case "unauthorized_client", "invalid_client", "invalid_request":
			e.Kind = ErrClientRejected
		}
		return Status{}, e
	}
	code := get("code")
	if code == "" {
		return Status{}, &Error{Kind: ErrSignInFailed, Provider: cfg.Provider, Description: "no code in the redirect"}
	}
	xctx := context.WithValue(ctx, oauth2.HTTPClient, m.httpClient())
	tok, err := oc.Exchange(xctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return Status{}, tokenError(ctx, cfg.Provider, err, ErrSignInFailed)
	}
	return m.keep(profile, cfg, tok)
}

// keep stores a new sign-in's tokens.
func (m *Manager) keep(profile string, cfg Config, tok *oauth2.Token) (Status, error) {
	if tok.AccessToken == "" {
		return Status{}, &Error{Kind: ErrSignInFailed, Provider: cfg.Provider, Description: "no access token"}
	}
	s := &stored{
		Provider:     cfg.Provider,
		Account:      accountFromToken(tok),
		RefreshToken: tok.RefreshToken,
		AccessToken:  tok.AccessToken,
		Expiry:       tok.Expiry,
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     cfg.TokenURL,
	}
	if err := m.save(profile, s); err != nil {
		return Status{}, err
	}
	return s.status(), nil
}

// DeviceCode is what the person must do on another device: open
// VerificationURL and type UserCode (or open VerificationURLComplete,
// which has the code in it, when the provider gives one).
type DeviceCode struct {
	UserCode                string
	VerificationURL         string
	VerificationURLComplete string
	Expires                 time.Time
}

// SignInDevice signs a profile in with the device-code flow (RFC 8628):
// onCode is called once with the code to show; the call then polls the
// provider (authorization_pending and slow_down are handled) until the
// person has approved, refused (ErrConsentDenied) or the code expired
// (ErrTimeout). Microsoft needs "Allow public client flows" in the app
// registration; Google does not allow the Gmail scope in this flow for
// every client type.
func (m *Manager) SignInDevice(ctx context.Context, p smtp.Profile, onCode func(DeviceCode)) (Status, error) {
	cfg, err := m.prepare(p)
	if err != nil {
		return Status{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout())
	defer cancel()
	oc := cfg.oauth2Config("")
	xctx := context.WithValue(ctx, oauth2.HTTPClient, m.httpClient())
	var opts []oauth2.AuthCodeOption
	if strings.Contains(p.Username, "@") {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", p.Username))
	}
	da, err := oc.DeviceAuth(xctx, opts...)
	if err != nil {
		return Status{}, tokenError(ctx, cfg.Provider, err, ErrSignInFailed)
	}
	if onCode != nil {
		onCode(DeviceCode{UserCode: da.UserCode, VerificationURL: da.VerificationURI,
			VerificationURLComplete: da.VerificationURIComplete, Expires: da.Expiry})
	}
	tok, err := oc.DeviceAccessToken(xctx, da)
	if err != nil {
		if ctx.Err() != nil {
			return Status{}, ctxError(ctx, cfg.Provider)
		}
		return Status{}, tokenError(ctx, cfg.Provider, err, ErrSignInFailed)
	}
	return m.keep(p.Name, cfg, tok)
}

func ctxError(ctx context.Context, id ProviderID) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &Error{Kind: ErrTimeout, Provider: id}
	}
	return &Error{Kind: ErrCanceled, Provider: id, Err: context.Canceled}
}

func randomState() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// page writes the small page the browser shows after the redirect.
func page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	body := strings.ReplaceAll(html.EscapeString(msg), "\n", "<br>")
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title>
<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}h1{font-size:1.4em}</style>
</head><body><h1>%s</h1><p>%s</p><p>%s</p></body></html>`,
		html.EscapeString(title), html.EscapeString(title), body, html.EscapeString(l10n.L("You can close this tab.")))
}

// systemBrowser opens url with $SMTPCONF_BROWSER ("none": nothing), else
// the system's opener. It returns once the opener started.
func (m *Manager) systemBrowser(url string) error {
	var cmd *exec.Cmd
	if b := strings.TrimSpace(m.getenv(EnvBrowser)); b != "" {
		if b == "none" {
			return errors.New(EnvBrowser + "=none")
		}
		f := strings.Fields(b)
		cmd = exec.Command(f[0], append(f[1:], url)...)
	} else {
		switch runtime.GOOS {
		case "darwin":
			cmd = exec.Command("open", url)
		case "windows":
			cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
		default:
			cmd = exec.Command("xdg-open", url)
		}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() //nolint:errcheck // the opener's exit status says nothing useful
	return nil
}
