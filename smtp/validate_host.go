package smtp

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/smtpconf/smtpconf/smtp/l10n"
	"golang.org/x/net/idna"
)

// Host names: ASCII and international names checked as resolvers and
// IDNA see them, and whether a host is this computer.

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
		return "", invalid(ErrInvalidHost, "the host is empty; enter the server name, for example {{.Example}}", args{"Example": `"smtp.gmail.com"`})
	}
	if strings.ContainsAny(h, "\r\n") {
		return "", invalid(ErrInvalidHost, "{{.Value}} contains a line break; enter the host name on one line", args{"Value": q(h)}, ErrHeaderInjection)
	}
	if !utf8.ValidString(h) {
		return "", invalid(ErrInvalidHost, "{{.Value}} is not valid UTF-8 text", args{"Value": q(h)})
	}
	if strings.TrimSpace(h) == "" {
		return "", invalid(ErrInvalidHost, "the host is only spaces; enter the server name, for example {{.Example}}", args{"Example": `"smtp.gmail.com"`})
	}
	if i := strings.Index(h, "://"); i >= 0 {
		data := args{"Value": q(h), "Scheme": q(h[:i+3])}
		if u, err := url.Parse(strings.TrimSpace(h)); err == nil && u.Hostname() != "" {
			data["Host"] = q(u.Hostname())
			if u.Port() != "" {
				data["Port"] = u.Port()
				return "", invalid(ErrInvalidHost, "{{.Value}} starts with {{.Scheme}}; enter just {{.Host}} and put {{.Port}} in the port field", data)
			}
			return "", invalid(ErrInvalidHost, "{{.Value}} starts with {{.Scheme}}; enter just {{.Host}}", data)
		}
		return "", invalid(ErrInvalidHost, "{{.Value}} starts with {{.Scheme}}; enter just the server name", data)
	}
	if net.ParseIP(h) != nil {
		return h, nil
	}
	if h != strings.TrimSpace(h) {
		return "", invalid(ErrInvalidHost, "{{.Value}} starts or ends with a space; remove it", args{"Value": q(h)})
	}
	if strings.HasPrefix(h, "[") {
		if host, port, err := net.SplitHostPort(h); err == nil && net.ParseIP(host) != nil {
			return "", invalid(ErrInvalidHost, "{{.Value}} includes a port; enter {{.Host}} here and put {{.Port}} in the port field", args{"Value": q(h), "Host": q(host), "Port": port})
		}
		if inner, ok := strings.CutSuffix(h[1:], "]"); ok && net.ParseIP(inner) != nil {
			return "", invalid(ErrInvalidHost, "{{.Value}} has brackets; enter the address without them: {{.Address}}", args{"Value": q(h), "Address": q(inner)})
		}
		return "", invalid(ErrInvalidHost, "{{.Value}} is neither a host name nor an IP address", args{"Value": q(h)})
	}
	for _, r := range h {
		if unicode.IsSpace(r) {
			return "", invalid(ErrInvalidHost, "{{.Value}} contains a space; a host name has no spaces", args{"Value": q(h)})
		}
		if unicode.IsControl(r) {
			return "", invalid(ErrInvalidHost, "{{.Value}} contains a control character; retype the host name", args{"Value": q(h)})
		}
	}
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		return "", invalid(ErrInvalidHost, "{{.Value}} looks like an email address; the host is the mail server's name from your provider's settings, for example {{.Example}}", args{"Value": q(h), "Example": `"smtp.example.com"`})
	}
	if strings.ContainsAny(h, `/\`) {
		return "", invalid(ErrInvalidHost, "{{.Value}} contains a slash; enter just the server name, without a path", args{"Value": q(h)})
	}
	if strings.Contains(h, ":") {
		if host, port, err := net.SplitHostPort(h); err == nil && host != "" && port != "" {
			if !digitsOnly(port) {
				return "", invalid(ErrInvalidHost, "{{.Value}} includes a port; enter {{.Host}} here and put the port number in the port field", args{"Value": q(h), "Host": q(host)})
			}
			return "", invalid(ErrInvalidHost, "{{.Value}} includes a port; enter {{.Host}} here and put {{.Port}} in the port field", args{"Value": q(h), "Host": q(host), "Port": port})
		}
		if addr, zone, ok := strings.Cut(h, "%"); ok && net.ParseIP(addr) != nil {
			return "", invalid(ErrInvalidHost, "{{.Value}} names a network interface ({{.Zone}}), which is not supported; use a host name or a global address", args{"Value": q(h), "Zone": "%" + zone})
		}
		return "", invalid(ErrInvalidHost, "{{.Value}} contains ':' but is not an IPv6 address; put the port in the port field", args{"Value": q(h)})
	}
	a, reason := checkDNSName(h)
	if reason != "" {
		return "", &detailError{kinds: []error{ErrInvalidHost}, detail: reason}
	}
	return a, nil
}

// checkDNSName checks a DNS host name (one trailing dot allowed) and returns its
// ASCII form, or a reason why it is not one: a translated clause that starts
// with the quoted name. Internationalised names and xn-- labels are checked and converted with
// the IDNA lookup profile; plain ASCII names only by the LDH rules, so real
// names such as "r3--sn-abc.example" are accepted.
func checkDNSName(h string) (string, string) {
	ascii := h
	if !asciiOnly(h) || hasPunycodeLabel(h) {
		if r, ok := badHostRune(h); ok {
			return "", r
		}
		a, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return "", l10n.L("{{.Name}} is not a valid international host name ({{.Error}})", args{"Name": q(h), "Error": strings.TrimPrefix(err.Error(), "idna: ")})
		}
		// The lookup profile lets symbols through (UTS 46 maps rather than
		// refuses them), but IDNA 2008 and registries do not: check what
		// the ASCII form decodes to.
		if u, uerr := idna.Lookup.ToUnicode(a); uerr == nil {
			if r, ok := badHostRune(u); ok {
				return "", r
			}
		}
		ascii = a
	}
	name := strings.TrimSuffix(ascii, ".")
	if name == "" {
		return "", l10n.L("{{.Name}} has no name before the dot", args{"Name": q(h)})
	}
	if len(name) > maxHostLen {
		return "", l10n.L("{{.Name}} is {{.Length}} characters long; a host name has at most {{.Max}}", args{"Name": q(h), "Length": len(name), "Max": maxHostLen})
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "", l10n.L("{{.Name}} has an empty part between dots; check for a doubled, leading or trailing dot", args{"Name": q(h)})
		case len(l) > maxLabelLen:
			return "", l10n.L("{{.Name}} has a part of {{.Length}} characters; each part between dots has at most {{.Max}}", args{"Name": q(h), "Length": len(l), "Max": maxLabelLen})
		case l[0] == '-' || l[len(l)-1] == '-':
			return "", l10n.L("{{.Name}} has a part {{.Part}} that starts or ends with a hyphen", args{"Name": q(h), "Part": q(l)})
		}
		for i := 0; i < len(l); i++ {
			if !isLDHByte(l[i]) {
				return "", l10n.L("{{.Name}} contains {{.Char}}; a host name has only letters, digits, hyphens and dots", args{"Name": q(h), "Char": fmt.Sprintf("%q", rune(l[i]))})
			}
		}
	}
	if digitsOnly(labels[len(labels)-1]) {
		return "", l10n.L("{{.Name}} is not a valid IPv4 address, and a host name cannot end in a number", args{"Name": q(h)})
	}
	return ascii, ""
}

// fullWidthDots are the dots of East Asian keyboards, which the IDNA
// lookup profile would silently turn into '.'.
const fullWidthDots = "\u3002\uff0e\uff61"

// badHostRune is the reason h cannot be a host name when it has a
// full-width dot or a character IDNA 2008 does not allow (symbols,
// punctuation, spaces): only letters, marks, digits, '-' and '.' are.
func badHostRune(h string) (string, bool) {
	for _, r := range h {
		switch {
		case strings.ContainsRune(fullWidthDots, r):
			return l10n.L("{{.Name}} contains the full-width dot {{.Char}}; type the dots between the parts as '.'", args{"Name": q(h), "Char": fmt.Sprintf("%q", r)}), true
		case r == '-' || r == '.' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r):
		default:
			return l10n.L("{{.Name}} contains {{.Char}}, a character that is not allowed in host names; use only letters, digits, hyphens and dots", args{"Name": q(h), "Char": fmt.Sprintf("%q", r)}), true
		}
	}
	return "", false
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
