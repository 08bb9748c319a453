package smtp

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Length limits used by the validators.
const (
	maxHostLen        = 253 // RFC 1035, without the trailing dot
	maxLabelLen       = 63  // RFC 1035
	maxLocalLen       = 64  // RFC 5321 4.5.3.1.1, in octets
	maxAddrLen        = 254 // RFC 5321 path limit minus the angle brackets
	maxProfileNameLen = 64  // profile names, in characters
	maxUsernameLen    = 256 // in characters
	maxFromNameLen    = 128 // in characters
	maxCAFileSize     = 16 << 20
)

// FieldError ties one validation problem to the Profile field it is about
// (named by its JSON key, e.g. "host"), so a form can show it next to that
// field. Its message is the wrapped error's; errors.Is sees the sentinels.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// detailError is a validation error for people. Its detail is a sentence
// translated when the error is made (the English is the translation key);
// kinds are the sentinels it wraps (ErrInvalidHost, ErrHeaderInjection, ...),
// so errors.Is works in every language. Error() keeps the English sentinels
// as a prefix ("invalid port: 0 is out of range; ..."), stable for logs and
// scripts; Explain gives the sentence alone, for people.
type detailError struct {
	kinds  []error
	detail string
}

func (e *detailError) Error() string {
	var b strings.Builder
	for _, k := range e.kinds {
		b.WriteString(k.Error())
		b.WriteString(": ")
	}
	b.WriteString(e.detail)
	return b.String()
}

func (e *detailError) Unwrap() []error { return e.kinds }

// args is the data of a translated sentence's template.
type args = map[string]any

// invalid makes a detailError wrapping kind and also (in that order): key is
// the English clause (lower-case, no full stop, as it follows "invalid
// port: "), data fills its template.
func invalid(kind error, key string, data args, also ...error) error {
	return &detailError{kinds: append([]error{kind}, also...), detail: l10n.L(key, data)}
}

// q quotes a value the person typed, as %q does, so spaces and invisible
// characters show.
func q(s string) string { return strconv.Quote(clip(s)) }

// maxEcho is how much of a value a message repeats: all of a host name or
// address a little over its limit (253, 254), never a 120 KB paste.
const maxEcho = 320

