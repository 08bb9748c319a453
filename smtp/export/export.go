// Package export turns a profile into settings for other programs: an
// msmtprc, Postfix main.cf lines, environment variables, and short programs
// (Python, Node.js, PHP, Go) that send a test message when run, so that
// cron jobs, scripts, an MTA or git send-email can use an account that
// smtpconf has proved.
//
// An export never contains the password unless Options.Password is set (the
// command line's --with-password). Without it, the output reads the password
// when it is used: from the environment variable SMTP_PASSWORD, else from the
// OS keyring (secret-tool on Linux and the BSDs, security on macOS), where the
// keyring entry is the one smtpconf keeps (service "smtpconf", user = the
// profile name).
//
// Every value from the profile is quoted for its target (shell, Python, JS,
// PHP, Go, git config, msmtprc, Postfix), so a name with quotes, spaces or a
// backslash can neither break the output nor inject into it. Comments inside
// the generated text are English: they are part of the code.
package export

import (
	"errors"
	"fmt"
	"math"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Format is one kind of export.
type Format struct {
	// ID is the name on the command line (`smtpconf export ID NAME`).
	ID string
	// Title names the program the export is for, e.g. "msmtp".
	Title string
	// Description is one line saying what the export is, in English; it is
	// the translation key of LocalDescription.
	Description string
	// Syntax names the language of the output for highlighting and file
	// names: "ini", "sh", "python", "javascript", "php", "go", "gitconfig".
	Syntax string
	// OAuth2 reports whether the target can use an OAuth2 access token
	// (AUTH XOAUTH2); for an xoauth2 profile the others give ErrOAuth2.
	OAuth2 bool

	// render writes the export into the job's output.
	render func(*job) error
}

// LocalDescription is the description in the language of the moment.
func (f Format) LocalDescription() string { return l10n.L(f.Description) }

// formats is the registry, in the order the window shows the tabs.
var formats = []Format{
	{ID: "msmtprc", Title: "msmtp", Syntax: "ini", OAuth2: true, render: renderMsmtprc,
		Description: "An msmtp account (~/.msmtprc); the password comes from the keyring."},
	{ID: "postfix", Title: "Postfix", Syntax: "ini", render: renderPostfix,
		Description: "Postfix main.cf lines that relay all of this machine's mail through the account."},
	{ID: "env", Title: "Environment", Syntax: "sh", OAuth2: true, render: renderEnv,
		Description: "SMTP_HOST, SMTP_PORT and the rest as environment variables, for twelve-factor apps."},
	{ID: "python", Title: "Python", Syntax: "python", OAuth2: true, render: renderPython,
		Description: "A Python program (smtplib) that sends a test message."},
	{ID: "nodemailer", Title: "Node.js", Syntax: "javascript", OAuth2: true, render: renderNodemailer,
		Description: "A Node.js program (Nodemailer) that sends a test message."},
	{ID: "phpmailer", Title: "PHP", Syntax: "php", OAuth2: true, render: renderPHPMailer,
		Description: "A PHP program (PHPMailer) that sends a test message."},
	{ID: "go", Title: "Go", Syntax: "go", OAuth2: true, render: renderGo,
		Description: "A Go program (go-mail) that sends a test message."},
	{ID: "git", Title: "git send-email", Syntax: "gitconfig", render: renderGit,
		Description: "git send-email settings, with a credential helper that reads the keyring."},
}

// Formats lists the formats, in a stable order.
func Formats() []Format {
	out := make([]Format, len(formats))
	copy(out, formats)
	return out
}

// IDs lists the format IDs, in the order of Formats.
func IDs() []string {
	ids := make([]string, len(formats))
	for i, f := range formats {
		ids[i] = f.ID
	}
	return ids
}

// Lookup finds a format by its ID (case-insensitive).
func Lookup(id string) (Format, bool) {
	for _, f := range formats {
		if strings.EqualFold(f.ID, strings.TrimSpace(id)) {
			return f, true
		}
	}
	return Format{}, false
}

// Options change what an export contains.
type Options struct {
	// Password, if not empty, is written into the export (--with-password).
	// Empty means the export reads it at run time instead.
	Password string
	// OS is the system whose keyring the export reads: "linux", "darwin",
	// "windows", ...; "" means the one this program runs on.
	OS string
}

// Errors of Render. Callers test them with errors.Is.
var (
	// ErrUnknownFormat: the format ID is not one of IDs().
	ErrUnknownFormat = errors.New("unknown export format")
	// ErrOAuth2: the profile signs in with OAuth2 and the target cannot use
	// an OAuth2 access token.
	ErrOAuth2 = errors.New("the target cannot sign in with OAuth2")
	// ErrUnsafeValue: a profile value holds a line break or another control
	// character, which no valid profile has and no export can carry safely.
	ErrUnsafeValue = errors.New("a profile value contains a control character")
	// ErrNotExpressible: a profile value cannot be written in the target's
	// syntax at all (e.g. a Postfix user name with a colon).
	ErrNotExpressible = errors.New("a profile value cannot be expressed in the target format")
	// ErrNoFrom: the profile has no From address, so there is no one to send
	// the test message to.
	ErrNoFrom = errors.New("the profile has no From address")
)

// Render writes profile p in the given format.
func Render(format string, p smtp.Profile, opts Options) (string, error) {
	f, ok := Lookup(format)
	if !ok {
		return "", fmt.Errorf("%w: %q (choose one of %s)", ErrUnknownFormat, format, strings.Join(IDs(), ", "))
	}
	j, err := newJob(f, p, opts)
	if err != nil {
		return "", err
	}
	if j.oauth && !f.OAuth2 {
		return "", fmt.Errorf("%w: %s cannot use profile %q, which signs in with OAuth2", ErrOAuth2, f.Title, p.Name)
	}
	if err := f.render(j); err != nil {
		return "", err
	}
	return j.out.String(), nil
}

// job is one export being written: the profile and the facts each format
// needs, worked out once.
type job struct {
	f        Format
	p        smtp.Profile
	os       string
	password string // "" unless --with-password

	fromName, fromAddr string
	helo               string // the EHLO argument, address literals bracketed; "" = the tool's default
	timeout            time.Duration
	auth               bool // the tool must authenticate
	oauth              bool // ... with an OAuth2 access token

	out strings.Builder // what render writes
}

// write appends s to the export.
func (j *job) write(s string) { j.out.WriteString(s) }

// printf appends formatted text to the export.
func (j *job) printf(format string, args ...any) { fmt.Fprintf(&j.out, format, args...) }

func newJob(f Format, p smtp.Profile, opts Options) (*job, error) {
	for _, v := range []string{p.Name, p.Host, p.Username, p.From, p.FromName, p.HELO, p.CAFile, opts.Password} {
		if hasControl(v) {
			return nil, fmt.Errorf("%w: %q", ErrUnsafeValue, v)
		}
	}
	if p.From == "" {
		return nil, fmt.Errorf("%w: profile %q", ErrNoFrom, p.Name)
	}
	name, addr, err := smtp.ParseAddress(p.From)
	if err != nil {
		return nil, err
	}
	if p.FromName != "" {
		name = p.FromName
	}
	j := &job{
		f: f, p: p, os: opts.OS, password: opts.Password,
		fromName: name, fromAddr: addr,
		helo:    heloName(p.HELO),
		timeout: p.EffectiveTimeout(),
		auth:    p.NeedsSecret(),
	}
	if j.os == "" {
		j.os = runtime.GOOS
	}
	j.oauth = j.auth && p.Auth == smtp.AuthXOAUTH2
	if !j.auth || j.oauth {
		// Nothing signs in with a password. For OAuth2, the keyring holds
		// the sign-in (refresh) tokens, which only smtpconf can turn into an
		// access token; an embedded access token would expire.
		j.password = ""
	}
	return j, nil
}

// hasControl reports characters that no export can carry inside a value.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// heloName is the EHLO argument for a profile's HELO setting: RFC 5321 wants
// address literals in brackets, as smtpconf itself sends them.
func heloName(h string) string {
	if h == "" {
		return ""
	}
	if ip := net.ParseIP(h); ip != nil {
		if ip.To4() != nil {
			return "[" + h + "]"
		}
		return "[IPv6:" + h + "]"
	}
	return h
}

// seconds is the timeout in whole seconds, rounded up, for tools that take
// an integer.
func (j *job) seconds() int { return int(math.Ceil(j.timeout.Seconds())) }

// subject is the test message's subject.
func (j *job) subject() string { return "smtpconf export test (" + j.f.Title + ")" }

// body is the test message's text.
func (j *job) body() string {
	return "This test message was sent by the " + j.f.Title + " settings that smtpconf exported for profile " + j.p.Name + "."
}

// bySecurity is the one of three values that fits the profile's security
// mode: implicit TLS, STARTTLS, or none.
func (j *job) bySecurity(tls, starttls, none string) string {
	switch j.p.Security {
	case smtp.SecurityTLS:
		return tls
	case smtp.SecuritySTARTTLS:
		return starttls
	}
	return none
}

// securityWords says the security mode in a comment.
func (j *job) securityWords() string {
	return j.bySecurity("implicit TLS", "STARTTLS", "no encryption")
}

// header is the first comment lines every export shares, without comment
// markers: what the profile is and how the password is found.
func (j *job) header() []string {
	lines := []string{
		fmt.Sprintf("Settings of smtpconf profile %s: %s, %s.", j.p.Name, j.p.Addr(), j.securityWords()),
		fmt.Sprintf("Generated by: smtpconf export %s %s", j.f.ID, ShellQuote(j.p.Name)),
	}
	switch {
	case j.oauth:
		lines = append(lines,
			"This account signs in with OAuth2 (AUTH XOAUTH2): set SMTP_PASSWORD to a current",
			"OAuth2 access token for "+j.p.Username+". Access tokens expire after about an hour",
			"and this program cannot renew them; smtpconf can: send through `smtpconf relay`",
			"or `smtpconf sendmail`, which sign in for you.")
	case j.auth && j.password != "":
		lines = append(lines, "The password is included (--with-password): keep this file private.")
	case j.auth:
		lines = append(lines, j.passwordWhere()...)
	default:
		lines = append(lines, "The profile does not authenticate.")
	}
	if j.p.InsecureSkipVerify {
		lines = append(lines, "The profile skips certificate verification, and so does this export.")
	}
	return lines
}

// passwordWhere says where the snippet finds the password.
func (j *job) passwordWhere() []string {
	if j.f.ID == "msmtprc" && j.keyringShell() != "" {
		// A config file lives longer than a shell's environment: msmtp asks
		// the keyring alone.
		return []string{"msmtp reads the password from the keyring:", "  " + j.keyringShell()}
	}
	if j.f.ID == "postfix" {
		return []string{"Postfix reads the password from /etc/postfix/sasl_passwd: see step 2 below."}
	}
	if args := j.keyringArgs(); args != nil {
		return []string{"The password is read from SMTP_PASSWORD, else from the " + j.keyringName() + ":", "  " + shellJoin(args)}
	}
	return []string{"The password is read from the environment variable SMTP_PASSWORD."}
}

// intro writes the comment every export opens with: the header, then the
// lines that say how to use this format's output and what it cannot carry.
func (j *job) intro(usage ...string) {
	j.write(j.comment(append(append(j.header(), ""), usage...)...))
}

// comment is lines as one-line comments of the target, made safe for them.
func (j *job) comment(lines ...string) string {
	marker := "# "
	switch j.f.Syntax {
	case "javascript", "php", "go":
		marker = "// "
	}
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			b.WriteString(strings.TrimRight(marker, " ") + "\n")
			continue
		}
		b.WriteString(marker + commentSafe(j.f.Syntax, l) + "\n")
	}
	return b.String()
}
