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
	neturl "net/url"
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
// or with an *Error: ErrConsentDenied, ErrTimeout, ErrCanceled (ctx
// cancelled, e.g. by a Cancel button; nothing is stored then),
// ErrSignInFailed, ErrClientRejected, ErrUnreachable, ErrNoRefreshToken,
// ErrNoClientID, ErrNoProvider; or a keyring error. A request to the
// loopback address with another state (ErrStateMismatch) is answered 400
// and does not end the wait.
func (m *Manager) SignIn(ctx context.Context, p smtp.Profile, onURL func(url string, browserErr error)) (Status, error) {
	cfg, err := m.prepare(p)
	if err != nil {
		return Status{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, m.timeout())
	defer cancel()

	// Microsoft registers the loopback redirect as http://localhost (any
	// port); Google accepts the address itself. Only loopback listens:
	// 127.0.0.1, and ::1 for localhost.
	host := "127.0.0.1"
	if cfg.Provider == Microsoft {
		host = "localhost"
	}
	ln, ln6, err := listenLoopback(host == "localhost")
	if err != nil {
		return Status{}, &Error{Kind: ErrSignInFailed, Provider: cfg.Provider, Err: err}
	}
	port := ln.Addr().(*net.TCPAddr).Port
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
		// A request with another state is not this sign-in's answer (a
		// stale tab, a prefetch, another program on this computer): refuse
		// it and keep waiting for the real one.
		if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
			page(w, http.StatusBadRequest, l10n.L("Sign-in failed"), (&Error{Kind: ErrStateMismatch, Provider: cfg.Provider}).Hint())
			return
		}
		handling.Lock()
		defer handling.Unlock()
		if handled {
			page(w, http.StatusConflict, l10n.L("This sign-in has already finished."), "")
			return
		}
		handled = true
		st, err := m.callback(ctx, p.Name, cfg, oc, verifier, q)
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
	if ln6 != nil {
		srv6 := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv6.Serve(ln6)
		defer srv6.Close()
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
		// A callback being handled right now finishes first (it stores
		// nothing once ctx is done, unless it was already storing); then no
		// other is taken, and its result, if any, wins.
		handling.Lock()
		handled = true
		handling.Unlock()
		select {
		case o := <-done:
			return o.st, o.err
		default:
		}
		return Status{}, ctxError(ctx, cfg.Provider)
	}
}