// clip shortens s to maxEcho characters, marking the cut with "…".
func clip(s string) string {
	n := 0
	for i := range s {
		if n == maxEcho {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

const authChoices = "auto, plain, login, cram-md5, xoauth2, none"

// ValidatePort checks that p is a TCP port number, 1 to 65535.
func ValidatePort(p int) error {
	if p < 1 || p > 65535 {
		return invalid(ErrInvalidPort, "{{.Port}} is out of range; use a number from 1 to 65535 (usually 587 for STARTTLS or 465 for TLS)", args{"Port": p})
	}
	return nil
}

// ValidateAddress checks an email address as ParseAddress does.
func ValidateAddress(s string) error {
	_, _, err := ParseAddress(s)
	return err
}

// ParseAddress parses an RFC 5322 address, with or without a display name
// ("Ann <ann@example.com>"). It returns the display name (decoded, "" if none)
// and the bare address, with its local part quoted only if it must be. The
// domain must be a valid host name (internationalised names allowed) or an
// IPv4 literal in brackets. Non-ASCII local parts are accepted: they need
// SMTPUTF8 (see NeedsSMTPUTF8), which the sender checks against the server.
// Errors wrap ErrInvalidAddress, and also ErrHeaderInjection for a line break.
func ParseAddress(s string) (name, addr string, err error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} contains a line break; enter the address on one line", args{"Value": q(s)}, ErrHeaderInjection)
	}
	if strings.TrimSpace(s) == "" {
		return "", "", invalid(ErrInvalidAddress, "the address is empty; enter one like {{.Example}}", args{"Example": "ann@example.com"})
	}
	if !utf8.ValidString(s) {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} is not valid UTF-8 text", args{"Value": q(s)})
	}
	a, perr := mail.ParseAddress(s)
	if perr != nil {
		t := strings.TrimSpace(s)
		switch {
		case !strings.Contains(t, "@"):
			return "", "", invalid(ErrInvalidAddress, "{{.Value}} has no @; an email address looks like {{.Example}}", args{"Value": q(s), "Example": "ann@example.com"})
		case strings.HasSuffix(strings.TrimSuffix(t, ">"), "@"):
			return "", "", invalid(ErrInvalidAddress, "{{.Value}} has nothing after the @; add the domain, as in {{.Example}}", args{"Value": q(s), "Example": "ann@example.com"})
		case strings.HasPrefix(strings.TrimPrefix(t, "<"), "@"):
			return "", "", invalid(ErrInvalidAddress, "{{.Value}} has nothing before the @; add the mailbox name, as in {{.Example}}", args{"Value": q(s), "Example": "ann@example.com"})
		case strings.HasSuffix(strings.TrimSuffix(t, ">"), "."):
			return "", "", invalid(ErrInvalidAddress, "{{.Value}} ends with a dot; remove it", args{"Value": q(s)})
		}
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} is not a valid email address ({{.Error}}); it should look like {{.Example}} or {{.Named}}",
			args{"Value": q(s), "Error": strings.TrimPrefix(perr.Error(), "mail: "), "Example": "ann@example.com", "Named": "Ann <ann@example.com>"})
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} has no @; an email address looks like {{.Example}}", args{"Value": q(s), "Example": "ann@example.com"})
	}
	local, domain := a.Address[:at], a.Address[at+1:]
	if local == "" {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} has nothing before the @; add the mailbox name, as in {{.Example}}", args{"Value": q(s), "Example": "ann@example.com"})
	}
	if domain == "" {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} has nothing after the @; add the domain, as in {{.Example}}", args{"Value": q(s), "Example": "ann@example.com"})
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return "", "", invalid(ErrInvalidAddress, "the display name in {{.Value}} contains a line break", args{"Value": q(s)}, ErrHeaderInjection)
	}
	if hasControlRune(a.Name) || hasControlRune(local) {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} contains a control character; retype the address", args{"Value": q(s)})
	}
	if len(local) > maxLocalLen {
		return "", "", invalid(ErrInvalidAddress, "the part before the @ in {{.Value}} is {{.Length}} bytes long; mail servers accept at most {{.Max}}", args{"Value": q(s), "Length": len(local), "Max": maxLocalLen})
	}
	if inner, ok := strings.CutPrefix(domain, "["); ok {
		inner = strings.TrimSuffix(inner, "]")
		if ip := net.ParseIP(inner); ip == nil || ip.To4() == nil || strings.Contains(inner, ":") {
			return "", "", invalid(ErrInvalidAddress, "{{.Value}} has an address literal {{.Domain}}; use the domain name instead", args{"Value": q(s), "Domain": q(domain)})
		}
	} else {
		if net.ParseIP(domain) != nil {
			return "", "", invalid(ErrInvalidAddress, "{{.Value}} has an IP address as its domain; write it in brackets, as in {{.Example}}, or use the domain name", args{"Value": q(s), "Example": "ann@[" + domain + "]"})
		}
		if strings.HasSuffix(domain, ".") {
			return "", "", invalid(ErrInvalidAddress, "the domain of {{.Value}} ends with a dot; remove it", args{"Value": q(s)})
		}
		if _, reason := checkDNSName(domain); reason != "" {
			return "", "", invalid(ErrInvalidAddress, "the domain of {{.Value}} is not valid: {{.Reason}}", args{"Value": q(s), "Reason": reason})
		}
	}
	// mail.Address.String quotes the local part only when it must; strip
	// the angle brackets it adds around a nameless address.
	addr = (&mail.Address{Address: a.Address}).String()
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	if len(addr) > maxAddrLen {
		return "", "", invalid(ErrInvalidAddress, "{{.Value}} is {{.Length}} bytes long; mail servers accept at most {{.Max}}", args{"Value": q(s), "Length": len(addr), "Max": maxAddrLen})
	}
	return a.Name, addr, nil
}

