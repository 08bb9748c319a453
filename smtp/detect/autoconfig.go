package detect

import (
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/smtpconf/smtpconf/smtp"
)

// maxRedirects bounds the redirects followed for one autoconfig file.
const maxRedirects = 3

// placeholders are the values of the clientConfig username placeholders.
type placeholders struct{ email, local, domain string }

func (p placeholders) expand(s string) string {
	return strings.NewReplacer(
		"%EMAILADDRESS%", p.email,
		"%EMAILLOCALPART%", p.local,
		"%EMAILDOMAIN%", p.domain,
	).Replace(s)
}

// template turns a username back into its placeholder form, so a cached
// answer serves other addresses of the same domain.
func (p placeholders) template(s string) string {
	switch s {
	case p.email:
		return "%EMAILADDRESS%"
	case p.local:
		return "%EMAILLOCALPART%"
	}
	return s
}

func (d *Detector) newHTTPClient() *http.Client {
	tr := &http.Transport{
		Proxy:               nil, // never through a proxy: names must resolve through our resolver
		DialContext:         d.dial,
		TLSClientConfig:     &tls.Config{RootCAs: d.opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: d.opts.Timeout,
		DisableKeepAlives:   true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "https" && !(d.opts.AllowHTTP && req.URL.Scheme == "http") {
				return fmt.Errorf("redirect to %s refused: only https is trusted", req.URL.Redacted())
			}
			return nil
		},
	}
}

// autoconfigURLs are the provider's own autoconfig locations, in Thunderbird's order.
func (d *Detector) autoconfigURLs(domain string) []string {
	urls := []string{
		"https://autoconfig." + domain + "/mail/config-v1.1.xml",
		"https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml",
	}
	if d.opts.AllowHTTP {
		urls = append(urls,
			"http://autoconfig."+domain+"/mail/config-v1.1.xml",
			"http://"+domain+"/.well-known/autoconfig/mail/config-v1.1.xml")
	}
	return urls
}

// configTasks fetch the clientConfig files for domain: the provider's own
// autoconfig files, then Thunderbird's ISPDB entry (unless switched off).
// prefix starts the name of each source in the evidence ("mx ").
func (d *Detector) configTasks(domain, prefix string, vars placeholders) []task {
	var tasks []task
	for _, u := range d.autoconfigURLs(domain) {
		tasks = append(tasks, func(ctx context.Context) (*found, []string) {
			return d.fetchConfig(ctx, u, prefix+"autoconfig", ConfigProvider, vars)
		})
	}
	if d.opts.ISPDBBase != "-" {
		tasks = append(tasks, func(ctx context.Context) (*found, []string) {
			return d.fetchConfig(ctx, d.opts.ISPDBBase+domain, prefix+"ISPDB", ConfigISPDB, vars)
		})
	}
	return tasks
}

// fetchConfig fetches and parses one clientConfig file published by origin;
// what names the source in the evidence.
func (d *Detector) fetchConfig(ctx context.Context, rawURL, what string, origin ConfigOrigin, vars placeholders) (*found, []string) {
	data, err := d.fetch(ctx, rawURL)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %s: %s", what, rawURL, describe(err))}
	}
	r, err := parseClientConfig(data, vars)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %s: %v", what, rawURL, err)}
	}
	r.Source = SourceAutoconfig
	r.Config = origin
	ev := fmt.Sprintf("%s: %s gives %s:%d (%s, auth %s)", what, rawURL, r.Host, r.Port, r.Security, r.Auth)
	return &found{Result: r, rank: rankVerified}, []string{ev}
}

func (d *Detector) fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && !(d.opts.AllowHTTP && u.Scheme == "http") {
		return nil, fmt.Errorf("not fetched: only https is trusted (allow http to use it)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "smtpconf/"+smtp.Version)
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("file larger than %d bytes, ignored", maxConfigBytes)
	}
	return data, nil
}

type clientConfig struct {
	XMLName   xml.Name `xml:"clientConfig"`
	Providers []struct {
		Outgoing []outgoingServer `xml:"outgoingServer"`
	} `xml:"emailProvider"`
}

type outgoingServer struct {
	Type           string   `xml:"type,attr"`
	Hostname       string   `xml:"hostname"`
	Port           string   `xml:"port"`
	SocketType     string   `xml:"socketType"`
	Username       string   `xml:"username"`
	Authentication []string `xml:"authentication"`
}

// parseClientConfig reads a clientConfig v1.1 file and returns its best
// outgoing SMTP server: the first encrypted one, else the first plain one.
// Errors are sentences for an evidence line.
func parseClientConfig(data []byte, vars placeholders) (Result, error) {
	var cc clientConfig
	if err := xml.Unmarshal(data, &cc); err != nil {
		return Result{}, fmt.Errorf("malformed XML, ignored: %v", err)
	}
	var plain *Result
	var problems []string
	for _, p := range cc.Providers {
		for _, o := range p.Outgoing {
			if !strings.EqualFold(strings.TrimSpace(o.Type), "smtp") {
				continue
			}
			r, err := o.result(vars)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if r.Security != smtp.SecurityNone {
				return r, nil
			}
			if plain == nil {
				plain = &r
			}
		}
	}
	if plain != nil {
		return *plain, nil
	}
	if len(problems) > 0 {
		return Result{}, fmt.Errorf("no usable outgoing SMTP server: %s", strings.Join(problems, "; "))
	}
	return Result{}, errors.New("no outgoing SMTP server in the file")
}

func (o outgoingServer) result(vars placeholders) (Result, error) {
	host := strings.TrimSpace(vars.expand(o.Hostname))
	if err := smtp.ValidateHost(host); err != nil || host == "" {
		return Result{}, fmt.Errorf("invalid hostname %q", o.Hostname)
	}
	port, err := strconv.Atoi(strings.TrimSpace(o.Port))
	if err != nil || smtp.ValidatePort(port) != nil {
		return Result{}, fmt.Errorf("invalid port %q", o.Port)
	}
	var sec smtp.Security
	switch strings.ToUpper(strings.TrimSpace(o.SocketType)) {
	case "SSL", "TLS":
		sec = smtp.SecurityTLS
	case "STARTTLS":
		sec = smtp.SecuritySTARTTLS
	case "PLAIN":
		sec = smtp.SecurityNone
	default:
		return Result{}, fmt.Errorf("unknown socketType %q", o.SocketType)
	}
	auth := smtp.AuthAuto
	for _, a := range o.Authentication {
		if m, ok := authFromConfig(a); ok {
			auth = m
			break
		}
	}
	user := strings.TrimSpace(vars.expand(o.Username))
	if user == "" {
		user = vars.email
	}
	return Result{Host: host, Port: port, Security: sec, Auth: auth, Username: user, Verified: true}, nil
}

// authFromConfig maps a clientConfig authentication value to a method.
func authFromConfig(s string) (smtp.AuthMethod, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "password-cleartext", "plain", "secure":
		return smtp.AuthAuto, true
	case "password-encrypted":
		return smtp.AuthCRAMMD5, true
	case "oauth2":
		return smtp.AuthXOAUTH2, true
	case "none":
		return smtp.AuthNone, true
	}
	return "", false
}
