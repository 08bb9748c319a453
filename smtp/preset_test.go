package smtp

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var presetSlugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// testFixedPresetIDs are the ids the design contract names.
var testFixedPresetIDs = []string{
	"gmail", "outlook", "microsoft365", "yahoo", "icloud", "qq", "163", "126",
	"exmail", "aliyun", "sendgrid", "ses", "custom", "local",
}

// testPresetHostOK reports whether h is a DNS host name of at least two labels,
// each of letters, digits and inner hyphens.
func testPresetHostOK(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return strings.Trim(tld, "0123456789") != ""
}

// testPresetDomainOK reports whether p is a lower-case exact domain or a
// "name.*" pattern, as the contract allows.
func testPresetDomainOK(p string) bool {
	if p != strings.ToLower(p) {
		return false
	}
	if base, ok := strings.CutSuffix(p, ".*"); ok {
		return base != "" && !strings.Contains(base, "*") && testPresetHostOK(base+".com")
	}
	return !strings.Contains(p, "*") && testPresetHostOK(p)
}

func TestPresetIDs(t *testing.T) {
	ps := Presets()
	if len(ps) < 23 {
		t.Errorf("got %d presets, want at least 23", len(ps))
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if !presetSlugRE.MatchString(p.ID) {
			t.Errorf("id %q is not a lower-case slug", p.ID)
		}
		if seen[p.ID] {
			t.Errorf("id %q appears twice", p.ID)
		}
		seen[p.ID] = true
	}
	for _, id := range testFixedPresetIDs {
		t.Run(id, func(t *testing.T) {
			if !seen[id] {
				t.Errorf("fixed preset %q is missing", id)
			}
			p, ok := PresetByID(strings.ToUpper(id) + " ")
			if !ok || p.ID != id {
				t.Errorf("PresetByID(%q) = %q, %v", strings.ToUpper(id)+" ", p.ID, ok)
			}
		})
	}
	if _, ok := PresetByID("no-such-preset"); ok {
		t.Error("PresetByID found an unknown id")
	}
}

func TestPresetOrder(t *testing.T) {
	ps := Presets()
	n := len(ps)
	if n < 2 || ps[n-2].ID != "custom" || ps[n-1].ID != "local" {
		t.Fatalf("custom and local must come last")
	}
	index := map[string]int{}
	for i, p := range ps {
		index[p.ID] = i
	}
	// Personal providers, then Chinese providers, then sending services.
	groups := [][]string{
		{"gmail", "outlook", "microsoft365", "yahoo", "icloud"},
		{"qq", "163", "126", "exmail", "aliyun"},
		{"sendgrid", "ses"},
	}
	for g := 1; g < len(groups); g++ {
		for _, before := range groups[g-1] {
			for _, after := range groups[g] {
				if index[before] > index[after] {
					t.Errorf("%s is listed after %s", before, after)
				}
			}
		}
	}
}

