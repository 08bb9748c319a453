package detect

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/smtpconf/smtpconf/smtp"
)

// maxSRVTargets bounds how many targets of one SRV name are checked.
const maxSRVTargets = 3

// srv looks up _service._tcp.DOMAIN (RFC 6186, RFC 8314) and checks its
// targets in priority order by connecting.
func (d *Detector) srv(ctx context.Context, service, domain string, vars placeholders) (*found, []string) {
	name := "_" + service + "._tcp." + domain
	_, addrs, err := d.resolver.LookupSRV(ctx, "", "", name+".")
	if err != nil {
		return nil, []string{fmt.Sprintf("srv: %s: %s", name, describe(err))}
	}
	sec := smtp.SecuritySTARTTLS
	if service == "submissions" {
		sec = smtp.SecurityTLS
	}
	var ev []string
	var fallback *found
	for i, a := range addrs {
		target := strings.TrimSuffix(a.Target, ".")
		if target == "" {
			ev = append(ev, fmt.Sprintf("srv: %s says the service is not offered (target \".\")", name))
			break
		}
		if i >= maxSRVTargets {
			break
		}
		if smtp.ValidateHost(target) != nil {
			ev = append(ev, fmt.Sprintf("srv: %s: invalid target %q ignored", name, a.Target))
			continue
		}
		rank, detail, err := d.checkSMTP(ctx, target, int(a.Port), sec)
		if err != nil {
			ev = append(ev, fmt.Sprintf("srv: %s -> %s:%d (%s): %s", name, target, a.Port, sec, describe(err)))
			continue
		}
		ev = append(ev, fmt.Sprintf("srv: %s -> %s:%d (%s): %s", name, target, a.Port, sec, detail))
		f := &found{Result: Result{Source: SourceSRV, Host: target, Port: int(a.Port), Security: sec,
			Auth: smtp.AuthAuto, Username: vars.email}, rank: rank}
		if rank == rankVerified {
			return f, ev
		}
		if fallback == nil {
			fallback = f
		}
	}
	return fallback, ev
}

// mxBases maps an MX host's base domain to a preset.
var mxBases = map[string]string{
	"google.com":          "gmail",
	"googlemail.com":      "gmail",
	"outlook.com":         "microsoft365", // *.mail.protection.outlook.com
	"yahoodns.net":        "yahoo",
	"icloud.com":          "icloud",
	"zoho.com":            "zoho",
	"zoho.eu":             "zoho",
	"messagingengine.com": "fastmail",
	"fastmail.com":        "fastmail",
	"qq.com":              "exmail", // a domain of its own whose mail QQ handles is Exmail
	"mxhichina.com":       "aliyun",
	"163.com":             "163",
	"126.com":             "126",
}

// mx maps the domain's first MX host to a provider: a preset for its base
// domain, else that base domain's autoconfig or ISPDB entry.
func (d *Detector) mx(ctx context.Context, domain string, vars placeholders) (*found, []string) {
	mxs, err := d.resolver.LookupMX(ctx, domain+".")
	if err != nil || len(mxs) == 0 {
		if err == nil {
			err = errors.New("no MX records")
		}
		return nil, []string{fmt.Sprintf("mx: %s: %s", domain, describe(err))}
	}
	host := strings.ToLower(strings.TrimSuffix(mxs[0].Host, "."))
	if host == "" {
		return nil, []string{fmt.Sprintf("mx: %s accepts no mail (null MX)", domain)}
	}
	base, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return nil, []string{fmt.Sprintf("mx: %s -> %s: no base domain (%v)", domain, host, err)}
	}
	id, ok := mxBases[base]
	p, found1 := smtp.PresetByID(id)
	if !ok || !found1 {
		p, found1 = smtp.PresetForAddress(base)
	}
	if found1 {
		r := presetResult(p, SourceMX, vars.email)
		r.MXHost = host
		return &found{Result: r, rank: rankVerified}, []string{
			fmt.Sprintf("mx: %s -> %s (base domain %s) -> the %s preset (%s); trusted without connecting", domain, host, base, p.Name, p.ID)}
	}
	ev := []string{fmt.Sprintf("mx: %s -> %s (base domain %s): no preset", domain, host, base)}
	if base == domain {
		return nil, ev // its autoconfig and ISPDB entry are asked for anyway
	}
	f, more := race(ctx, "mx", d.configTasks(base, "mx ", vars), 0, 200*time.Millisecond)
	ev = append(ev, more...)
	if f != nil {
		f.Source = SourceMX
		f.MXHost = host
	}
	return f, ev
}

// probeCandidate is one host and port to try.
type probeCandidate struct {
	host string
	port int
	sec  smtp.Security
}

