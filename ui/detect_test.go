//go:build !nogui

package ui

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/dnstest"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/detect"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// detectOptions send every DNS query to dnsAddr and every well-known port
// to a closed port on 127.0.0.1; tests map the ports they serve.
func detectOptions(t *testing.T, dnsAddr string, ca *smtptest.CA) detect.Options {
	o := offlineDetectOptions(t)
	o.DNSServer = dnsAddr
	o.ProbeStagger = 10 * time.Millisecond
	if ca != nil {
		o.RootCAs = ca.Pool
	}
	return o
}

// detectLineShows reports whether a step's detection line is visible with
// the spinner (running) or the icon, and contains text.
func detectLineShows(l *detectLine, running bool, text string) bool {
	return l != nil && l.box.Visible() && l.spin.Visible() == running && l.icon.Visible() == !running &&
		strings.Contains(l.text.Text, text)
}

func TestDetectFromSRVFillsServerStep(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"mx1.example.test"}})
	d := dnstest.StartDelayed(t, map[string]time.Duration{"example.test.": 150 * time.Millisecond},
		fmt.Sprintf("_submissions._tcp.example.test. 60 IN SRV 0 1 %d mx1.example.test.", s.Port),
		"mx1.example.test. 60 IN A 127.0.0.1")
	h := newHarness(t, withDetector(detectOptions(t, d.Addr, s.CA)))
	wz := h.wizard()
	ps := wz.provider

	start := time.Now()
	typeInto(ps.address.entry, "ann@example.test")
	if el := time.Since(start); el > 300*time.Millisecond {
		t.Errorf("typing the address took %v; the handlers must return at once", el)
	}
	if ps.detLine.box.Visible() {
		t.Error("detection shows before the person stopped typing")
	}
	h.waitFor("the spinner", 3*time.Second, func() bool {
		return detectLineShows(ps.detLine, true, "Looking up the settings for example.test")
	})
	h.waitFor("the source line", 5*time.Second, func() bool { return ps.det.state != detectRunning })
	want := fmt.Sprintf("Found in example.test's DNS (SRV record): mx1.example.test:%d · SSL/TLS", s.Port)
	if !detectLineShows(ps.detLine, false, want) {
		t.Fatalf("detection line = %q (visible %v), want %q", ps.detLine.text.Text, ps.detLine.box.Visible(), want)
	}
	if wz.draft.Preset != "custom" || wz.draft.Host != "mx1.example.test" || wz.draft.Port != s.Port || wz.draft.Security != smtp.SecurityTLS {
		t.Fatalf("draft = %s %s:%d %s, want Custom with the SRV target", wz.draft.Preset, wz.draft.Host, wz.draft.Port, wz.draft.Security)
	}
	if !strings.Contains(ps.chosen.text.Text, "Custom") {
		t.Errorf("the choice shown is %q, want Custom server", ps.chosen.text.Text)
	}

	h.tapNext()
	sv := wz.server
	if sv.host.entry.Text != "mx1.example.test" || sv.port.entry.Text != strconv.Itoa(s.Port) || sv.security.Selected != "SSL/TLS" {
		t.Fatalf("server step shows %q %q %q, want the detected settings", sv.host.entry.Text, sv.port.entry.Text, sv.security.Selected)
	}
	if !detectLineShows(sv.detLine, false, want) {
		t.Errorf("the server step's line = %q, want where the settings came from", sv.detLine.text.Text)
	}
	if wz.next.Disabled() {
		t.Errorf("Next is disabled with the detected settings (%s)", wz.navHint.text.Text)
	}
}