// NeedsSMTPUTF8 reports whether sending to or from addr needs the SMTPUTF8
// extension (RFC 6531): true when its local part has non-ASCII characters. A
// non-ASCII domain does not: it is sent in its punycode form. addr may carry
// a display name ("Ann <ann@example.com>"), which does not count.
func NeedsSMTPUTF8(addr string) bool {
	if _, a, err := ParseAddress(addr); err == nil {
		addr = a
	}
	local := addr
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		local = addr[:i]
	}
	return !asciiOnly(local)
}

// ValidateName checks a profile name: 1 to 64 printable characters, no
// leading or trailing space, no '/' or '\', not "." or "..", and not starting
// with '-' (it would read as a flag on the command line).
func ValidateName(name string) error {
	if name == "" {
		return invalid(ErrInvalidName, "the name is empty; choose a short name such as {{.Example}} or {{.Other}}", args{"Example": `"work"`, "Other": `"gmail"`})
	}
	if strings.ContainsAny(name, "\r\n") {
		return invalid(ErrInvalidName, "{{.Value}} contains a line break; use a single line", args{"Value": q(name)}, ErrHeaderInjection)
	}
	if !utf8.ValidString(name) {
		return invalid(ErrInvalidName, "{{.Value}} is not valid UTF-8 text", args{"Value": q(name)})
	}
	if n := utf8.RuneCountInString(name); n > maxProfileNameLen {
		return invalid(ErrInvalidName, "{{.Value}} is {{.Length}} characters long; use at most {{.Max}}", args{"Value": q(name), "Length": n, "Max": maxProfileNameLen})
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return invalid(ErrInvalidName, "{{.Value}} starts or ends with a space; remove it", args{"Value": q(name)})
	}
	for _, r := range name {
		if r == '/' || r == '\\' {
			return invalid(ErrInvalidName, "{{.Value}} contains {{.Char}}; use letters, digits, spaces, '-', '_' or '.'", args{"Value": q(name), "Char": fmt.Sprintf("%q", r)})
		}
		if !unicode.IsPrint(r) && r != ' ' {
			return invalid(ErrInvalidName, "{{.Value}} contains a control or invisible character; retype the name", args{"Value": q(name)})
		}
	}
	if name == "." || name == ".." {
		return invalid(ErrInvalidName, "{{.Value}} is reserved; choose another name", args{"Value": q(name)})
	}
	if strings.HasSuffix(name, OAuthKeySuffix) {
		// The keyring keeps a profile's sign-in tokens under NAME#oauth.
		return invalid(ErrInvalidName, "{{.Value}} ends in {{.Suffix}}, which is reserved for sign-in tokens; choose another name", args{"Value": q(name), "Suffix": q(OAuthKeySuffix)})
	}
	if first == '-' {
		return invalid(ErrInvalidName, "{{.Value}} starts with '-', which the command line would read as an option; start it with a letter or digit", args{"Value": q(name)})
	}
	return nil
}

func hasControlRune(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' {
			return true
		}
	}
	return false
}

// Validate checks every setting of the profile and returns all problems at
// once, joined with errors.Join (nil if there are none), so a form can show
// them together. Each problem is a *FieldError naming the field, and wraps
// its sentinel (ErrInvalidHost, ErrInvalidPort, ErrMissingField, ...).
// Mismatches that may still work (STARTTLS on 465, ...) are Warnings instead.
func (p Profile) Validate() error { return p.validate(nil) }