func TestPresetFields(t *testing.T) {
	creds := []Credential{CredPassword, CredAppPassword, CredAuthCode, CredAPIKey, CredOAuth2, CredNone}
	for _, p := range Presets() {
		t.Run(p.ID, func(t *testing.T) {
			if strings.TrimSpace(p.Name) == "" {
				t.Error("empty name")
			}
			switch p.ID {
			case "custom":
				if p.Host != "" {
					t.Errorf("custom host = %q, want empty", p.Host)
				}
			case "local":
				if ip := net.ParseIP(p.Host); ip == nil || !ip.IsLoopback() {
					t.Errorf("local host %q is not a loopback IP", p.Host)
				}
			default:
				if !testPresetHostOK(p.Host) {
					t.Errorf("invalid host %q", p.Host)
				}
			}
			checkPort := func(port int, sec Security) {
				if port < 1 || port > 65535 {
					t.Errorf("port %d out of range", port)
				}
				if !slices.Contains(Securities, sec) {
					t.Errorf("port %d: invalid security %q", port, sec)
				}
			}
			checkPort(p.Port, p.Security)
			ports := map[int]bool{p.Port: true}
			for _, alt := range p.AltPorts {
				checkPort(alt.Port, alt.Security)
				if ports[alt.Port] {
					t.Errorf("port %d listed twice", alt.Port)
				}
				ports[alt.Port] = true
				if alt.Port == 465 && alt.Security != SecurityTLS || alt.Port == 587 && alt.Security != SecuritySTARTTLS {
					t.Errorf("port %d with %q", alt.Port, alt.Security)
				}
			}
			if p.Port == 465 && p.Security != SecurityTLS || p.Port == 587 && p.Security != SecuritySTARTTLS {
				t.Errorf("port %d with %q", p.Port, p.Security)
			}
			if !slices.Contains(AuthMethods, p.Auth) {
				t.Errorf("invalid auth %q", p.Auth)
			}
			if !slices.Contains(creds, p.Credential) {
				t.Errorf("invalid credential %q", p.Credential)
			}
			if strings.TrimSpace(p.Notes) == "" {
				t.Error("empty notes")
			}
			if strings.ContainsAny(p.Notes, "\r\n") {
				t.Error("notes must be one line")
			}
			if p.ID == "custom" || p.ID == "local" {
				if p.HelpURL != "" {
					t.Errorf("unexpected help URL %q", p.HelpURL)
				}
				if len(p.Domains) != 0 {
					t.Errorf("%s must not claim domains: %v", p.ID, p.Domains)
				}
			} else {
				u, err := url.Parse(p.HelpURL)
				if err != nil || u.Scheme != "https" || !testPresetHostOK(u.Hostname()) {
					t.Errorf("help URL %q is not a valid https URL (%v)", p.HelpURL, err)
				}
			}
			for _, d := range p.Domains {
				if !testPresetDomainOK(d) {
					t.Errorf("invalid domain pattern %q", d)
				}
			}
			for _, r := range p.Regions {
				if !testPresetHostOK(r) || r == p.Host {
					t.Errorf("invalid region host %q", r)
				}
			}
		})
	}
}

func TestPresetPolicies(t *testing.T) {
	// Settings a provider mandates; a regression here sends people into an
	// authentication failure.
	tests := []struct {
		id   string
		host string
		port int
		sec  Security
		auth AuthMethod
		cred Credential
		user string
	}{
		{"gmail", "smtp.gmail.com", 465, SecurityTLS, AuthXOAUTH2, CredAppPassword, ""},
		{"outlook", "smtp-mail.outlook.com", 587, SecuritySTARTTLS, AuthXOAUTH2, CredOAuth2, ""},
		{"microsoft365", "smtp.office365.com", 587, SecuritySTARTTLS, AuthXOAUTH2, CredPassword, ""},
		{"icloud", "smtp.mail.me.com", 587, SecuritySTARTTLS, AuthAuto, CredAppPassword, ""},
		{"qq", "smtp.qq.com", 465, SecurityTLS, AuthAuto, CredAuthCode, ""},
		{"163", "smtp.163.com", 465, SecurityTLS, AuthAuto, CredAuthCode, ""},
		{"exmail", "smtp.exmail.qq.com", 465, SecurityTLS, AuthAuto, CredPassword, ""},
		{"aliyun", "smtp.qiye.aliyun.com", 465, SecurityTLS, AuthAuto, CredPassword, ""},
		{"aliyun-personal", "smtp.aliyun.com", 465, SecurityTLS, AuthAuto, CredPassword, ""},
		{"sendgrid", "smtp.sendgrid.net", 587, SecuritySTARTTLS, AuthAuto, CredAPIKey, "apikey"},
		{"ses", "email-smtp.us-east-1.amazonaws.com", 587, SecuritySTARTTLS, AuthAuto, CredAPIKey, ""},
		{"custom", "", 587, SecuritySTARTTLS, AuthAuto, CredPassword, ""},
		{"local", "127.0.0.1", 2525, SecuritySTARTTLS, AuthAuto, CredPassword, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			p, ok := PresetByID(tt.id)
			if !ok {
				t.Fatalf("no preset %q", tt.id)
			}
			if p.Host != tt.host || p.Port != tt.port || p.Security != tt.sec || p.Auth != tt.auth ||
				p.Credential != tt.cred || p.Username != tt.user {
				t.Errorf("got %s:%d %s auth=%s cred=%s user=%q, want %s:%d %s auth=%s cred=%s user=%q",
					p.Host, p.Port, p.Security, p.Auth, p.Credential, p.Username,
					tt.host, tt.port, tt.sec, tt.auth, tt.cred, tt.user)
			}
		})
	}
	ses, _ := PresetByID("ses")
	if !strings.Contains(ses.Notes, "not IAM access keys") || len(ses.Regions) < 5 {
		t.Errorf("ses: notes %q, %d regions", ses.Notes, len(ses.Regions))
	}
	for _, id := range []string{"zoho", "mailgun", "ses", "gmx"} {
		if p, _ := PresetByID(id); len(p.Regions) == 0 {
			t.Errorf("%s: no regional hosts", id)
		}
	}
}

