package detect

import (
	"strings"
	"testing"

	"github.com/smtpconf/smtpconf/smtp"
)

func TestParseClientConfig(t *testing.T) {
	vars := placeholders{email: "ann@example.test", local: "ann", domain: "example.test"}
	wrap := func(servers string) string {
		return `<clientConfig version="1.1"><emailProvider id="x">` + servers + `</emailProvider></clientConfig>`
	}
	tests := []struct {
		name    string
		xml     string
		host    string
		port    int
		sec     smtp.Security
		auth    smtp.AuthMethod
		user    string
		wantErr string
	}{
		{"ssl with address", wrap(`<outgoingServer type="smtp"><hostname>smtp.example.test</hostname><port>465</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></outgoingServer>`),
			"smtp.example.test", 465, smtp.SecurityTLS, smtp.AuthAuto, "ann@example.test", ""},
		{"encrypted preferred over plain", wrap(`<outgoingServer type="smtp"><hostname>a.test</hostname><port>25</port><socketType>plain</socketType></outgoingServer><outgoingServer type="smtp"><hostname>b.test</hostname><port>587</port><socketType>STARTTLS</socketType><authentication>OAuth2</authentication><username>%EMAILLOCALPART%@%EMAILDOMAIN%</username></outgoingServer>`),
			"b.test", 587, smtp.SecuritySTARTTLS, smtp.AuthXOAUTH2, "ann@example.test", ""},
		{"plain only", wrap(`<outgoingServer type="smtp"><hostname>a.test</hostname><port>25</port><socketType>plain</socketType><authentication>password-encrypted</authentication></outgoingServer>`),
			"a.test", 25, smtp.SecurityNone, smtp.AuthCRAMMD5, "ann@example.test", ""},
		{"imap only", wrap(`<incomingServer type="imap"><hostname>a.test</hostname></incomingServer>`), "", 0, "", "", "", "no outgoing SMTP server"},
		{"bad port", wrap(`<outgoingServer type="smtp"><hostname>a.test</hostname><port>99999</port><socketType>SSL</socketType></outgoingServer>`), "", 0, "", "", "", "invalid port"},
		{"bad host", wrap(`<outgoingServer type="smtp"><hostname>a b</hostname><port>465</port><socketType>SSL</socketType></outgoingServer>`), "", 0, "", "", "", "invalid hostname"},
		{"bad socket type", wrap(`<outgoingServer type="smtp"><hostname>a.test</hostname><port>465</port><socketType>magic</socketType></outgoingServer>`), "", 0, "", "", "", "unknown socketType"},
		{"malformed", `<clientConfig><emailProvider>`, "", 0, "", "", "", "malformed XML"},
		{"not a clientConfig", `<html></html>`, "", 0, "", "", "", "malformed XML"},
		{"empty", ``, "", 0, "", "", "", "malformed XML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseClientConfig([]byte(tc.xml), vars)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Host != tc.host || r.Port != tc.port || r.Security != tc.sec || r.Auth != tc.auth || r.Username != tc.user {
				t.Errorf("got %s:%d %s %s %s", r.Host, r.Port, r.Security, r.Auth, r.Username)
			}
		})
	}
}

func FuzzParseClientConfig(f *testing.F) {
	f.Add([]byte(autoconfigXML))
	f.Add([]byte(`<clientConfig><emailProvider><outgoingServer type="smtp"><hostname>%EMAILDOMAIN%</hostname><port>1</port><socketType>plain</socketType></outgoingServer></emailProvider></clientConfig>`))
	f.Add([]byte(`<clientConfig><emailProvider>`))
	vars := placeholders{email: "ann@example.test", local: "ann", domain: "example.test"}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseClientConfig(data, vars)
		if err != nil {
			return
		}
		if smtp.ValidateHost(r.Host) != nil || smtp.ValidatePort(r.Port) != nil {
			t.Fatalf("accepted invalid server %q:%d", r.Host, r.Port)
		}
		if _, err := smtp.ParseSecurity(string(r.Security)); err != nil {
			t.Fatalf("invalid security %q", r.Security)
		}
	})
}
