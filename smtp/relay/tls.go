package relay

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"os"
	"slices"
	"time"

	"github.com/smtpconf/smtpconf/smtp/internal/certs"
)

// The relay's certificate and key in the config directory (0600).
const (
	CertFile = "relay-cert.pem"
	keyFile  = "relay-key.pem"
)

// LoadCertificate returns the relay's STARTTLS certificate: the one kept in
// dir if it is still good for two more days and names the host of listen,
// else a new self-signed one (two years) that is saved first. It names
// localhost, 127.0.0.1, ::1, this computer's host name and the listen
// address (when it is a specific one); clients on this computer either
// trust it (CertFile) or, as most local senders do, do not verify it.
func LoadCertificate(dir, listen string, now time.Time) (tls.Certificate, error) {
	if err := certs.EnsureDir(dir); err != nil {
		return tls.Certificate{}, err
	}
	dns, ips := certNames(listen)
	p, err := certs.LoadPair(dir, CertFile, keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	if p == nil || !certUsable(p.Cert, dns, ips, now) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: dns[0], Organization: []string{"SMTP Configurator local relay"}},
			NotBefore:   now.Add(-time.Hour),
			NotAfter:    now.AddDate(2, 0, 0),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames:    dns,
			IPAddresses: ips,
		}
		if p, err = certs.Issue(tmpl, nil); err != nil {
			return tls.Certificate{}, err
		}
		if err := certs.SavePair(dir, p, CertFile, keyFile); err != nil {
			return tls.Certificate{}, err
		}
	}
	return p.TLSCertificate()
}

func certNames(listen string) (dns []string, ips []net.IP) {
	dns = []string{"localhost"}
	if h, err := os.Hostname(); err == nil && h != "" && h != "localhost" {
		dns = append(dns, h)
	}
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	if host, _, err := net.SplitHostPort(listen); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !ip.IsLoopback() {
			ips = append(ips, ip)
		} else if ip == nil && host != "" && !slices.Contains(dns, host) {
			dns = append(dns, host)
		}
	}
	return dns, ips
}

func certUsable(c *x509.Certificate, dns []string, ips []net.IP, now time.Time) bool {
	if now.Before(c.NotBefore) || now.Add(48*time.Hour).After(c.NotAfter) {
		return false
	}
	for _, d := range dns {
		if !slices.Contains(c.DNSNames, d) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}