func TestPresetNotesNameCredential(t *testing.T) {
	for _, p := range Presets() {
		t.Run(p.ID, func(t *testing.T) {
			notes := strings.ToLower(p.Notes)
			switch p.Credential {
			case CredAppPassword:
				if !strings.Contains(notes, "app password") && !strings.Contains(notes, "app-specific password") {
					t.Errorf("app-password preset does not say so: %q", p.Notes)
				}
			case CredAuthCode:
				if !strings.Contains(notes, "authorisation code") || !strings.Contains(p.Notes, "授权码") {
					t.Errorf("auth-code preset does not say so: %q", p.Notes)
				}
			case CredOAuth2:
				if !strings.Contains(notes, "oauth2") {
					t.Errorf("oauth2 preset does not say so: %q", p.Notes)
				}
			}
		})
	}
}

func TestPresetDomainsUnique(t *testing.T) {
	owner := map[string]string{}
	for _, p := range Presets() {
		for _, d := range p.Domains {
			if prev, ok := owner[d]; ok {
				t.Errorf("domain %q claimed by %s and %s", d, prev, p.ID)
			}
			owner[d] = p.ID
		}
	}
	// Every pattern leads back to its own preset, so no pattern is shadowed
	// by another preset's pattern.
	for d, id := range owner {
		samples := []string{d}
		if base, ok := strings.CutSuffix(d, "*"); ok {
			samples = []string{base + "com", base + "co.uk", base + "fr"}
		}
		for _, s := range samples {
			if other, ok := owner[s]; ok && other != id {
				continue // an exact name of another preset wins, by design
			}
			if got, ok := PresetForAddress("someone@" + s); !ok || got.ID != id {
				t.Errorf("%s (from pattern %q of %s) -> %q, %v", s, d, id, got.ID, ok)
			}
		}
	}
}

func TestPresetForAddress(t *testing.T) {
	tests := []struct {
		addr string
		want string // "" for no match
	}{
		{"user@gmail.com", "gmail"},
		{"x@GoogleMail.com", "gmail"},
		{"X@GMAIL.COM", "gmail"},
		{"gmail.com", "gmail"},
		{"a@gmail.com.", "gmail"},
		{"  a@gmail.com  ", "gmail"},
		{"a@hotmail.co.uk", "outlook"},
		{"a@hotmail.com", "outlook"},
		{"a@outlook.com", "outlook"},
		{"a@outlook.de", "outlook"},
		{"a@live.fr", "outlook"},
		{"a@live.com.au", "outlook"},
		{"a@msn.com", "outlook"},
		{"a@yahoo.com", "yahoo"},
		{"a@yahoo.co.uk", "yahoo"},
		{"a@ymail.com", "yahoo"},
		{"a@rocketmail.com", "yahoo"},
		// Yahoo! JAPAN is a separate service with its own servers and IDs.
		{"a@yahoo.co.jp", "yahoo-japan"},
		{"a@icloud.com", "icloud"},
		{"a@me.com", "icloud"},
		{"a@mac.com", "icloud"},
		{"a@aol.com", "aol"},
		{"a@aim.com", "aol"},
		{"a@zoho.com", "zoho"},
		{"a@fastmail.fm", "fastmail"},
		{"a@gmx.de", "gmx"},
		{"a@gmx.net", "gmx"},
		{"a@gmx.com", "gmx-com"},
		{"a@foxmail.com", "qq"},
		{"a@qq.com", "qq"},
		{"a@vip.qq.com", "qq"},
		{"a@163.com", "163"},
		{"a@vip.163.com", ""},
		{"a@126.com", "126"},
		{"a@yeah.net", "yeah"},
		{"a@aliyun.com", "aliyun-personal"},
		{"a@sina.com", "sina"},
		{"a@example.com", ""},
		{"a@notgmail.com", ""},
		{"a@gmail.co", ""},
		{"a@mail.gmail.com", ""},
		{"a@gmail.com.evil.example", ""},
		{"a@hotmail.a.b.c", ""},
		{"a@hotmail.a.b", ""},
		{"a@hotmail.com.evil", ""},
		{"a@hotmail.evil", ""},
		{"a@hotmail", ""},
		{"a@hotmail.", ""},
		{"a@outlook.office365.com", ""},
		{"a@yahoo.blogspot.com", ""},
		{"a@", ""},
		{"@", ""},
		{"", ""},
		{".", ""},
		{"a@gmail.com..", ""},
		// A different IDN domain that strings.ToLower would fold into gmail.com.
		{"a@GMAİL.com", ""},
		// IDNA maps these to gmail.com itself, as a DNS lookup would.
		{"a@gmail.com。", "gmail"},
		{"a@ｇｍａｉｌ.com", "gmail"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			p, ok := PresetForAddress(tt.addr)
			if ok != (tt.want != "") || p.ID != tt.want {
				t.Errorf("PresetForAddress(%q) = %q, %v; want %q", tt.addr, p.ID, ok, tt.want)
			}
		})
	}
}