// validate is Validate; when roots is not nil it also receives the CA
// file's certificates, so that a send reads and parses the file once (see
// Session.setup) rather than once to check it and again to trust it.
func (p Profile) validate(roots **x509.CertPool) error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Err: err})
		}
	}

	add("name", ValidateName(p.Name))

	if p.Host == "" {
		add("host", invalid(ErrMissingField, "the host is empty; enter the server name, for example {{.Example}}", args{"Example": `"smtp.gmail.com"`}, ErrInvalidHost))
	} else {
		add("host", ValidateHost(p.Host))
	}
	add("port", ValidatePort(p.Port))

	switch p.Security {
	case SecurityTLS, SecuritySTARTTLS, SecurityNone:
	case "":
		add("security", invalid(ErrMissingField, "no security mode is set; choose {{.Choices}}", args{"Choices": "tls, starttls, none"}, ErrInvalidSecurity))
	default:
		add("security", invalid(ErrInvalidSecurity, "{{.Value}} is not a security mode; choose {{.Choices}}", args{"Value": q(string(p.Security)), "Choices": "tls, starttls, none"}))
	}

	authOK := true
	switch p.Auth {
	case AuthAuto, AuthPlain, AuthLogin, AuthCRAMMD5, AuthXOAUTH2, AuthNone:
	case "":
		authOK = false
		add("auth", invalid(ErrMissingField, "no authentication method is set; choose {{.Choices}}", args{"Choices": authChoices}, ErrInvalidAuth))
	default:
		authOK = false
		add("auth", invalid(ErrInvalidAuth, "{{.Value}} is not an authentication method; choose {{.Choices}}", args{"Value": q(string(p.Auth)), "Choices": authChoices}))
	}

	if err := checkOneLineField(usernameMsgs, p.Username, maxUsernameLen, ErrInvalidUsername); err != nil {
		add("username", err)
	} else if authOK && p.Username == "" && p.Auth != AuthNone && p.Auth != AuthAuto {
		add("username", invalid(ErrMissingField, "authentication method {{.Method}} needs a user name (usually your email address); enter it, or set the method to none", args{"Method": q(string(p.Auth))}))
	}

	if p.From != "" {
		add("from", ValidateAddress(p.From))
	}
	add("from_name", checkOneLineField(fromNameMsgs, p.FromName, maxFromNameLen, ErrInvalidFromName))

	if p.HELO != "" {
		add("helo", validateHELO(p.HELO))
	}

	if t := time.Duration(p.Timeout); t != 0 && (t < MinTimeout || t > MaxTimeout) {
		add("timeout", invalid(ErrInvalidTimeout, "{{.Value}} is out of range; use a value from {{.Min}} to {{.Max}}, or leave it empty for {{.Default}}",
			args{"Value": t.String(), "Min": MinTimeout.String(), "Max": MaxTimeout.String(), "Default": DefaultTimeout.String()}))
	}

	if p.CAFile != "" {
		pool, err := loadCAFile(p.CAFile)
		add("ca_file", err)
		if roots != nil {
			*roots = pool
		}
	}
	add("from_policy", validateFromPolicy(p.FromPolicy))
	return errors.Join(errs...)
}

// oneLineMsgs are the sentences (translation keys) checkOneLineField says
// about one field, so each names its field in a whole sentence.
type oneLineMsgs struct{ lineBreak, utf8, tooLong, control string }

var (
	usernameMsgs = oneLineMsgs{
		"the user name {{.Value}} contains a line break; use a single line",
		"the user name {{.Value}} is not valid UTF-8 text",
		"the user name is {{.Length}} characters long; use at most {{.Max}}",
		"the user name {{.Value}} contains a control character; retype it",
	}
	fromNameMsgs = oneLineMsgs{
		"the sender name {{.Value}} contains a line break; use a single line",
		"the sender name {{.Value}} is not valid UTF-8 text",
		"the sender name is {{.Length}} characters long; use at most {{.Max}}",
		"the sender name {{.Value}} contains a control character; retype it",
	}
)