const uiAutoconfigXML = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="auto.test">
    <domain>auto.test</domain>
    <outgoingServer type="smtp">
      <hostname>smtp.auto.test</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>`

// startAutoconfig serves the autoconfig file over https for host, with a
// certificate from ca; it returns the port.
func startAutoconfig(t *testing.T, ca *smtptest.CA, host, body string) int {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mail/config-v1.1.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, body)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, host)}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

func TestDetectOnNextFromAutoconfigAndUsername(t *testing.T) {
	ca := smtptest.NewCA(t)
	port := startAutoconfig(t, ca, "autoconfig.auto.test", uiAutoconfigXML)
	d := dnstest.StartDelayed(t, map[string]time.Duration{"auto.test.": 150 * time.Millisecond},
		"autoconfig.auto.test. 60 IN A 127.0.0.1")
	o := detectOptions(t, d.Addr, ca)
	o.PortMap[443] = port
	h := newHarness(t, withDetector(o))
	wz := h.wizard()

	// Next right after typing: detection starts at once, not after the delay.
	typeInto(wz.provider.address.entry, "ann@auto.test")
	h.tapNext()
	if h.stepID() != stepServer {
		t.Fatalf("step = %q", h.stepID())
	}
	sv := wz.server
	if !detectLineShows(sv.detLine, true, "Looking up the settings for auto.test") {
		t.Fatalf("the server step shows no spinner while detection runs (%q)", sv.detLine.text.Text)
	}
	h.waitFor("the detected settings", 5*time.Second, func() bool { return wz.provider.det.state != detectRunning })
	if !detectLineShows(sv.detLine, false, "Found in auto.test's autoconfig file: smtp.auto.test:587 · STARTTLS") {
		t.Fatalf("line = %q", sv.detLine.text.Text)
	}
	if sv.host.entry.Text != "smtp.auto.test" || sv.port.entry.Text != "587" || sv.security.Selected != "STARTTLS" {
		t.Fatalf("server step shows %q %q %q", sv.host.entry.Text, sv.port.entry.Text, sv.security.Selected)
	}
	if sv.host.touched || sv.byHand.host {
		t.Error("the detected host counts as typed by the person")
	}
	h.tapNext()
	if got := wz.account.username.entry.Text; got != "ann" {
		t.Errorf("user name = %q, want the autoconfig file's %%EMAILLOCALPART%% (ann)", got)
	}
	if d.Queries() == 0 {
		t.Error("the injected DNS server was never asked")
	}
}

func TestDetectDoesNotOverwriteHandEdits(t *testing.T) {
	ca := smtptest.NewCA(t)
	port := startAutoconfig(t, ca, "autoconfig.auto.test", uiAutoconfigXML)
	d := dnstest.StartDelayed(t, map[string]time.Duration{"auto.test.": 400 * time.Millisecond},
		"autoconfig.auto.test. 60 IN A 127.0.0.1")
	o := detectOptions(t, d.Addr, ca)
	o.PortMap[443] = port
	h := newHarness(t, withDetector(o))
	wz := h.wizard()

	typeInto(wz.provider.address.entry, "ann@auto.test")
	h.tapNext()
	sv := wz.server
	typeInto(sv.host.entry, "smtp.mine.test")
	typeInto(sv.port.entry, "2525")
	h.waitFor("the late result", 5*time.Second, func() bool { return wz.provider.det.state != detectRunning })
	if wz.provider.det.state != detectFound {
		t.Fatalf("state = %v (%q), want found", wz.provider.det.state, sv.detLine.text.Text)
	}
	if sv.host.entry.Text != "smtp.mine.test" || wz.draft.Host != "smtp.mine.test" || sv.port.entry.Text != "2525" || wz.draft.Port != 2525 {
		t.Fatalf("the late result replaced the person's edits: %q:%q (draft %s:%d)", sv.host.entry.Text, sv.port.entry.Text, wz.draft.Host, wz.draft.Port)
	}
	if !strings.Contains(sv.detLine.text.Text, "autoconfig file") || !strings.Contains(sv.detLine.text.Text, "you typed were kept") {
		t.Errorf("line = %q, want the source and that the edits were kept", sv.detLine.text.Text)
	}
}

func TestTypingMoreCancelsEarlierDetection(t *testing.T) {
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"mx.slow.test", "mx.fast.test"}})
	d := dnstest.StartDelayed(t, map[string]time.Duration{"slow.test.": 500 * time.Millisecond},
		fmt.Sprintf("_submissions._tcp.slow.test. 60 IN SRV 0 1 %d mx.slow.test.", s.Port),
		"mx.slow.test. 60 IN A 127.0.0.1",
		fmt.Sprintf("_submissions._tcp.fast.test. 60 IN SRV 0 1 %d mx.fast.test.", s.Port),
		"mx.fast.test. 60 IN A 127.0.0.1")
	h := newHarness(t, withDetector(detectOptions(t, d.Addr, s.CA)))
	wz := h.wizard()
	ps := wz.provider

	typeInto(ps.address.entry, "ann@slow.test")
	h.waitFor("detection for slow.test", 3*time.Second, func() bool {
		return detectLineShows(ps.detLine, true, "slow.test")
	})
	start := time.Now()
	typeInto(ps.address.entry, "ann@fast.test")
	if el := time.Since(start); el > 300*time.Millisecond {
		t.Errorf("typing during a detection took %v", el)
	}
	if ps.detLine.box.Visible() {
		t.Errorf("the line still shows %q after the address changed", ps.detLine.text.Text)
	}
	// slow.test's detection, cancelled, comes back (before fast.test's
	// starts): it is ignored.
	h.waitFor("the cancelled detection to come back", 5*time.Second, func() bool { return ps.det.returned >= 1 })
	if ps.det.state == detectNone || strings.Contains(ps.det.text, "slow.test") {
		t.Fatalf("the cancelled detection's result was shown: %q", ps.det.text)
	}
	h.waitFor("the answer for fast.test", 5*time.Second, func() bool { return ps.det.state == detectFound })
	if wz.draft.Host != "mx.fast.test" {
		t.Fatalf("host = %q, want mx.fast.test", wz.draft.Host)
	}
	// Both results are in (should slow.test's have come last).
	h.waitFor("the result for slow.test", 5*time.Second, func() bool { return ps.det.returned >= 2 })
	if wz.draft.Host != "mx.fast.test" || !strings.Contains(ps.detLine.text.Text, "fast.test") {
		t.Fatalf("a stale result was applied: host %q, line %q", wz.draft.Host, ps.detLine.text.Text)
	}
}

func TestDetectNothingFoundAndPresetNeedsNoNetwork(t *testing.T) {
	d := dnstest.StartDelayed(t, nil)
	h := newHarness(t, withDetector(detectOptions(t, d.Addr, nil)))
	wz := h.wizard()
	ps := wz.provider

	typeInto(ps.address.entry, "ann@gmail.com")
	if wz.draft.Preset != "gmail" {
		t.Fatalf("preset = %q, want gmail at once", wz.draft.Preset)
	}
	// Nothing is scheduled or running that could start it later.
	if ps.det.timer != nil || ps.det.cancel != nil || ps.det.state != detectIdle {
		t.Fatalf("a preset domain scheduled detection (state %d)", ps.det.state)
	}
	h.q.drain()
	if ps.detLine.box.Visible() || d.Queries() != 0 {
		t.Fatalf("a preset domain started detection (line %q, %d DNS queries)", ps.detLine.text.Text, d.Queries())
	}

	typeInto(ps.address.entry, "ann@nothing.test")
	h.waitFor("the fallback line", 5*time.Second, func() bool { return ps.det.state == detectNone })
	want := "No settings found automatically; pick your provider or enter the server yourself."
	if !detectLineShows(ps.detLine, false, want) {
		t.Fatalf("line = %q", ps.detLine.text.Text)
	}
	// Gmail's server, left from the address before, does not fit this one.
	if wz.draft.Preset != "custom" || wz.draft.Host != "" {
		t.Errorf("draft = %s %q after nothing was found, want Custom with no server", wz.draft.Preset, wz.draft.Host)
	}
}

func TestDetectMXPresetAndUnverifiedProbe(t *testing.T) {
	// A probe answer whose certificate comes from a CA the detector does
	// not trust.
	s := smtptest.Start(t, smtptest.Config{Mode: smtptest.ImplicitTLS, CertHosts: []string{"smtp.probe.test"}})
	d := dnstest.StartDelayed(t, nil,
		"mxed.test. 60 IN MX 10 aspmx.l.google.com.",
		"smtp.probe.test. 60 IN A 127.0.0.1")
	o := detectOptions(t, d.Addr, smtptest.NewCA(t))
	o.NoProbe = false
	o.PortMap[465] = s.Port
	h := newHarness(t, withDetector(o))
	wz := h.wizard()
	ps := wz.provider

	typeInto(ps.address.entry, "ann@mxed.test")
	h.waitFor("the MX answer", 5*time.Second, func() bool { return ps.det.state == detectFound })
	if !strings.Contains(ps.detLine.text.Text, "Matched MX aspmx.l.google.com › Gmail") || wz.draft.Preset != "gmail" || wz.draft.Host != "smtp.gmail.com" {
		t.Fatalf("line %q, preset %q host %q; want Gmail by MX", ps.detLine.text.Text, wz.draft.Preset, wz.draft.Host)
	}

	typeInto(ps.address.entry, "ann@probe.test")
	h.waitFor("the probe answer", 8*time.Second, func() bool { return ps.det.state == detectFound })
	want := "Probed: smtp.probe.test:465 answered with TLS (certificate not verified)"
	if !strings.Contains(ps.detLine.text.Text, want) {
		t.Fatalf("line = %q, want %q", ps.detLine.text.Text, want)
	}
	if wz.draft.Preset != "custom" || wz.draft.Host != "smtp.probe.test" || wz.draft.Port != 465 {
		t.Errorf("draft = %s %s:%d", wz.draft.Preset, wz.draft.Host, wz.draft.Port)
	}
}

func TestDetectRespectsHandPickedProvider(t *testing.T) {
	ca := smtptest.NewCA(t)
	port := startAutoconfig(t, ca, "autoconfig.auto.test", uiAutoconfigXML)
	d := dnstest.StartDelayed(t, nil, "autoconfig.auto.test. 60 IN A 127.0.0.1")
	o := detectOptions(t, d.Addr, ca)
	o.PortMap[443] = port
	h := newHarness(t, withDetector(o))
	wz := h.wizard()
	ps := wz.provider

	// A provider picked by hand stays; the line still says what was found.
	h.pickPreset("yahoo")
	typeInto(ps.address.entry, "ann@auto.test")
	h.waitFor("the answer", 5*time.Second, func() bool { return ps.det.state == detectFound })
	if wz.draft.Preset != "yahoo" || !strings.Contains(ps.detLine.text.Text, "choice of provider was kept") {
		t.Fatalf("preset %q, line %q; want the hand-picked yahoo kept", wz.draft.Preset, ps.detLine.text.Text)
	}

	// A hand-picked Custom server is filled in.
	h.pickPreset("custom")
	typeInto(ps.address.entry, "bob@auto.test")
	h.waitFor("the answer", 5*time.Second, func() bool { return ps.det.state == detectFound })
	if wz.draft.Preset != "custom" || wz.draft.Host != "smtp.auto.test" || wz.draft.Port != 587 {
		t.Fatalf("draft = %s %s:%d, want Custom filled from the autoconfig file", wz.draft.Preset, wz.draft.Host, wz.draft.Port)
	}
}
