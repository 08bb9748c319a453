package smtptest

import (
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mode selects how the listener uses TLS.
type Mode int

const (
	// Plain never offers TLS; STARTTLS is answered with 502.
	Plain Mode = iota
	// STARTTLS listens unencrypted and advertises STARTTLS (submission, 587).
	STARTTLS
	// ImplicitTLS starts TLS before the greeting (submissions, 465).
	ImplicitTLS
)

func (m Mode) String() string {
	switch m {
	case Plain:
		return "Plain"
	case STARTTLS:
		return "STARTTLS"
	case ImplicitTLS:
		return "ImplicitTLS"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Reply is an SMTP reply the server sends instead of its normal answer.
type Reply struct {
	Code     int    // 200..599
	Enhanced string // RFC 3463 code such as "5.7.8"; "" sends none
	Message  string // may contain "\n" for a multi-line reply
}

func (r Reply) String() string {
	if r.Enhanced == "" {
		return fmt.Sprintf("%d %s", r.Code, r.Message)
	}
	return fmt.Sprintf("%d %s %s", r.Code, r.Enhanced, r.Message)
}

// wire formats r the way go-smtp would, for the paths where we answer
// without go-smtp (the greeting).
func (r Reply) wire() string {
	lines := strings.Split(r.Message, "\n")
	var b strings.Builder
	for _, l := range lines[:len(lines)-1] {
		fmt.Fprintf(&b, "%d-%s\r\n", r.Code, l)
	}
	last := Reply{Code: r.Code, Enhanced: r.Enhanced, Message: lines[len(lines)-1]}
	b.WriteString(last.String() + "\r\n")
	return b.String()
}

func (r Reply) validate() error {
	if r.Code < 200 || r.Code > 599 {
		return fmt.Errorf("reply code %d out of range 200..599", r.Code)
	}
	if _, err := parseEnhanced(r.Enhanced); err != nil {
		return err
	}
	return nil
}

// err converts r to the error type go-smtp turns into a reply verbatim.
func (r Reply) err() error {
	ec, _ := parseEnhanced(r.Enhanced) // validated in Start/Set
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: r.Message}
}

func parseEnhanced(s string) (smtp.EnhancedCode, error) {
	if s == "" {
		// go-smtp would otherwise invent X.0.0; tests asking for no code
		// want to see how the client copes without one.
		return smtp.NoEnhancedCode, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return smtp.EnhancedCode{}, fmt.Errorf("enhanced code %q is not class.subject.detail", s)
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 {
			return smtp.EnhancedCode{}, fmt.Errorf("enhanced code %q is not class.subject.detail", s)
		}
		ec[i] = n
	}
	return ec, nil
}

// Values for Config.StallAt.
const (
	StallEHLO = "ehlo" // EHLO/HELO gets no reply
	StallTLS  = "tls"  // the TLS handshake stops after the ClientHello (both modes)
	StallAuth = "auth" // AUTH gets no reply
	StallMail = "mail" // MAIL FROM gets no reply
	StallRcpt = "rcpt" // RCPT TO gets no reply
	StallData = "data" // the body is read in full, the final reply never comes
)

// Config describes the server. Fields marked "fixed" are baked into
// go-smtp or the listener at Start and cannot be changed with Set; all others
// are read afresh for every command, so Set takes effect on the next command.
type Config struct {
	Mode Mode // fixed

	// Users maps username to password. Empty means AUTH is not advertised
	// and AUTH commands get 502 5.7.0 (unless XOAUTH2 is set).
	Users map[string]string
	// XOAUTH2, if set, advertises AUTH XOAUTH2 (after the default
	// mechanisms) and decides whether an access token is valid for a user.
	// A refused token gets what Gmail sends: a 334 challenge with a JSON
	// error, then 535 5.7.8.
	XOAUTH2 func(username, token string) bool
	// Mechanisms to advertise when Users is set; default PLAIN, LOGIN,
	// CRAM-MD5. A mechanism outside those three may be listed to see how a
	// client copes with an unusable offer; using it gets 504 5.7.4, as does
	// any mechanism not listed.
	Mechanisms []string
	// AllowInsecureAuth advertises and accepts AUTH on an unencrypted link
	// (go-smtp refuses with 523 5.7.10 otherwise). Fixed.
	AllowInsecureAuth bool
	// RequireTLSForMail answers MAIL on an unencrypted link with
	// "530 5.7.0 Must issue a STARTTLS command first", like submission
	// servers that allow EHLO but nothing else before TLS.
	RequireTLSForMail bool
	// RequireAuth answers MAIL from an unauthenticated client with
	// "530 5.7.0 Authentication required".
	RequireAuth bool

	// CertHosts are the names/IPs in the server certificate; default
	// localhost and 127.0.0.1. Set e.g. {"other.example"} for a name
	// mismatch. Fixed.
	CertHosts []string
	// CA issues the server certificate; nil means a fresh CA per server.
	// Share one CA between servers, or pass a CA the client does not trust
	// (Server.CAFile then names that CA, still not the client's). Fixed.
	CA *CA
	// Certificate, if set, is served instead of one issued for CertHosts,
	// e.g. an expired one from CA.IssueValidity. Fixed.
	Certificate *tls.Certificate
	// Domain is the name in the greeting; default "localhost". Fixed.
	Domain string

	// Greeting is sent instead of the 220 greeting, then the connection is
	// closed (e.g. 421 4.3.2 too busy, 554 no service). With ImplicitTLS
	// it is sent after the handshake, as a real server would.
	Greeting *Reply
	// StallGreeting accepts the connection (and completes the TLS handshake
	// with ImplicitTLS) but never greets.
	StallGreeting bool
	// FailAuth is the reply to AUTH, sent after the client's credentials
	// whatever they are. A 504 (mechanism rejected) is sent right after the
	// AUTH command instead, where servers send it.
	FailAuth *Reply
	FailMail *Reply // reply to MAIL FROM
	FailRcpt *Reply // reply to every RCPT TO
	FailData *Reply // reply at the end of DATA, after the whole body arrived
	// DropMidData closes the TCP connection after the first bytes of the
	// body, without a reply: the client cannot know whether mail was sent.
	DropMidData bool
	// StallAt stops answering at one point of the dialogue (see the Stall*
	// constants) until the server is closed, to test client timeouts.
	StallAt string
	// MaxMessageBytes advertises SIZE and rejects a bigger declared SIZE at
	// MAIL, or a bigger body at the end of DATA, with 552 5.3.4. Fixed.
	MaxMessageBytes int64
	// NoEHLO answers EHLO with 502 5.5.1 so the client must fall back to
	// HELO (and so sees no extensions: no STARTTLS, no AUTH). go-smtp
	// consults the backend only for the first successful greeting of a
	// connection, so an EHLO sent after HELO succeeded is accepted.
	NoEHLO bool

	// Transcript logs the decrypted dialogue through t.Logf. Lines of
	// concurrent connections interleave. Fixed.
	Transcript bool
}

var defaultMechanisms = []string{sasl.Plain, sasl.Login, "CRAM-MD5"}

func (c Config) clone() Config {
	c.Users = maps.Clone(c.Users)
	c.Mechanisms = slices.Clone(c.Mechanisms)
	c.CertHosts = slices.Clone(c.CertHosts)
	return c
}

func (c Config) mechanisms() []string {
	if len(c.Users) == 0 && c.XOAUTH2 == nil {
		return nil
	}
	if c.Mechanisms == nil {
		if c.XOAUTH2 != nil {
			return append(slices.Clone(defaultMechanisms), "XOAUTH2")
		}
		return defaultMechanisms
	}
	return c.Mechanisms
}

func (c Config) validate() error {
	if c.Mode < Plain || c.Mode > ImplicitTLS {
		return fmt.Errorf("unknown %v", c.Mode)
	}
	switch c.StallAt {
	case "", StallEHLO, StallTLS, StallAuth, StallMail, StallRcpt, StallData:
	default:
		return fmt.Errorf("unknown StallAt %q", c.StallAt)
	}
	for name, r := range map[string]*Reply{"Greeting": c.Greeting, "FailAuth": c.FailAuth, "FailMail": c.FailMail, "FailRcpt": c.FailRcpt, "FailData": c.FailData} {
		if r != nil {
			if err := r.validate(); err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
		}
	}
	return nil
}

// fixedChanged names the first Start-only field that differs between a and b.
func fixedChanged(a, b Config) string {
	switch {
	case a.Mode != b.Mode:
		return "Mode"
	case a.AllowInsecureAuth != b.AllowInsecureAuth:
		return "AllowInsecureAuth"
	case !slices.Equal(a.CertHosts, b.CertHosts):
		return "CertHosts"
	case a.CA != b.CA:
		return "CA"
	case a.Certificate != b.Certificate:
		return "Certificate"
	case a.Domain != b.Domain:
		return "Domain"
	case a.MaxMessageBytes != b.MaxMessageBytes:
		return "MaxMessageBytes"
	case a.Transcript != b.Transcript:
		return "Transcript"
	}
	return ""
}