// checkOneLineField checks a one-line free-text field: valid UTF-8, at most limit
// characters, no line breaks (ErrHeaderInjection) or other control characters.
func checkOneLineField(msgs oneLineMsgs, s string, limit int, sentinel error) error {
	data := args{"Value": q(s), "Length": utf8.RuneCountInString(s), "Max": limit}
	switch {
	case strings.ContainsAny(s, "\r\n"):
		return invalid(sentinel, msgs.lineBreak, data, ErrHeaderInjection)
	case !utf8.ValidString(s):
		return invalid(sentinel, msgs.utf8, data)
	case utf8.RuneCountInString(s) > limit:
		return invalid(sentinel, msgs.tooLong, data)
	case hasControlRune(s) || strings.ContainsRune(s, '\t'):
		return invalid(sentinel, msgs.control, data)
	}
	return nil
}

// validateHELO accepts what EHLO takes (RFC 5321 4.1.1.1): a host name, or an
// address literal in brackets ("[192.0.2.1]", "[IPv6:2001:db8::1]"). A bare IP
// address is accepted too; the sender should put it in brackets.
func validateHELO(h string) error {
	if inner, ok := strings.CutPrefix(h, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			v6, isV6 := cutPrefixFoldASCII(inner, "IPv6:")
			if isV6 && net.ParseIP(v6) != nil && strings.Contains(v6, ":") ||
				!isV6 && net.ParseIP(inner) != nil && !strings.Contains(inner, ":") {
				return nil
			}
		}
		return invalid(ErrInvalidHELO, "{{.Value}} is not a valid address literal; write it as {{.IPv4}} or {{.IPv6}}, or use a host name", args{"Value": q(h), "IPv4": "[192.0.2.1]", "IPv6": "[IPv6:2001:db8::1]"})
	}
	if err := ValidateHost(h); err != nil {
		if errors.Is(err, ErrHeaderInjection) {
			return invalid(ErrInvalidHELO, "{{.Value}} contains a line break; use a single host name", args{"Value": q(h)}, ErrHeaderInjection)
		}
		msg := strings.TrimPrefix(err.Error(), ErrInvalidHost.Error()+": ")
		var de *detailError
		if errors.As(err, &de) {
			msg = de.detail
		}
		return invalid(ErrInvalidHELO, "{{.Problem}}; use this machine's full host name, or leave it empty", args{"Problem": msg})
	}
	return nil
}

func cutPrefixFoldASCII(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// loadCAFile checks that path names a readable regular file holding at
// least one PEM certificate, and returns its certificates.
func loadCAFile(path string) (*x509.CertPool, error) {
	if strings.ContainsAny(path, "\r\n\x00") {
		return nil, invalid(ErrCAFile, "the path {{.Path}} contains a line break or NUL; retype it", args{"Path": q(path)})
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, invalid(ErrCAFile, "{{.Path}} does not exist; check the path, or clear the CA file to use the system's certificates", args{"Path": q(path)})
	case err != nil:
		return nil, invalid(ErrCAFile, "{{.Path}} cannot be read ({{.Error}}); check the path and its permissions", args{"Path": q(path), "Error": err.Error()})
	case fi.IsDir():
		return nil, invalid(ErrCAFile, "{{.Path}} is a directory; choose the PEM certificate file inside it", args{"Path": q(path)})
	case !fi.Mode().IsRegular():
		return nil, invalid(ErrCAFile, "{{.Path}} is not a regular file; choose a PEM certificate file", args{"Path": q(path)})
	case fi.Size() > maxCAFileSize:
		return nil, invalid(ErrCAFile, "{{.Path}} is {{.Size}} bytes, too large for a CA certificate file", args{"Path": q(path), "Size": fi.Size()})
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, invalid(ErrCAFile, "{{.Path}} cannot be read ({{.Error}}); check its permissions", args{"Path": q(path), "Error": err.Error()})
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, invalid(ErrCAFile, "{{.Path}} contains no PEM certificate (a block starting {{.Begin}}); if it is a binary DER file, convert it with: {{.Command}}",
			args{"Path": q(path), "Begin": `"-----BEGIN CERTIFICATE-----"`, "Command": "openssl x509 -inform der -in FILE -out FILE.pem"})
	}
	return pool, nil
}