func TestPresetForAddressIDN(t *testing.T) {
	for _, addr := range []string{
		"a@bücher.de", "a@xn--bcher-kva.de", "用户@例子.广告", "a@пример.рф", "a@xn--zz",
		"a@-a.com", "a@a_b.com", "a@\u200b", "a@\xff\xfe", "a@" + strings.Repeat("ä", 300) + ".com",
		"a@.com", "a@..", "a@hotmail.\u0301", "a@gmail.com\x00",
	} {
		t.Run(addr, func(t *testing.T) {
			if p, ok := PresetForAddress(addr); ok {
				t.Errorf("PresetForAddress(%q) = %q, want no match", addr, p.ID)
			}
		})
	}
}

func TestDomainMatches(t *testing.T) {
	tests := []struct {
		pattern, domain string
		want            bool
	}{
		{"gmail.com", "gmail.com", true},
		{"gmail.com", "gmail.co", false},
		{"gmail.com", "mail.gmail.com", false},
		{"hotmail.*", "hotmail.com", true},
		{"hotmail.*", "hotmail.co.uk", true},
		{"hotmail.*", "hotmail.com.tr", true},
		{"hotmail.*", "hotmail.", false},
		{"hotmail.*", "hotmail", false},
		{"hotmail.*", "xhotmail.com", false},
		{"hotmail.*", "a.hotmail.com", false},
		{"hotmail.*", "hotmail..com", false},
		{"hotmail.*", "hotmail.a.b", false},
		{"hotmail.*", "hotmail.a.b.c", false},
		{"hotmail.*", "hotmail.com.evil", false},
		{"hotmail.*", "hotmail.blogspot.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.domain, func(t *testing.T) {
			if got := domainMatches(tt.pattern, tt.domain); got != tt.want {
				t.Errorf("domainMatches(%q, %q) = %v, want %v", tt.pattern, tt.domain, got, tt.want)
			}
		})
	}
}

func TestPresetsReturnsCopy(t *testing.T) {
	a := Presets()
	want := Presets()
	for i := range a {
		a[i].ID = "changed"
		for j := range a[i].Domains {
			a[i].Domains[j] = "changed.example"
		}
		for j := range a[i].AltPorts {
			a[i].AltPorts[j].Port = 1
		}
		for j := range a[i].Regions {
			a[i].Regions[j] = "changed.example"
		}
		a[i].Domains = append(a[i].Domains, "extra.example")
	}
	b := Presets()
	if len(b) != len(want) {
		t.Fatalf("length changed: %d, want %d", len(b), len(want))
	}
	for i := range b {
		if b[i].ID != want[i].ID || !slices.Equal(b[i].Domains, want[i].Domains) ||
			!slices.Equal(b[i].AltPorts, want[i].AltPorts) || !slices.Equal(b[i].Regions, want[i].Regions) {
			t.Errorf("preset %d changed after mutating an earlier copy: %+v", i, b[i])
		}
	}
	if p, ok := PresetForAddress("a@gmail.com"); !ok || p.ID != "gmail" {
		t.Errorf("matching changed after mutating a copy: %q, %v", p.ID, ok)
	}
	p, _ := PresetByID("gmail")
	p.Domains[0] = "changed.example"
	if q, _ := PresetByID("gmail"); q.Domains[0] != "gmail.com" {
		t.Error("PresetByID returned shared domains")
	}
}