// probeCandidates lists the guesses in priority order: implicit TLS on 465
// first, then STARTTLS on 587 and 25 (a server that does not offer STARTTLS
// there counts as plain, ranked below every encrypted answer).
func probeCandidates(domain string) []probeCandidate {
	hosts := []string{"smtp." + domain, "mail." + domain, domain}
	var out []probeCandidate
	for _, ps := range []struct {
		port int
		sec  smtp.Security
	}{{465, smtp.SecurityTLS}, {587, smtp.SecuritySTARTTLS}, {25, smtp.SecuritySTARTTLS}} {
		for _, h := range hosts {
			out = append(out, probeCandidate{h, ps.port, ps.sec})
		}
	}
	return out
}

func (d *Detector) probe(ctx context.Context, domain string, vars placeholders) (*found, []string) {
	cands := probeCandidates(domain)
	tasks := make([]task, len(cands))
	for i, c := range cands {
		tasks[i] = func(ctx context.Context) (*found, []string) {
			rank, detail, err := d.checkSMTP(ctx, c.host, c.port, c.sec)
			if err != nil {
				return nil, []string{fmt.Sprintf("probe: %s:%d (%s): %s", c.host, c.port, c.sec, describe(err))}
			}
			sec := c.sec
			if rank == rankPlain {
				sec = smtp.SecurityNone
			}
			return &found{Result: Result{Source: SourceProbe, Host: c.host, Port: c.port, Security: sec,
					Auth: smtp.AuthAuto, Username: vars.email}, rank: rank},
				[]string{fmt.Sprintf("probe: %s:%d (%s): %s", c.host, c.port, c.sec, detail)}
		}
	}
	return race(ctx, "probe", tasks, d.opts.ProbeStagger, 200*time.Millisecond)
}

// checkSMTP connects to host:port, reads the greeting, sends EHLO and, for
// STARTTLS, checks that it is offered and upgrades; the certificate is
// checked against the roots. It returns the rank of the answer and a line
// saying what answered; an error means the candidate is not an SMTP server
// with the asked security.
func (d *Detector) checkSMTP(ctx context.Context, host string, port int, sec smtp.Security) (int, string, error) {
	conn, err := d.dial(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	wrap := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	rank := rankVerified
	var certProblem error
	var tlsInfo string
	handshake := func(c net.Conn) (net.Conn, error) {
		tc := tls.Client(c, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: true})
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS handshake: %w", wrap(err))
		}
		st := tc.ConnectionState()
		certProblem = d.verify(host, st.PeerCertificates)
		tlsInfo = tls.VersionName(st.Version)
		return tc, nil
	}
	var c net.Conn = conn
	if sec == smtp.SecurityTLS {
		if c, err = handshake(conn); err != nil {
			return 0, "", err
		}
	}
	tp := textproto.NewConn(c)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return 0, "", fmt.Errorf("greeting: %w", wrap(err))
	}
	helo := "[127.0.0.1]"
	if ta, ok := conn.LocalAddr().(*net.TCPAddr); ok && ta.IP.To4() != nil {
		helo = "[" + ta.IP.String() + "]"
	}
	ehlo := func() ([]string, error) {
		id, err := tp.Cmd("EHLO %s", helo)
		if err != nil {
			return nil, wrap(err)
		}
		tp.StartResponse(id)
		defer tp.EndResponse(id)
		_, msg, err := tp.ReadResponse(250)
		if err != nil {
			return nil, fmt.Errorf("EHLO: %w", wrap(err))
		}
		return strings.Split(msg, "\n"), nil
	}
	lines, err := ehlo()
	if err != nil {
		return 0, "", err
	}
	if sec == smtp.SecuritySTARTTLS {
		offered := false
		for _, l := range lines[1:] {
			if strings.EqualFold(strings.Fields(l + " x")[0], "STARTTLS") {
				offered = true
			}
		}
		if !offered {
			_ = tp.PrintfLine("QUIT")
			return rankPlain, "answered as SMTP but does not offer STARTTLS (unencrypted)", nil
		}
		id, err := tp.Cmd("STARTTLS")
		if err != nil {
			return 0, "", wrap(err)
		}
		tp.StartResponse(id)
		_, _, err = tp.ReadResponse(220)
		tp.EndResponse(id)
		if err != nil {
			return 0, "", fmt.Errorf("STARTTLS: %w", wrap(err))
		}
		tc, err := handshake(conn)
		if err != nil {
			return 0, "", err
		}
		tp = textproto.NewConn(tc)
		if _, err := ehlo(); err != nil {
			return 0, "", err
		}
	}
	_ = tp.PrintfLine("QUIT")
	if certProblem != nil {
		rank = rankUnverified
		return rank, fmt.Sprintf("answered as SMTP over %s, but the certificate does NOT verify: %v", tlsInfo, certProblem), nil
	}
	return rank, fmt.Sprintf("answered as SMTP over %s, certificate valid for %s", tlsInfo, host), nil
}

// verify checks a server's certificate chain for host against the roots
// (the system's unless Options.RootCAs is set).
func (d *Detector) verify(host string, certs []*x509.Certificate) error {
	if len(certs) == 0 {
		return errors.New("no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: d.opts.RootCAs, Intermediates: inter})
	return err
}
