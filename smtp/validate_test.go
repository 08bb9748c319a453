package smtp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/idna"
)

func TestValidateHost(t *testing.T) {
	tests := []struct {
		host      string
		ok        bool
		injection bool   // want ErrHeaderInjection too
		mention   string // the error must contain this
	}{
		{host: "smtp.gmail.com", ok: true},
		{host: "SMTP.Gmail.COM", ok: true},
		{host: "smtp.gmail.com.", ok: true},
		{host: "127.0.0.1", ok: true},
		{host: "::1", ok: true},
		{host: "2001:db8::25", ok: true},
		{host: "bücher.example", ok: true},
		{host: "xn--bcher-kva.example", ok: true},
		{host: "localhost", ok: true},
		{host: "localhost.", ok: true},
		{host: "mail-1.example.co.uk", ok: true},
		{host: "r3--sn-abc.example", ok: true},
		{host: strings.Repeat("a", 63) + ".example", ok: true},
		{host: "例子.广告", ok: true},

		{host: "", mention: "empty"},
		{host: "   ", mention: "spaces"},
		{host: "smtp.gmail.com:587", mention: "port field"},
		{host: "[::1]:25", mention: "port field"},
		{host: "[::1]", mention: "brackets"},
		{host: "smtp://x", mention: `"smtp://"`},
		{host: "smtps://smtp.gmail.com:465", mention: `just "smtp.gmail.com"`},
		{host: "a..b", mention: "empty part"},
		{host: ".a.com", mention: "empty part"},
		{host: "a.com..", mention: "empty part"},
		{host: ".", mention: "no name"},
		{host: "-a.com", mention: "hyphen"},
		{host: "a-.com", mention: "hyphen"},
		{host: strings.Repeat("a", 64) + ".com", mention: "64 characters"},
		{host: strings.Repeat("abcdefghi.", 26) + "com", mention: "at most 253"},
		{host: "a b", mention: "space"},
		{host: " smtp.gmail.com", mention: "space"},
		{host: "smtp.gmail.com\t", mention: "space"},
		{host: "x\r\nRCPT TO:<e@vil>", injection: true, mention: "line break"},
		{host: "smtp.gmail.com\n", injection: true, mention: "line break"},
		{host: "ann@gmail.com", mention: "email address"},
		{host: "smtp.gmail.com/path", mention: "slash"},
		{host: "smtp_1.example", mention: "'_'"},
		{host: "1.2.3", mention: "IPv4"},
		{host: "256.1.1.1", mention: "IPv4"},
		{host: "fe80::1%eth0", mention: "interface"},
		{host: "xn--zz.example", mention: "international"},
		{host: "a\x00b", mention: "control"},
		{host: "\xff.example", mention: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			err := ValidateHost(tt.host)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateHost(%q) = %v, want nil", tt.host, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateHost(%q) = nil, want an error", tt.host)
			}
			if !errors.Is(err, ErrInvalidHost) {
				t.Errorf("error %v does not wrap ErrInvalidHost", err)
			}
			if got := errors.Is(err, ErrHeaderInjection); got != tt.injection {
				t.Errorf("errors.Is(err, ErrHeaderInjection) = %v, want %v (%v)", got, tt.injection, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if strings.TrimSpace(tt.host) != "" && !strings.Contains(err.Error(), strconv.Quote(tt.host)) {
				t.Errorf("error %q does not quote the value", err)
			}
		})
	}
}

func TestASCIIHost(t *testing.T) {
	tests := map[string]string{
		"bücher.example":        "xn--bcher-kva.example",
		"BÜCHER.example":        "xn--bcher-kva.example",
		"xn--bcher-kva.example": "xn--bcher-kva.example",
		"smtp.gmail.com":        "smtp.gmail.com",
		"::1":                   "::1",
		"192.0.2.1":             "192.0.2.1",
		"例子.广告":                 "xn--fsqu00a.xn--4rr70v",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			got, err := ASCIIHost(in)
			if err != nil || got != want {
				t.Fatalf("ASCIIHost(%q) = %q, %v; want %q", in, got, err, want)
			}
		})
	}
}