func FuzzPresetForAddress(f *testing.F) {
	for _, s := range []string{
		"user@gmail.com", "x@GoogleMail.com", "a@hotmail.co.uk", "a@yahoo.co.jp", "gmail.com.",
		"a@gmail.com.evil.example", "a@hotmail.a.b.c", "a@bücher.de", "a@GMAİL.com", "a@gmail.com。",
		"", "@", "a@", "a@@b", "a@xn--", "a@live.com.mx", "a@outlook.*", "a@*",
	} {
		f.Add(s)
	}
	exact := map[string]bool{}
	for _, p := range Presets() {
		for _, d := range p.Domains {
			if !strings.HasSuffix(d, ".*") {
				exact[d] = true
			}
		}
	}
	f.Fuzz(func(t *testing.T, addr string) {
		p, ok := PresetForAddress(addr)
		domain := addressDomain(addr)
		if !ok {
			if p.ID != "" {
				t.Fatalf("no match but preset %q returned", p.ID)
			}
			for _, q := range Presets() {
				for _, d := range q.Domains {
					if domainMatches(d, domain) {
						t.Fatalf("%q: pattern %q of %s matches %q but nothing was returned", addr, d, q.ID, domain)
					}
				}
			}
			return
		}
		if p.ID == "custom" || p.ID == "local" {
			t.Fatalf("%q matched %s", addr, p.ID)
		}
		if q, _ := PresetByID(p.ID); q.Host != p.Host || !slices.Equal(q.Domains, p.Domains) {
			t.Fatalf("returned preset %q differs from the built-in one", p.ID)
		}
		var by string
		for _, d := range p.Domains {
			if domainMatches(d, domain) {
				by = d
				break
			}
		}
		if by == "" {
			t.Fatalf("%q -> %s, but none of %v matches %q", addr, p.ID, p.Domains, domain)
		}
		if base, ok := strings.CutSuffix(by, "*"); ok {
			if exact[domain] {
				t.Fatalf("%q matched wildcard %q although %q is an exact pattern", addr, by, domain)
			}
			rest, found := strings.CutPrefix(domain, base)
			if !found || rest == "" || strings.Count(rest, ".") > 1 || strings.HasPrefix(rest, ".") || strings.HasSuffix(rest, ".") {
				t.Fatalf("wildcard %q matched %q", by, domain)
			}
		} else if by != domain {
			t.Fatalf("exact pattern %q matched %q", by, domain)
		}
	})
}

func TestPresetAuthChoices(t *testing.T) {
	// Sign-in (xoauth2) first where the provider offers it; the password
	// alternative only where the provider still accepts one.
	want := map[string][]AuthMethod{
		"gmail":        {AuthXOAUTH2, AuthAuto},
		"outlook":      {AuthXOAUTH2},
		"microsoft365": {AuthXOAUTH2, AuthLogin},
	}
	for _, p := range Presets() {
		if w, ok := want[p.ID]; ok && !slices.Equal(p.AuthChoices, w) {
			t.Errorf("%s: auth choices %v, want %v", p.ID, p.AuthChoices, w)
		}
		if len(p.AuthChoices) > 0 && p.AuthChoices[0] != p.Auth {
			t.Errorf("%s: auth %s is not the first choice %v", p.ID, p.Auth, p.AuthChoices)
		}
		for _, a := range p.AuthChoices {
			if !slices.Contains(AuthMethods, a) {
				t.Errorf("%s: invalid auth choice %q", p.ID, a)
			}
		}
	}
	for id, want := range map[string]AuthMethod{"gmail": AuthAuto, "microsoft365": AuthLogin, "outlook": AuthXOAUTH2, "yahoo": AuthAuto} {
		if p, _ := PresetByID(id); p.PasswordAuth() != want {
			t.Errorf("%s: password auth %s, want %s", id, p.PasswordAuth(), want)
		}
	}
}