// listenLoopback listens on a free port of 127.0.0.1 and, with both, on the
// same port of ::1 (a browser may resolve localhost to either). When ::1
// exists but that port is taken there, another port is tried; without IPv6
// loopback, 127.0.0.1 alone is used (ln6 nil).
func listenLoopback(both bool) (ln, ln6 net.Listener, err error) {
	for range 20 {
		ln, err = listenTCP("127.0.0.1:0")
		if err != nil || !both {
			return ln, nil, err
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln6, err = listenTCP(net.JoinHostPort("::1", port))
		if err == nil {
			return ln, ln6, nil
		}
		ln.Close()
		probe, perr := listenTCP("[::1]:0")
		if perr != nil {
			// No IPv6 loopback here: 127.0.0.1 alone, as browsers then use.
			ln, err = listenTCP(net.JoinHostPort("127.0.0.1", port))
			if err != nil {
				continue
			}
			return ln, nil, nil
		}
		probe.Close()
		// ::1 works, but this port is taken there: try another pair.
	}
	return nil, nil, fmt.Errorf("%s: %w", l10n.L("no port is free on both 127.0.0.1 and ::1 for the sign-in's return address"), err)
}

// listenTCP is net.Listen("tcp", addr); tests replace it.
var listenTCP = func(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// callback handles the browser's return to the loopback address (whose state
// matched): the code is exchanged (with the PKCE verifier) and the
// tokens stored.
func (m *Manager) callback(ctx context.Context, profile string, cfg Config, oc *oauth2.Config, verifier string, q map[string][]string) (Status, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
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
	return m.keep(ctx, profile, cfg, tok)
}

// keep stores a new sign-in's tokens, under the profile's token lock (so
// no refresh under way writes older ones over them). Nothing is stored once
// ctx is done: the sign-in was cancelled or timed out. When the provider
// issued no refresh token (Google issues one only with consent), the one
// stored is kept if it belongs to the same provider, client and token
// endpoint, and to the same account (when the new token names one); else
// the sign-in fails with ErrNoRefreshToken rather than replacing a working
// sign-in with one that lasts an hour, or pairing one account's access
// token with another's refresh token.
func (m *Manager) keep(ctx context.Context, profile string, cfg Config, tok *oauth2.Token) (Status, error) {
	if tok.AccessToken == "" {
		return Status{}, &Error{Kind: ErrSignInFailed, Provider: cfg.Provider, Description: "no access token"}
	}
	unlock, err := m.lock(ctx, profile)
	if err != nil {
		if ctx.Err() != nil {
			return Status{}, ctxError(ctx, cfg.Provider)
		}
		return Status{}, err
	}
	defer unlock()
	if ctx.Err() != nil {
		return Status{}, ctxError(ctx, cfg.Provider)
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
	if s.RefreshToken == "" {
		old, err := m.load(profile)
		if err != nil && !errors.Is(err, ErrNotSignedIn) {
			return Status{}, err
		}
		if old == nil || old.RefreshToken == "" || old.Provider != cfg.Provider || old.ClientID != cfg.ClientID || old.TokenURL != cfg.TokenURL ||
			(s.Account != "" && !strings.EqualFold(s.Account, old.Account)) {
			// Another client, or another account (the stored refresh
			// token would sign in as someone else than this sign-in).
			return Status{}, &Error{Kind: ErrNoRefreshToken, Provider: cfg.Provider}
		}
		s.RefreshToken = old.RefreshToken
		if s.Account == "" {
			s.Account = old.Account
		}
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
// (ErrTimeout; without Manager.Timeout the wait lasts as long as the code,
// 15 minutes at Microsoft). Microsoft needs "Allow public client flows" in the app
// registration; Google does not allow the Gmail scope in this flow for
// every client type.
func (m *Manager) SignInDevice(ctx context.Context, p smtp.Profile, onCode func(DeviceCode)) (Status, error) {
	cfg, err := m.prepare(p)
	if err != nil {
		return Status{}, err
	}
	// The request for a code is bounded like a browser sign-in; the wait
	// for the person, by the code's lifetime (Microsoft's last 15
	// minutes), unless a timeout was set.
	actx, acancel := context.WithTimeout(ctx, m.timeout())
	defer acancel()
	oc := cfg.oauth2Config("")
	var opts []oauth2.AuthCodeOption
	if strings.Contains(p.Username, "@") {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", p.Username))
	}
	da, err := oc.DeviceAuth(context.WithValue(actx, oauth2.HTTPClient, m.httpClient()), opts...)
	if err != nil {
		if actx.Err() != nil {
			return Status{}, ctxError(actx, cfg.Provider)
		}
		return Status{}, tokenError(actx, cfg.Provider, err, ErrSignInFailed)
	}
	ctx, cancel := context.WithDeadline(ctx, deviceDeadline(time.Now(), m.Timeout, da.Expiry))
	defer cancel()
	xctx := context.WithValue(ctx, oauth2.HTTPClient, m.httpClient())
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
	return m.keep(ctx, p.Name, cfg, tok)
}

// deviceDeadline is when a device sign-in stops waiting: after timeout if
// one is set, else when the code expires (DefaultSignInTimeout if the
// provider did not say).
func deviceDeadline(now time.Time, timeout time.Duration, expiry time.Time) time.Time {
	switch {
	case timeout > 0:
		return now.Add(timeout)
	case !expiry.IsZero():
		return expiry
	}
	return now.Add(DefaultSignInTimeout)
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
// the system's opener. It returns once the opener started. Only an http or
// https address is opened (never one an opener could take for an option).
func (m *Manager) systemBrowser(url string) error {
	if !webAddress(url) {
		return fmt.Errorf("not a web address: %q", url)
	}
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

// webAddress reports whether s is an absolute http or https URL with a host.
func webAddress(s string) bool {
	u, err := neturl.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		(strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"))
}