func TestValidatePort(t *testing.T) {
	for _, tt := range []struct {
		port int
		ok   bool
	}{{1, true}, {25, true}, {465, true}, {587, true}, {65535, true}, {0, false}, {-1, false}, {65536, false}, {1 << 40, false}} {
		err := ValidatePort(tt.port)
		if (err == nil) != tt.ok {
			t.Errorf("ValidatePort(%d) = %v, want ok=%v", tt.port, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidPort) {
			t.Errorf("ValidatePort(%d) = %v, does not wrap ErrInvalidPort", tt.port, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in        string
		name      string
		addr      string
		smtputf8  bool
		wantErr   bool
		injection bool
		mention   string
	}{
		{in: "a@b.example", addr: "a@b.example"},
		{in: "Ann <ann@example.com>", name: "Ann", addr: "ann@example.com"},
		{in: `"Ann, Admin" <ann@example.com>`, name: "Ann, Admin", addr: "ann@example.com"},
		{in: "<ann@example.com>", addr: "ann@example.com"},
		{in: "  ann@example.com  ", addr: "ann@example.com"},
		{in: "=?utf-8?q?J=C3=B6rg?= <j@example.com>", name: "Jörg", addr: "j@example.com"},
		{in: "用户@例子.广告", addr: "用户@例子.广告", smtputf8: true},
		{in: "Zhang <用户@例子.广告>", name: "Zhang", addr: "用户@例子.广告", smtputf8: true},
		{in: "ann@bücher.example", addr: "ann@bücher.example"},
		{in: "ann@xn--bcher-kva.example", addr: "ann@xn--bcher-kva.example"},
		{in: "first.last+tag@example.com", addr: "first.last+tag@example.com"},
		{in: `"a b"@example.com`, addr: `"a b"@example.com`},
		{in: "a@[192.0.2.1]", addr: "a@[192.0.2.1]"},
		{in: "root@localhost", addr: "root@localhost"},

		{in: "", wantErr: true, mention: "empty"},
		{in: "ann", wantErr: true, mention: "no @"},
		{in: "ann@", wantErr: true, mention: "nothing after the @"},
		{in: "@b.c", wantErr: true, mention: "nothing before the @"},
		{in: "a@b.c\r\nBcc: x@y.z", wantErr: true, injection: true, mention: "line break"},
		{in: "a@b.c\nBcc: x@y.z", wantErr: true, injection: true, mention: "line break"},
		{in: "=?utf-8?q?Ann=0D=0ABcc=3A_x=40y.z?= <a@b.c>", wantErr: true, injection: true, mention: "line break"},
		{in: "a@b.c, d@e.f", wantErr: true},
		{in: "a@b_c.example", wantErr: true, mention: "domain"},
		{in: "a@-b.example", wantErr: true, mention: "hyphen"},
		{in: "a@192.0.2.1", wantErr: true, mention: "brackets"},
		{in: "a@[::1]", wantErr: true, mention: "address literal"},
		{in: "a@b.example.", wantErr: true, mention: "dot"},
		{in: strings.Repeat("a", 65) + "@example.com", wantErr: true, mention: "at most 64"},
		{in: "a@xn--zz.example", wantErr: true},
		{in: "a\xff@example.com", wantErr: true, mention: "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, addr, err := ParseAddress(tt.in)
			if verr := ValidateAddress(tt.in); (verr == nil) != (err == nil) {
				t.Errorf("ValidateAddress and ParseAddress disagree: %v vs %v", verr, err)
			}
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseAddress(%q) = %q, %q, nil; want an error", tt.in, name, addr)
				}
				if !errors.Is(err, ErrInvalidAddress) {
					t.Errorf("error %v does not wrap ErrInvalidAddress", err)
				}
				if got := errors.Is(err, ErrHeaderInjection); got != tt.injection {
					t.Errorf("errors.Is(err, ErrHeaderInjection) = %v, want %v", got, tt.injection)
				}
				if !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("error %q does not mention %q", err, tt.mention)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAddress(%q): %v", tt.in, err)
			}
			if name != tt.name || addr != tt.addr {
				t.Errorf("ParseAddress(%q) = %q, %q; want %q, %q", tt.in, name, addr, tt.name, tt.addr)
			}
			if got := NeedsSMTPUTF8(tt.in); got != tt.smtputf8 {
				t.Errorf("NeedsSMTPUTF8(%q) = %v, want %v", tt.in, got, tt.smtputf8)
			}
			if got := NeedsSMTPUTF8(addr); got != tt.smtputf8 {
				t.Errorf("NeedsSMTPUTF8(%q) = %v, want %v", addr, got, tt.smtputf8)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"gmail", true},
		{"Work mail", true},
		{"工作邮箱", true},
		{"a", true},
		{"o'brien.work_2", true},
		{strings.Repeat("é", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{" work", false},
		{"work ", false},
		{"a/b", false},
		{`a\b`, false},
		{"a\tb", false},
		{"a\nb", false},
		{"a\x00b", false},
		{"a\u200bb", false}, // zero-width space: invisible
		{"\xff", false},
		{".", false},
		{"..", false},
		{"-json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidName) {
				t.Errorf("error %v does not wrap ErrInvalidName", err)
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := map[string]bool{
		"localhost":        true,
		"LocalHost":        true,
		"localhost.":       true,
		"127.0.0.1":        true,
		"127.1.2.3":        true,
		"::1":              true,
		"[::1]":            true,
		"::ffff:127.0.0.1": true,
		"":                 false,
		"localhost.com":    false,
		"mylocalhost":      false,
		"128.0.0.1":        false,
		"10.0.0.1":         false,
		"::2":              false,
		"smtp.gmail.com":   false,
		"0.0.0.0":          false,
	}
	for h, want := range tests {
		t.Run(h, func(t *testing.T) {
			if got := IsLoopbackHost(h); got != want {
				t.Errorf("IsLoopbackHost(%q) = %v, want %v", h, got, want)
			}
		})
	}
}

// testGmailProfile is a clean, valid profile.
func testGmailProfile() Profile {
	return Profile{
		Name:     "gmail",
		Preset:   "gmail",
		Host:     "smtp.gmail.com",
		Port:     587,
		Security: SecuritySTARTTLS,
		Auth:     AuthAuto,
		Username: "ann@gmail.com",
		From:     "ann@gmail.com",
		FromName: "Ann Example",
	}
}

func TestProfileValidateOK(t *testing.T) {
	ca := writeSelfSignedCA(t)
	tests := map[string]func(p *Profile){
		"gmail":           func(p *Profile) {},
		"auth none":       func(p *Profile) { p.Auth, p.Username = AuthNone, "" },
		"auto no user":    func(p *Profile) { p.Username = "" },
		"no from":         func(p *Profile) { p.From, p.FromName = "", "" },
		"from with name":  func(p *Profile) { p.From = "Ann <ann@gmail.com>" },
		"helo name":       func(p *Profile) { p.HELO = "client.example.org" },
		"helo literal":    func(p *Profile) { p.HELO = "[192.0.2.1]" },
		"helo v6 literal": func(p *Profile) { p.HELO = "[IPv6:2001:db8::1]" },
		"helo bare ip":    func(p *Profile) { p.HELO = "192.0.2.1" },
		"timeout min":     func(p *Profile) { p.Timeout = Duration(MinTimeout) },
		"timeout max":     func(p *Profile) { p.Timeout = Duration(MaxTimeout) },
		"ca file":         func(p *Profile) { p.CAFile = ca },
		"tls 465":         func(p *Profile) { p.Port, p.Security = 465, SecurityTLS },
		"ipv6 host":       func(p *Profile) { p.Host = "2001:db8::25" },
		"idn host":        func(p *Profile) { p.Host = "mail.bücher.example" },
		"utf8 from":       func(p *Profile) { p.From = "用户@例子.广告" },
		"xoauth2":         func(p *Profile) { p.Auth = AuthXOAUTH2 },
	}
	for name, mod := range tests {
		t.Run(name, func(t *testing.T) {
			p := testGmailProfile()
			mod(&p)
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestProfileValidateErrors(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(p *Profile)
		want   []error
		fields []string
	}{
		{"empty host", func(p *Profile) { p.Host = "" }, []error{ErrMissingField, ErrInvalidHost}, []string{"host"}},
		{"bad host", func(p *Profile) { p.Host = "smtp.gmail.com:587" }, []error{ErrInvalidHost}, []string{"host"}},
		{"port 0", func(p *Profile) { p.Port = 0 }, []error{ErrInvalidPort}, []string{"port"}},
		{"no security", func(p *Profile) { p.Security = "" }, []error{ErrMissingField, ErrInvalidSecurity}, []string{"security"}},
		{"bad security", func(p *Profile) { p.Security = "ssl" }, []error{ErrInvalidSecurity}, []string{"security"}},
		{"bad auth", func(p *Profile) { p.Auth = "gssapi" }, []error{ErrInvalidAuth}, []string{"auth"}},
		{"plain without user", func(p *Profile) { p.Auth, p.Username = AuthPlain, "" }, []error{ErrMissingField}, []string{"username"}},
		{"xoauth2 without user", func(p *Profile) { p.Auth, p.Username = AuthXOAUTH2, "" }, []error{ErrMissingField}, []string{"username"}},
		{"user crlf", func(p *Profile) { p.Username = "ann\r\nMAIL FROM:<x@y>" }, []error{ErrInvalidUsername, ErrHeaderInjection}, []string{"username"}},
		{"user nul", func(p *Profile) { p.Username = "ann\x00x" }, []error{ErrInvalidUsername}, []string{"username"}},
		{"user long", func(p *Profile) { p.Username = strings.Repeat("u", 257) }, []error{ErrInvalidUsername}, []string{"username"}},
		{"bad from", func(p *Profile) { p.From = "ann" }, []error{ErrInvalidAddress}, []string{"from"}},
		{"from crlf", func(p *Profile) { p.From = "a@b.c\r\nBcc: x@y.z" }, []error{ErrInvalidAddress, ErrHeaderInjection}, []string{"from"}},
		{"from name crlf", func(p *Profile) { p.FromName = "Ann\r\nBcc: x@y.z" }, []error{ErrInvalidFromName, ErrHeaderInjection}, []string{"from_name"}},
		{"from name long", func(p *Profile) { p.FromName = strings.Repeat("n", 129) }, []error{ErrInvalidFromName}, []string{"from_name"}},
		{"helo bad", func(p *Profile) { p.HELO = "my host" }, []error{ErrInvalidHELO}, []string{"helo"}},
		{"helo crlf", func(p *Profile) { p.HELO = "x\r\nQUIT" }, []error{ErrInvalidHELO, ErrHeaderInjection}, []string{"helo"}},
		{"helo bad literal", func(p *Profile) { p.HELO = "[::1]" }, []error{ErrInvalidHELO}, []string{"helo"}},
		{"timeout short", func(p *Profile) { p.Timeout = Duration(500 * time.Millisecond) }, []error{ErrInvalidTimeout}, []string{"timeout"}},
		{"timeout long", func(p *Profile) { p.Timeout = Duration(time.Hour) }, []error{ErrInvalidTimeout}, []string{"timeout"}},
		{"timeout negative", func(p *Profile) { p.Timeout = Duration(-time.Second) }, []error{ErrInvalidTimeout}, []string{"timeout"}},
		{"ca missing", func(p *Profile) { p.CAFile = filepath.Join(t.TempDir(), "nope.pem") }, []error{ErrCAFile}, []string{"ca_file"}},
		{"ca dir", func(p *Profile) { p.CAFile = t.TempDir() }, []error{ErrCAFile}, []string{"ca_file"}},
		{"ca not pem", func(p *Profile) { p.CAFile = writeTestFile(t, "ca.pem", "not a certificate\n") }, []error{ErrCAFile}, []string{"ca_file"}},
		{"ca bad pem", func(p *Profile) {
			p.CAFile = writeTestFile(t, "ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
		}, []error{ErrCAFile}, []string{"ca_file"}},
		{"bad name", func(p *Profile) { p.Name = "a/b" }, []error{ErrInvalidName}, []string{"name"}},
		{"everything", func(p *Profile) {
			*p = Profile{Name: "", Host: "a b", Port: 70000, Security: "x", Auth: AuthLogin, HELO: "-x",
				From: "nobody", FromName: "x\ny", Timeout: Duration(time.Millisecond), CAFile: "/nonexistent/ca.pem"}
		}, []error{ErrInvalidName, ErrInvalidHost, ErrInvalidPort, ErrInvalidSecurity, ErrMissingField,
			ErrInvalidAddress, ErrInvalidFromName, ErrHeaderInjection, ErrInvalidHELO, ErrInvalidTimeout, ErrCAFile},
			[]string{"name", "host", "port", "security", "username", "from", "from_name", "helo", "timeout", "ca_file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testGmailProfile()
			tt.mod(&p)
			err := p.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("errors.Is(err, %v) = false; err = %v", w, err)
				}
			}
			var fields []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var fe *FieldError
				if !errors.As(e, &fe) {
					t.Errorf("joined error %v is not a *FieldError", e)
					continue
				}
				fields = append(fields, fe.Field)
			}
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields = %q, want %q\n%v", fields, tt.fields, err)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name        string
		mod         func(p *Profile)
		hasPassword bool
		want        []string
	}{
		{"clean gmail", func(p *Profile) {}, true, nil},
		{"clean gmail 465", func(p *Profile) { p.Port, p.Security = 465, SecurityTLS }, true, nil},
		{"starttls on 465", func(p *Profile) { p.Port = 465 }, true, []string{WarnSTARTTLSOn465}},
		{"tls on 587", func(p *Profile) { p.Security = SecurityTLS }, true, []string{WarnTLSOnPlainPort}},
		{"tls on 25", func(p *Profile) { p.Port, p.Security = 25, SecurityTLS }, true, []string{WarnTLSOnPlainPort, WarnPort25}},
		{"plaintext password", func(p *Profile) { p.Security = SecurityNone }, true, []string{WarnPlaintextPassword}},
		{"plaintext username, no stored password", func(p *Profile) { p.Security = SecurityNone }, false, []string{WarnPlaintextPassword}},
		{"plaintext, no auth", func(p *Profile) { p.Security, p.Auth, p.Username = SecurityNone, AuthNone, "" }, false, nil},
		{"plaintext, auth none, stored password", func(p *Profile) { p.Security, p.Auth = SecurityNone, AuthNone }, true, nil},
		{"plaintext, auto, password but no user name", func(p *Profile) { p.Security, p.Username = SecurityNone, "" }, true, []string{WarnPlaintextPassword}},
		{"plaintext to loopback", func(p *Profile) { p.Security, p.Host, p.Port = SecurityNone, "localhost", 1025 }, true, nil},
		{"plaintext to 127.0.0.1:25", func(p *Profile) { p.Security, p.Host, p.Port = SecurityNone, "127.0.0.1", 25 }, true, nil},
		{"skip verify", func(p *Profile) { p.InsecureSkipVerify = true }, true, []string{WarnSkipVerify}},
		{"port 25", func(p *Profile) { p.Port = 25 }, true, []string{WarnPort25}},
		{"everything", func(p *Profile) { p.Port, p.Security, p.InsecureSkipVerify = 25, SecurityNone, true }, true,
			[]string{WarnPlaintextPassword, WarnSkipVerify, WarnPort25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testGmailProfile()
			tt.mod(&p)
			ws := p.Warnings(tt.hasPassword)
			var codes []string
			for _, w := range ws {
				codes = append(codes, w.Code)
				if len(w.Message) < 40 || !strings.HasSuffix(w.Message, ".") || w.Message[0] < 'A' || w.Message[0] > 'Z' {
					t.Errorf("warning %s: message %q is not a full sentence", w.Code, w.Message)
				}
			}
			if !slices.Equal(codes, tt.want) {
				t.Errorf("Warnings(%v) codes = %q, want %q", tt.hasPassword, codes, tt.want)
			}
		})
	}
	p := testGmailProfile()
	p.Security = SecurityTLS
	if ws := p.Warnings(true); len(ws) != 1 || !strings.Contains(ws[0].Message, "first record does not look like a TLS handshake") {
		t.Errorf("tls-on-plain-port message should quote the TLS error: %+v", ws)
	}
}

// writeTestFile writes a file in a fresh temporary directory and returns its path.
func writeTestFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeSelfSignedCA writes a self-signed CA certificate as PEM and returns its path.
func writeSelfSignedCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtpconf test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return writeTestFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}

func FuzzValidateHost(f *testing.F) {
	for _, s := range []string{
		"smtp.gmail.com", "127.0.0.1", "::1", "bücher.example", "xn--bcher-kva.example", "localhost",
		"localhost.", "", "smtp.gmail.com:587", "smtp://x", "a..b", "-a.com", strings.Repeat("a", 64),
		"a b", "x\r\nRCPT TO:<e@vil>", "[::1]:25", "fe80::1%eth0", "ｓｍｔｐ．ｅｘａｍｐｌｅ", "a。b",
		"１２７.０.０.１", "xn--zz", "XN--BCHER-KVA.example", "r3--sn-abc.example", "1.2.3", "::ffff:1.2.3.4",
		"\u200d.example", "ß.example", "ab--c.bücher.example", "a\u0301.example", "٠١.example",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ASCIIHost(h)
		if verr := ValidateHost(h); (verr == nil) != (err == nil) {
			t.Fatalf("ValidateHost and ASCIIHost disagree on %q: %v vs %v", h, verr, err)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidHost) {
				t.Fatalf("error for %q does not wrap ErrInvalidHost: %v", h, err)
			}
			if strings.ContainsAny(h, "\r\n") && !errors.Is(err, ErrHeaderInjection) {
				t.Fatalf("error for %q does not wrap ErrHeaderInjection: %v", h, err)
			}
			return
		}
		if strings.ContainsAny(h, "\r\n") || strings.ContainsAny(a, "\r\n") {
			t.Fatalf("accepted %q with a line break", h)
		}
		if net.ParseIP(h) != nil {
			if a != h {
				t.Fatalf("ASCIIHost(%q) changed an IP address to %q", h, a)
			}
			return
		}
		if strings.ContainsAny(a, " \t:/@[]%") || !asciiOnly(a) {
			t.Fatalf("ASCIIHost(%q) = %q, not a plain ASCII host name", h, a)
		}
		if net.ParseIP(strings.TrimSuffix(a, ".")) != nil {
			t.Fatalf("ASCIIHost(%q) = %q, turned a name into an IP address", h, a)
		}
		if a2, err := ASCIIHost(a); err != nil || a2 != a {
			t.Fatalf("ASCIIHost(%q) = %q, which does not convert to itself: %q, %v", h, a, a2, err)
		}
		// Names that need IDNA survive the Lookup profile (ASCII names are
		// checked by the LDH rules only, to keep names like "r3--sn.example").
		if !asciiOnly(h) || hasPunycodeLabel(h) {
			if _, err := idna.Lookup.ToASCII(h); err != nil {
				t.Fatalf("accepted %q, but idna.Lookup rejects it: %v", h, err)
			}
		}
		if _, err := idna.Lookup.ToUnicode(a); err != nil && hasPunycodeLabel(a) {
			t.Fatalf("ASCIIHost(%q) = %q, which idna.Lookup cannot decode: %v", h, a, err)
		}
	})
}

func FuzzValidateAddress(f *testing.F) {
	for _, s := range []string{
		"a@b.example", "Ann <ann@example.com>", "用户@例子.广告", "ann@bücher.example", "", "ann", "ann@", "@b.c",
		"a@b.c\r\nBcc: x@y.z", `"a b"@example.com`, `"a\"b"@example.com`, "a@[192.0.2.1]", "a@[::1]",
		"=?utf-8?q?a=0D=0Ab?= <a@b.c>", "=?utf-8?b?AA==?= <a@b.c>", "a@b.c (comment)", "a@b.c, d@e.f",
		"<a@b.c>", "Group: a@b.c;", `"\x00"@b.c`, "a@xn--bcher-kva.example", "a.@b.c", "a..b@c.d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, addr, err := ParseAddress(s)
		if verr := ValidateAddress(s); (verr == nil) != (err == nil) {
			t.Fatalf("ValidateAddress and ParseAddress disagree on %q", s)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidAddress) {
				t.Fatalf("error for %q does not wrap ErrInvalidAddress: %v", s, err)
			}
			if strings.ContainsAny(s, "\r\n") && !errors.Is(err, ErrHeaderInjection) {
				t.Fatalf("error for %q does not wrap ErrHeaderInjection: %v", s, err)
			}
			return
		}
		if strings.ContainsAny(s+name+addr, "\r\n") {
			t.Fatalf("accepted %q with a line break: name %q, addr %q", s, name, addr)
		}
		at := strings.LastIndexByte(addr, '@')
		if at <= 0 || at == len(addr)-1 {
			t.Fatalf("ParseAddress(%q) = %q, which lacks a local part or a domain", s, addr)
		}
		if domain := addr[at+1:]; !strings.HasPrefix(domain, "[") {
			if err := ValidateHost(domain); err != nil {
				t.Fatalf("ParseAddress(%q) accepted domain %q that ValidateHost rejects: %v", s, domain, err)
			}
		}
		n2, a2, err := ParseAddress(addr)
		if err != nil || a2 != addr || n2 != "" {
			t.Fatalf("ParseAddress(%q) = %q, which does not parse to itself: %q, %q, %v", s, addr, n2, a2, err)
		}
		if NeedsSMTPUTF8(s) != NeedsSMTPUTF8(addr) {
			t.Fatalf("NeedsSMTPUTF8 differs for %q and its address %q", s, addr)
		}
	})
}
