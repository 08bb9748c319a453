package detect

import (
	"context"
	"errors"
	"fmt"
	"github.com/smtpconf/smtpconf/smtp/dnstest"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

const autoconfigXML = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    <incomingServer type="imap"><hostname>imap.example.test</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.%EMAILDOMAIN%</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>`

func serveXML(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mail/config-v1.1.xml" && !strings.HasPrefix(r.URL.Path, "/v1.1/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, body)
	})
}

type want struct {
	ok       bool
	source   Source
	host     string
	port     int
	security smtp.Security
	auth     smtp.AuthMethod
	username string
	verified bool
	// config and mxHost are the typed facts the front ends read instead of
	// the evidence; "" where the source has none.
	config   ConfigOrigin
	mxHost   string
	evidence []string // substrings that must appear in the evidence
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name  string
		email string
		setup func(t *testing.T) Options
		want  want
	}{
		{
			name:  "preset by domain, no network",
			email: "user@gmail.com",
			setup: func(t *testing.T) Options {
				return testOptions(t, dnstest.StartSilent(t), nil)
			},
			want: want{ok: true, source: SourcePreset, host: "smtp.gmail.com", port: 465, security: smtp.SecurityTLS,
				// A preset's answer carries the preset's auth: Gmail signs in (xoauth2) first.
				auth: smtp.AuthXOAUTH2, username: "user@gmail.com", verified: true, evidence: []string{"gmail"}},
		},
		{
			name:  "MX base domain maps to a preset",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				d := dnstest.Start(t, "example.test. 60 IN MX 10 aspmx.l.google.com.")
				return testOptions(t, d.Addr, nil)
			},
			want: want{ok: true, source: SourceMX, host: "smtp.gmail.com", port: 465, security: smtp.SecurityTLS,
				auth: smtp.AuthXOAUTH2, username: "ann@example.test", verified: true, mxHost: "aspmx.l.google.com",
				evidence: []string{"aspmx.l.google.com (base domain google.com)"}},
		},
		{
			name:  "SRV submissions verified by connecting",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"mx1.example.test"}})
				d := dnstest.Start(t,
					fmt.Sprintf("_submissions._tcp.example.test. 60 IN SRV 0 1 %d mx1.example.test.", s.Port),
					"mx1.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, s.CA)
				return o
			},
			want: want{ok: true, source: SourceSRV, host: "mx1.example.test", security: smtp.SecurityTLS,
				auth: smtp.AuthAuto, username: "ann@example.test", verified: true,
				evidence: []string{"certificate valid"}},
		},
		{
			name:  "SRV submission with STARTTLS",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				s := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, CertHosts: []string{"mx1.example.test"}})
				d := dnstest.Start(t,
					fmt.Sprintf("_submission._tcp.example.test. 60 IN SRV 0 1 %d mx1.example.test.", s.Port),
					"mx1.example.test. 60 IN A 127.0.0.1")
				return testOptions(t, d.Addr, s.CA)
			},
			want: want{ok: true, source: SourceSRV, host: "mx1.example.test", security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann@example.test", verified: true},
		},
		{
			name:  "autoconfig over https",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				port := startHTTPS(t, ca, serveXML(autoconfigXML), "autoconfig.example.test")
				d := dnstest.Start(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: true, source: SourceAutoconfig, host: "smtp.example.test", port: 587, security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann", verified: true, config: ConfigProvider,
				evidence: []string{"autoconfig: https://autoconfig.example.test/mail/config-v1.1.xml gives smtp.example.test:587"}},
		},
		{
			name:  "ISPDB",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				port := startHTTPS(t, ca, serveXML(strings.ReplaceAll(autoconfigXML, "%EMAILLOCALPART%", "%EMAILADDRESS%")), "ispdb.test")
				d := dnstest.Start(t, "ispdb.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: true, source: SourceAutoconfig, host: "smtp.example.test", port: 587, security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann@example.test", verified: true, config: ConfigISPDB,
				evidence: []string{"ISPDB: https://ispdb.test/v1.1/example.test gives"}},
		},
		{
			name:  "malformed autoconfig XML is evidence, not a crash",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				port := startHTTPS(t, ca, serveXML("<clientConfig><emailProvider><outgoingServer type=\"smtp\">"), "autoconfig.example.test")
				d := dnstest.Start(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: false, auth: smtp.AuthAuto, evidence: []string{"malformed XML", "nothing found"}},
		},
		{
			name:  "oversized autoconfig is ignored",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				big := strings.Replace(autoconfigXML, "<domain>", "<!--"+strings.Repeat("x", maxConfigBytes)+"--><domain>", 1)
				port := startHTTPS(t, ca, serveXML(big), "autoconfig.example.test")
				d := dnstest.Start(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: false, auth: smtp.AuthAuto, evidence: []string{"larger than"}},
		},
		{
			name:  "autoconfig redirect to http is refused",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				port := startHTTPS(t, ca, http.RedirectHandler("http://autoconfig.example.test/mail/config-v1.1.xml", http.StatusFound), "autoconfig.example.test")
				d := dnstest.Start(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: false, auth: smtp.AuthAuto, evidence: []string{"only https is trusted"}},
		},
		{
			name:  "autoconfig redirects are bounded",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				port := startHTTPS(t, ca, http.RedirectHandler("https://autoconfig.example.test/mail/config-v1.1.xml", http.StatusFound), "autoconfig.example.test")
				d := dnstest.Start(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: false, auth: smtp.AuthAuto, evidence: []string{"more than 3 redirects"}},
		},
		{
			name:  "sources disagree: SRV beats autoconfig and MX",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca, CertHosts: []string{"srv.example.test"}})
				port := startHTTPS(t, ca, serveXML(autoconfigXML), "autoconfig.example.test")
				d := dnstest.Start(t,
					fmt.Sprintf("_submissions._tcp.example.test. 60 IN SRV 0 1 %d srv.example.test.", s.Port),
					"srv.example.test. 60 IN A 127.0.0.1",
					"autoconfig.example.test. 60 IN A 127.0.0.1",
					"example.test. 60 IN MX 10 aspmx.l.google.com.")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: true, source: SourceSRV, host: "srv.example.test", security: smtp.SecurityTLS,
				auth: smtp.AuthAuto, username: "ann@example.test", verified: true},
		},
		{
			name:  "unverified SRV ranks below a verified autoconfig",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"srv.example.test"}}) // its own CA: not trusted
				port := startHTTPS(t, ca, serveXML(autoconfigXML), "autoconfig.example.test")
				d := dnstest.Start(t,
					fmt.Sprintf("_submissions._tcp.example.test. 60 IN SRV 0 1 %d srv.example.test.", s.Port),
					"srv.example.test. 60 IN A 127.0.0.1",
					"autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: true, source: SourceAutoconfig, host: "smtp.example.test", port: 587, security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann", verified: true, config: ConfigProvider, evidence: []string{"does NOT verify"}},
		},
		{
			name:  "probe picks the highest-priority answering candidate",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				names := []string{"smtp.example.test", "mail.example.test", "example.test"}
				untrusted := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: names}) // own CA
				sub := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, CA: ca, CertHosts: names})
				plain := smtptest.Start(t, smtptest.Config{Mode: smtptest.Plain})
				d := dnstest.Start(t,
					"mail.example.test. 60 IN A 127.0.0.1",
					"example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[465], o.PortMap[587], o.PortMap[25] = untrusted.Port, sub.Port, plain.Port
				return o
			},
			want: want{ok: true, source: SourceProbe, host: "mail.example.test", port: 587, security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann@example.test", verified: true,
				evidence: []string{"probe: smtp.example.test:465 (tls): no such name", "mail.example.test:465 (tls): answered as SMTP over TLS 1.3, but the certificate does NOT verify"}},
		},
		{
			name:  "probe takes plain only when nothing encrypted answers",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				plain := smtptest.Start(t, smtptest.Config{Mode: smtptest.Plain})
				d := dnstest.Start(t, "example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, nil)
				o.PortMap[587] = plain.Port
				return o
			},
			want: want{ok: true, source: SourceProbe, host: "example.test", port: 587, security: smtp.SecurityNone,
				auth: smtp.AuthAuto, username: "ann@example.test", verified: true, evidence: []string{"UNENCRYPTED"}},
		},
		{
			name:  "MX base domain's ISPDB entry",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				ca := smtptest.NewCA(t)
				h := http.NewServeMux()
				h.Handle("/v1.1/hoster.test", serveXML(strings.ReplaceAll(autoconfigXML, "smtp.%EMAILDOMAIN%", "out.hoster.test")))
				port := startHTTPS(t, ca, h, "ispdb.test")
				d := dnstest.Start(t, "ispdb.test. 60 IN A 127.0.0.1", "example.test. 60 IN MX 10 mx2.hoster.test.")
				o := testOptions(t, d.Addr, ca)
				o.PortMap[443] = port
				return o
			},
			want: want{ok: true, source: SourceMX, host: "out.hoster.test", port: 587, security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann", verified: true, config: ConfigISPDB, mxHost: "mx2.hoster.test",
				evidence: []string{"mx: example.test -> mx2.hoster.test (base domain hoster.test): no preset", "ISPDB: https://ispdb.test/v1.1/example.test: HTTP 404", "mx ISPDB: https://ispdb.test/v1.1/hoster.test gives out.hoster.test:587"}},
		},
		{
			name:  "plain http autoconfig only when allowed",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				srv := httptest.NewServer(serveXML(autoconfigXML))
				t.Cleanup(srv.Close)
				d := dnstest.Start(t, "autoconfig.example.test. 60 IN A 127.0.0.1")
				o := testOptions(t, d.Addr, nil)
				o.AllowHTTP = true
				o.PortMap[80] = srv.Listener.Addr().(*net.TCPAddr).Port
				return o
			},
			want: want{ok: true, source: SourceAutoconfig, host: "smtp.example.test", port: 587, security: smtp.SecuritySTARTTLS,
				auth: smtp.AuthAuto, username: "ann", verified: true, config: ConfigProvider,
				evidence: []string{"autoconfig: http://autoconfig.example.test/mail/config-v1.1.xml gives"}},
		},
		{
			name:  "SRV target . means no service",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				d := dnstest.Start(t, "_submissions._tcp.example.test. 60 IN SRV 0 0 0 .")
				return testOptions(t, d.Addr, nil)
			},
			want: want{ok: false, auth: smtp.AuthAuto, evidence: []string{"service is not offered"}},
		},
		{
			name:  "nothing found",
			email: "ann@example.test",
			setup: func(t *testing.T) Options {
				return testOptions(t, dnstest.Start(t).Addr, nil)
			},
			want: want{ok: false, auth: smtp.AuthAuto, evidence: []string{"srv: _submissions._tcp.example.test: no such name", "nothing found"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := detect(t, tc.email, tc.setup(t))
			w := tc.want
			if r.OK != w.ok || r.Source != w.source || r.Host != w.host || r.Security != w.security ||
				r.Auth != w.auth || r.Username != w.username || r.Verified != w.verified {
				t.Errorf("got ok=%v source=%q host=%q security=%q auth=%q user=%q verified=%v\nwant ok=%v source=%q host=%q security=%q auth=%q user=%q verified=%v",
					r.OK, r.Source, r.Host, r.Security, r.Auth, r.Username, r.Verified,
					w.ok, w.source, w.host, w.security, w.auth, w.username, w.verified)
			}
			if r.Config != w.config || r.MXHost != w.mxHost {
				t.Errorf("config_origin=%q mx_host=%q, want %q %q", r.Config, r.MXHost, w.config, w.mxHost)
			}
			if w.port != 0 && r.Port != w.port {
				t.Errorf("port = %d, want %d", r.Port, w.port)
			}
			for _, e := range w.evidence {
				if !hasEvidence(r, e) {
					t.Errorf("evidence lacks %q", e)
				}
			}
		})
	}
}

func TestPresetUsesNoNetwork(t *testing.T) {
	d := dnstest.Start(t)
	r := detect(t, "someone@qq.com", testOptions(t, d.Addr, nil))
	if !r.OK || r.Source != SourcePreset || r.PresetID != "qq" {
		t.Fatalf("got %+v", r)
	}
	if n := d.Queries(); n != 0 {
		t.Errorf("%d DNS queries for a preset domain, want 0", n)
	}
}

func TestInvalidAddress(t *testing.T) {
	for _, a := range []string{"", "no-at-sign", "a@", "@b.test", "a@b..test"} {
		if _, err := Detect(context.Background(), a, Options{DNSServer: "127.0.0.1:1"}); !errors.Is(err, smtp.ErrInvalidAddress) {
			t.Errorf("Detect(%q) error = %v, want ErrInvalidAddress", a, err)
		}
	}
}

func TestAddressLiteral(t *testing.T) {
	r := detect(t, "ann@[192.0.2.1]", testOptions(t, dnstest.StartSilent(t), nil))
	if r.OK || !hasEvidence(r, "address literal") {
		t.Errorf("got %+v", r)
	}
}

func TestIDNDomain(t *testing.T) {
	d := dnstest.Start(t, "xn--bcher-kva.test. 60 IN MX 10 aspmx.l.google.com.")
	r := detect(t, "ann@bücher.test", testOptions(t, d.Addr, nil))
	if !r.OK || r.Source != SourceMX || !hasEvidence(r, "xn--bcher-kva.test") {
		t.Errorf("got %+v", r)
	}
}

func TestOverallTimeoutHolds(t *testing.T) {
	o := testOptions(t, dnstest.StartSilent(t), nil)
	o.Timeout = 300 * time.Millisecond
	start := time.Now()
	r := detect(t, "ann@example.test", o)
	if r.OK {
		t.Errorf("got an answer from a DNS server that never answers: %+v", r)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("returned after %v with a 300ms deadline", el)
	}
}

func TestCachePerDomain(t *testing.T) {
	dnsSrv := dnstest.Start(t, "example.test. 60 IN MX 10 aspmx.l.google.com.")
	det := New(testOptions(t, dnsSrv.Addr, nil))
	r1, err := det.Detect(context.Background(), "ann@example.test")
	if err != nil || !r1.OK {
		t.Fatalf("first: %+v, %v", r1, err)
	}
	// Lookups the first detection cancelled can still arrive after it
	// returned: wait until the server has been quiet for a moment.
	before := dnsSrv.Queries()
	for {
		time.Sleep(150 * time.Millisecond)
		n := dnsSrv.Queries()
		if n == before {
			break
		}
		before = n
	}
	r2, err := det.Detect(context.Background(), "bob@example.test")
	if err != nil || !r2.OK || r2.Host != r1.Host || r2.Username != "bob@example.test" ||
		r2.MXHost != "aspmx.l.google.com" || r2.MXHost != r1.MXHost {
		t.Fatalf("second: %+v, %v", r2, err)
	}
	if dnsSrv.Queries() != before {
		t.Errorf("the second detection asked DNS again")
	}
	if !hasEvidence(r2, "cache:") {
		t.Errorf("evidence does not say the answer came from the cache")
	}
}

// TestProbeLatency: the higher-priority candidates stall until the
// deadline; the one working candidate is taken then, not after the sum of
// the timeouts. With three candidates answering after 300 ms each, the
// answer comes after about 300 ms plus the stagger, not 900 ms.
func TestProbeLatency(t *testing.T) {
	t.Run("stalled higher candidates", func(t *testing.T) {
		ca := smtptest.NewCA(t)
		names := []string{"smtp.example.test", "mail.example.test", "example.test"}
		stalled := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CA: ca, CertHosts: names, StallGreeting: true})
		sub := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, CA: ca, CertHosts: names})
		d := dnstest.Start(t, "smtp.example.test. 60 IN A 127.0.0.1")
		o := testOptions(t, d.Addr, ca)
		o.Timeout = 1500 * time.Millisecond
		o.PortMap[465], o.PortMap[587] = stalled.Port, sub.Port
		start := time.Now()
		r := detect(t, "ann@example.test", o)
		el := time.Since(start)
		if !r.OK || r.Host != "smtp.example.test" || r.Port != 587 {
			t.Fatalf("got %+v", r)
		}
		if el > 4*time.Second {
			t.Errorf("took %v with a 1.5s deadline", el)
		}
	})
	t.Run("three slow candidates", func(t *testing.T) {
		ca := smtptest.NewCA(t)
		names := []string{"smtp.example.test", "mail.example.test", "example.test"}
		slow := func(mode smtptest.Mode) int {
			s := smtptest.Start(t, smtptest.Config{Mode: mode, CA: ca, CertHosts: names})
			return slowProxy(t, s.Addr, 300*time.Millisecond)
		}
		d := dnstest.Start(t, "smtp.example.test. 60 IN A 127.0.0.1")
		o := testOptions(t, d.Addr, ca)
		o.PortMap[465], o.PortMap[587], o.PortMap[25] = slow(smtptest.ImplicitTLS), slow(smtptest.STARTTLS), slow(smtptest.STARTTLS)
		start := time.Now()
		r := detect(t, "ann@example.test", o)
		el := time.Since(start)
		if !r.OK || r.Port != 465 || r.Security != smtp.SecurityTLS {
			t.Fatalf("got %+v", r)
		}
		if el > 3*time.Second {
			t.Errorf("took %v; three 300ms candidates should not add up", el)
		}
	})
}

func TestConcurrentDetections(t *testing.T) {
	dnsSrv := dnstest.Start(t, "example.test. 60 IN MX 10 aspmx.l.google.com.", "other.test. 60 IN MX 10 mx1.qq.com.")
	det := New(testOptions(t, dnsSrv.Addr, nil))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email, want := fmt.Sprintf("u%d@example.test", i), "gmail"
			if i%2 == 1 {
				email, want = fmt.Sprintf("u%d@other.test", i), "exmail"
			}
			r, err := det.Detect(context.Background(), email)
			if err != nil || !r.OK || r.PresetID != want || r.Username != email {
				t.Errorf("%s: %+v, %v", email, r, err)
			}
		}()
	}
	wg.Wait()
}
