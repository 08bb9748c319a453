package smtp

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
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

// ValidateHost checks that h is a server name to connect to: a DNS host name
// (internationalised names allowed) or an IPv4/IPv6 address (IPv6 without
// brackets). The error wraps ErrInvalidHost, and also ErrHeaderInjection when
// h contains a line break.
func ValidateHost(h string) error {
	_, err := ASCIIHost(h)
	return err
}

// ASCIIHost validates h like ValidateHost and returns the form to dial and to
// use as the TLS server name: an internationalised name is converted to
// punycode (bücher.example -> xn--bcher-kva.example) and ASCII names are
// returned as given. IP addresses are returned unchanged.
func ASCIIHost(h string) (string, error) {
	if h == "" {
		return "", fmt.Errorf(`%w: the host is empty; enter the server name, for example "smtp.gmail.com"`, ErrInvalidHost)
	}
	if strings.ContainsAny(h, "\r\n") {
		return "", fmt.Errorf("%w: %w: %q contains a line break; enter the host name on one line", ErrInvalidHost, ErrHeaderInjection, h)
	}
	if !utf8.ValidString(h) {
		return "", fmt.Errorf("%w: %q is not valid UTF-8 text", ErrInvalidHost, h)
	}
	if strings.TrimSpace(h) == "" {
		return "", fmt.Errorf(`%w: the host is only spaces; enter the server name, for example "smtp.gmail.com"`, ErrInvalidHost)
	}
	if i := strings.Index(h, "://"); i >= 0 {
		hint := "enter just the server name"
		if u, err := url.Parse(strings.TrimSpace(h)); err == nil && u.Hostname() != "" {
			hint = fmt.Sprintf("enter just %q", u.Hostname())
			if u.Port() != "" {
				hint += fmt.Sprintf(" and put %s in the port field", u.Port())
			}
		}
		return "", fmt.Errorf("%w: %q starts with %q; %s", ErrInvalidHost, h, h[:i+3], hint)
	}
	if net.ParseIP(h) != nil {
		return h, nil
	}
	if h != strings.TrimSpace(h) {
		return "", fmt.Errorf("%w: %q starts or ends with a space; remove it", ErrInvalidHost, h)
	}
	if strings.HasPrefix(h, "[") {
		if host, port, err := net.SplitHostPort(h); err == nil && net.ParseIP(host) != nil {
			return "", fmt.Errorf("%w: %q includes a port; enter %q here and put %s in the port field", ErrInvalidHost, h, host, port)
		}
		if inner, ok := strings.CutSuffix(h[1:], "]"); ok && net.ParseIP(inner) != nil {
			return "", fmt.Errorf("%w: %q has brackets; enter the address without them: %q", ErrInvalidHost, h, inner)
		}
		return "", fmt.Errorf("%w: %q is neither a host name nor an IP address", ErrInvalidHost, h)
	}
	for _, r := range h {
		if unicode.IsSpace(r) {
			return "", fmt.Errorf("%w: %q contains a space; a host name has no spaces", ErrInvalidHost, h)
		}
		if unicode.IsControl(r) {
			return "", fmt.Errorf("%w: %q contains a control character; retype the host name", ErrInvalidHost, h)
		}
	}
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		return "", fmt.Errorf(`%w: %q looks like an email address; the host is the mail server's name from your provider's settings, for example "smtp.example.com"`, ErrInvalidHost, h)
	}
	if strings.ContainsAny(h, `/\`) {
		return "", fmt.Errorf("%w: %q contains a slash; enter just the server name, without a path", ErrInvalidHost, h)
	}
	if strings.Contains(h, ":") {
		if host, port, err := net.SplitHostPort(h); err == nil && host != "" && port != "" {
			if !digitsOnly(port) {
				port = "the port number"
			}
			return "", fmt.Errorf("%w: %q includes a port; enter %q here and put %s in the port field", ErrInvalidHost, h, host, port)
		}
		if addr, zone, ok := strings.Cut(h, "%"); ok && net.ParseIP(addr) != nil {
			return "", fmt.Errorf("%w: %q names a network interface (%%%s), which is not supported; use a host name or a global address", ErrInvalidHost, h, zone)
		}
		return "", fmt.Errorf("%w: %q contains ':' but is not an IPv6 address; put the port in the port field", ErrInvalidHost, h)
	}
	a, reason := checkDNSName(h)
	if reason != "" {
		return "", fmt.Errorf("%w: %q %s", ErrInvalidHost, h, reason)
	}
	return a, nil
}

// checkDNSName checks a DNS host name (one trailing dot allowed) and returns its
// ASCII form, or a reason ("is ...", to follow the quoted name) why it is not
// one. Internationalised names and xn-- labels are checked and converted with
// the IDNA lookup profile; plain ASCII names only by the LDH rules, so real
// names such as "r3--sn-abc.example" are accepted.
func checkDNSName(h string) (string, string) {
	ascii := h
	if !asciiOnly(h) || hasPunycodeLabel(h) {
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", fmt.Sprintf("is not a valid international host name (%v)", err)
		}
		ascii = a
	}
	name := strings.TrimSuffix(ascii, ".")
	if name == "" {
		return "", "has no name before the dot"
	}
	if len(name) > maxHostLen {
		return "", fmt.Sprintf("is %d characters long; a host name has at most %d", len(name), maxHostLen)
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "", "has an empty part between dots; check for a doubled, leading or trailing dot"
		case len(l) > maxLabelLen:
			return "", fmt.Sprintf("has a part of %d characters; each part between dots has at most %d", len(l), maxLabelLen)
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", fmt.Sprintf("has a part %q that starts or ends with a hyphen", l)
		}
		for i := 0; i < len(l); i++ {
			if !isLDHByte(l[i]) {
				return "", fmt.Sprintf("contains %q; a host name has only letters, digits, hyphens and dots", rune(l[i]))
			}
		}
	}
	if digitsOnly(labels[len(labels)-1]) {
		return "", "is not a valid IPv4 address, and a host name cannot end in a number"
	}
	return ascii, ""
}

func isLDHByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasPunycodeLabel(h string) bool {
	for _, l := range strings.Split(h, ".") {
		if len(l) >= 4 && strings.EqualFold(l[:4], "xn--") {
			return true
		}
	}
	return false
}

// IsLoopbackHost reports whether h names this machine: "localhost" (with or
// without the trailing dot, any case), an address in 127.0.0.0/8, or ::1
// (with or without brackets). It never looks anything up.
func IsLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") || strings.EqualFold(h, "localhost.") {
		return true
	}
	if inner, ok := strings.CutPrefix(h, "["); ok {
		if inner, ok = strings.CutSuffix(inner, "]"); ok {
			h = inner
		}
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ValidatePort checks that p is a TCP port number, 1 to 65535.
func ValidatePort(p int) error {
	if p < 1 || p > 65535 {
		return fmt.Errorf("%w: %d is out of range; use a number from 1 to 65535 (usually 587 for STARTTLS or 465 for TLS)", ErrInvalidPort, p)
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
		return "", "", fmt.Errorf("%w: %w: %q contains a line break; enter the address on one line", ErrInvalidAddress, ErrHeaderInjection, s)
	}
	if strings.TrimSpace(s) == "" {
		return "", "", fmt.Errorf("%w: the address is empty; enter one like ann@example.com", ErrInvalidAddress)
	}
	if !utf8.ValidString(s) {
		return "", "", fmt.Errorf("%w: %q is not valid UTF-8 text", ErrInvalidAddress, s)
	}
	a, perr := mail.ParseAddress(s)
	if perr != nil {
		t := strings.TrimSpace(s)
		switch {
		case !strings.Contains(t, "@"):
			return "", "", fmt.Errorf("%w: %q has no @; an email address looks like ann@example.com", ErrInvalidAddress, s)
		case strings.HasSuffix(strings.TrimSuffix(t, ">"), "@"):
			return "", "", fmt.Errorf("%w: %q has nothing after the @; add the domain, as in ann@example.com", ErrInvalidAddress, s)
		case strings.HasPrefix(strings.TrimPrefix(t, "<"), "@"):
			return "", "", fmt.Errorf("%w: %q has nothing before the @; add the mailbox name, as in ann@example.com", ErrInvalidAddress, s)
		case strings.HasSuffix(strings.TrimSuffix(t, ">"), "."):
			return "", "", fmt.Errorf("%w: %q ends with a dot; remove it", ErrInvalidAddress, s)
		}
		return "", "", fmt.Errorf("%w: %q is not a valid email address (%s); it should look like ann@example.com or Ann <ann@example.com>",
			ErrInvalidAddress, s, strings.TrimPrefix(perr.Error(), "mail: "))
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 {
		return "", "", fmt.Errorf("%w: %q has no @; an email address looks like ann@example.com", ErrInvalidAddress, s)
	}
	local, domain := a.Address[:at], a.Address[at+1:]
	if local == "" {
		return "", "", fmt.Errorf("%w: %q has nothing before the @; add the mailbox name, as in ann@example.com", ErrInvalidAddress, s)
	}
	if domain == "" {
		return "", "", fmt.Errorf("%w: %q has nothing after the @; add the domain, as in ann@example.com", ErrInvalidAddress, s)
	}
	if strings.ContainsAny(a.Name, "\r\n") {
		return "", "", fmt.Errorf("%w: %w: the display name in %q contains a line break", ErrInvalidAddress, ErrHeaderInjection, s)
	}
	if hasControlRune(a.Name) || hasControlRune(local) {
		return "", "", fmt.Errorf("%w: %q contains a control character; retype the address", ErrInvalidAddress, s)
	}
	if len(local) > maxLocalLen {
		return "", "", fmt.Errorf("%w: the part before the @ in %q is %d bytes long; mail servers accept at most %d", ErrInvalidAddress, s, len(local), maxLocalLen)
	}
	if inner, ok := strings.CutPrefix(domain, "["); ok {
		inner = strings.TrimSuffix(inner, "]")
		if ip := net.ParseIP(inner); ip == nil || ip.To4() == nil || strings.Contains(inner, ":") {
			return "", "", fmt.Errorf("%w: %q has an address literal %q; use the domain name instead", ErrInvalidAddress, s, domain)
		}
	} else {
		if net.ParseIP(domain) != nil {
			return "", "", fmt.Errorf("%w: %q has an IP address as its domain; write it in brackets, as in ann@[%s], or use the domain name", ErrInvalidAddress, s, domain)
		}
		if strings.HasSuffix(domain, ".") {
			return "", "", fmt.Errorf("%w: the domain of %q ends with a dot; remove it", ErrInvalidAddress, s)
		}
		if _, reason := checkDNSName(domain); reason != "" {
			return "", "", fmt.Errorf("%w: the domain %q of %q %s", ErrInvalidAddress, domain, s, reason)
		}
	}
	// mail.Address.String quotes the local part only when it must; strip
	// the angle brackets it adds around a nameless address.
	addr = (&mail.Address{Address: a.Address}).String()
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	if len(addr) > maxAddrLen {
		return "", "", fmt.Errorf("%w: %q is %d bytes long; mail servers accept at most %d", ErrInvalidAddress, s, len(addr), maxAddrLen)
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
		return fmt.Errorf(`%w: the name is empty; choose a short name such as "work" or "gmail"`, ErrInvalidName)
	}
	if strings.ContainsAny(name, "\r\n") {
		return fmt.Errorf("%w: %w: %q contains a line break; use a single line", ErrInvalidName, ErrHeaderInjection, name)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: %q is not valid UTF-8 text", ErrInvalidName, name)
	}
	if n := utf8.RuneCountInString(name); n > maxProfileNameLen {
		return fmt.Errorf("%w: %q is %d characters long; use at most %d", ErrInvalidName, name, n, maxProfileNameLen)
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return fmt.Errorf("%w: %q starts or ends with a space; remove it", ErrInvalidName, name)
	}
	for _, r := range name {
		if r == '/' || r == '\\' {
			return fmt.Errorf("%w: %q contains %q; use letters, digits, spaces, '-', '_' or '.'", ErrInvalidName, name, r)
		}
		if !unicode.IsPrint(r) && r != ' ' {
			return fmt.Errorf("%w: %q contains a control or invisible character; retype the name", ErrInvalidName, name)
		}
	}
	if name == "." || name == ".." {
		return fmt.Errorf("%w: %q is reserved; choose another name", ErrInvalidName, name)
	}
	if first == '-' {
		return fmt.Errorf("%w: %q starts with '-', which the command line would read as an option; start it with a letter or digit", ErrInvalidName, name)
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
func (p Profile) Validate() error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, &FieldError{Field: field, Err: err})
		}
	}

	add("name", ValidateName(p.Name))

	if p.Host == "" {
		add("host", fmt.Errorf(`%w: %w: the host is empty; enter the server name, for example "smtp.gmail.com"`, ErrMissingField, ErrInvalidHost))
	} else {
		add("host", ValidateHost(p.Host))
	}
	add("port", ValidatePort(p.Port))

	switch p.Security {
	case SecurityTLS, SecuritySTARTTLS, SecurityNone:
	case "":
		add("security", fmt.Errorf("%w: %w: no security mode is set; choose tls, starttls or none", ErrMissingField, ErrInvalidSecurity))
	default:
		add("security", fmt.Errorf("%w: %q; choose tls, starttls or none", ErrInvalidSecurity, string(p.Security)))
	}

	authOK := true
	switch p.Auth {
	case AuthAuto, AuthPlain, AuthLogin, AuthCRAMMD5, AuthXOAUTH2, AuthNone:
	case "":
		authOK = false
		add("auth", fmt.Errorf("%w: %w: no authentication method is set; choose auto, plain, login, cram-md5, xoauth2 or none", ErrMissingField, ErrInvalidAuth))
	default:
		authOK = false
		add("auth", fmt.Errorf("%w: %q; choose auto, plain, login, cram-md5, xoauth2 or none", ErrInvalidAuth, string(p.Auth)))
	}

	if err := checkOneLineField("user name", p.Username, maxUsernameLen, ErrInvalidUsername); err != nil {
		add("username", err)
	} else if authOK && p.Username == "" && p.Auth != AuthNone && p.Auth != AuthAuto {
		add("username", fmt.Errorf("%w: authentication method %q needs a user name (usually your email address); enter it, or set the method to none", ErrMissingField, string(p.Auth)))
	}

	if p.From != "" {
		add("from", ValidateAddress(p.From))
	}
	add("from_name", checkOneLineField("sender name", p.FromName, maxFromNameLen, ErrInvalidFromName))

	if p.HELO != "" {
		add("helo", validateHELO(p.HELO))
	}

	if t := time.Duration(p.Timeout); t != 0 && (t < MinTimeout || t > MaxTimeout) {
		add("timeout", fmt.Errorf("%w: %s is out of range; use a value from %s to %s, or leave it empty for %s",
			ErrInvalidTimeout, t, MinTimeout, MaxTimeout, DefaultTimeout))
	}

	if p.CAFile != "" {
		add("ca_file", checkCAFile(p.CAFile))
	}
	return errors.Join(errs...)
}

// checkOneLineField checks a one-line free-text field: valid UTF-8, at most limit
// characters, no line breaks (ErrHeaderInjection) or other control characters.
func checkOneLineField(what, s string, limit int, sentinel error) error {
	switch {
	case strings.ContainsAny(s, "\r\n"):
		return fmt.Errorf("%w: %w: the %s %q contains a line break; use a single line", sentinel, ErrHeaderInjection, what, s)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w: the %s %q is not valid UTF-8 text", sentinel, what, s)
	case utf8.RuneCountInString(s) > limit:
		return fmt.Errorf("%w: the %s is %d characters long; use at most %d", sentinel, what, utf8.RuneCountInString(s), limit)
	case hasControlRune(s) || strings.ContainsRune(s, '\t'):
		return fmt.Errorf("%w: the %s %q contains a control character; retype it", sentinel, what, s)
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
		return fmt.Errorf(`%w: %q is not a valid address literal; write it as [192.0.2.1] or [IPv6:2001:db8::1], or use a host name`, ErrInvalidHELO, h)
	}
	if err := ValidateHost(h); err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrInvalidHost.Error()+": ")
		if errors.Is(err, ErrHeaderInjection) {
			return fmt.Errorf("%w: %w: %q contains a line break; use a single host name", ErrInvalidHELO, ErrHeaderInjection, h)
		}
		return fmt.Errorf("%w: %s; use this machine's full host name, or leave it empty", ErrInvalidHELO, msg)
	}
	return nil
}

func cutPrefixFoldASCII(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// checkCAFile checks that path names a readable regular file holding at least
// one PEM certificate.
func checkCAFile(path string) error {
	if strings.ContainsAny(path, "\r\n\x00") {
		return fmt.Errorf("%w: the path %q contains a line break or NUL; retype it", ErrCAFile, path)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %q does not exist; check the path, or clear the CA file to use the system's certificates", ErrCAFile, path)
	case err != nil:
		return fmt.Errorf("%w: %q cannot be read (%v); check the path and its permissions", ErrCAFile, path, err)
	case fi.IsDir():
		return fmt.Errorf("%w: %q is a directory; choose the PEM certificate file inside it", ErrCAFile, path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: %q is not a regular file; choose a PEM certificate file", ErrCAFile, path)
	case fi.Size() > maxCAFileSize:
		return fmt.Errorf("%w: %q is %d bytes, too large for a CA certificate file", ErrCAFile, path, fi.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %q cannot be read (%v); check its permissions", ErrCAFile, path, err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return fmt.Errorf(`%w: %q contains no PEM certificate (a block starting "-----BEGIN CERTIFICATE-----"); if it is a binary DER file, convert it with: openssl x509 -inform der -in FILE -out FILE.pem`, ErrCAFile, path)
	}
	return nil
}

// Warning is a setting that is valid but probably a mistake or unsafe. Code
// is a stable identifier; Message is a full sentence for people.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Warning codes.
const (
	WarnSTARTTLSOn465     = "starttls-on-465"
	WarnTLSOnPlainPort    = "tls-on-plain-port"
	WarnPlaintextPassword = "plaintext-password"
	WarnSkipVerify        = "skip-verify"
	WarnPort25            = "port-25"
)

// Warnings lists the settings that are valid but probably wrong or unsafe.
// hasPassword says whether a password or token is stored for the profile.
// It returns nil when there is nothing to warn about.
func (p Profile) Warnings(hasPassword bool) []Warning {
	var ws []Warning
	if p.Security == SecuritySTARTTLS && p.Port == 465 {
		ws = append(ws, Warning{WarnSTARTTLSOn465,
			"Port 465 expects TLS from the very first byte (implicit TLS), but this profile uses STARTTLS, so the connection will probably hang or fail. Choose TLS for port 465, or use port 587 with STARTTLS."})
	}
	if p.Security == SecurityTLS && (p.Port == 587 || p.Port == 25) {
		ws = append(ws, Warning{WarnTLSOnPlainPort, fmt.Sprintf(
			"Port %d starts in plain text and switches to encryption with STARTTLS, but this profile expects TLS from the first byte, so the server will answer in plain text and you would see \"first record does not look like a TLS handshake\". Choose STARTTLS for port %d, or use port 465 with TLS.", p.Port, p.Port)})
	}
	if p.Security == SecurityNone && p.Auth != AuthNone && (hasPassword || p.Username != "") && !IsLoopbackHost(p.Host) {
		ws = append(ws, Warning{WarnPlaintextPassword,
			"This profile has no encryption, so your user name and password would cross the network as plain text that anyone along the way could read. smtpconf refuses to send a password like this; choose TLS or STARTTLS."})
	}
	if p.InsecureSkipVerify {
		ws = append(ws, Warning{WarnSkipVerify,
			"Certificate verification is turned off, so smtpconf cannot tell the real server from an impostor: anyone on the network path could read your password and messages. Turn verification back on, or give the server's CA certificate as the CA file instead."})
	}
	if p.Port == 25 && !IsLoopbackHost(p.Host) {
		ws = append(ws, Warning{WarnPort25,
			"Many internet providers and cloud hosts block outgoing connections to port 25, so this may time out. Use port 587 (STARTTLS) or 465 (TLS) if your provider offers them."})
	}
	return ws
}
