package inbox

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/smtpconf/smtpconf/smtp/internal/certs"
)

// File names inside Options.Dir.
const (
	CACertFile     = "ca.pem"         // the CA certificate a profile trusts
	caKeyFile      = "ca-key.pem"     // the CA's private key
	serverCertFile = "server.pem"     // the server certificate, signed by the CA
	serverKeyFile  = "server-key.pem" // the server's private key
)

const (
	caYears   = 10
	leafYears = 1
	// A certificate this close to its end is replaced now rather than
	// letting it expire while the app is running.
	caRenewBefore   = 30 * 24 * time.Hour
	leafRenewBefore = 24 * time.Hour
	// Backdating covers a clock that is a little behind.
	backdate = time.Hour
)

// ErrCertificates: the CA or the server certificate could not be loaded,
// made or saved.
var ErrCertificates = errors.New("local test inbox certificates")

// loadCertificates returns the CA (loaded from dir if it is there and still
// good, else made and saved) and a server certificate signed by it.
func loadCertificates(dir string, now time.Time) (ca, leaf *certs.KeyPair, err error) {
	ca, leaf, err = loadOrMake(dir, now)
	if err != nil && !errors.Is(err, ErrCertificates) {
		err = fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	return ca, leaf, err
}

func loadOrMake(dir string, now time.Time) (ca, leaf *certs.KeyPair, err error) {
	if dir != "" {
		if err := certs.EnsureDir(dir); err != nil {
			return nil, nil, err
		}
	}
	ca, err = certs.LoadPair(dir, CACertFile, caKeyFile)
	if err != nil {
		return nil, nil, err
	}
	if ca == nil || !caUsable(ca.Cert, now) {
		if ca, err = newCA(now); err != nil {
			return nil, nil, err
		}
		if err := certs.SavePair(dir, ca, CACertFile, caKeyFile); err != nil {
			return nil, nil, err
		}
		leaf = nil // a new CA always gets a new server certificate
	} else if leaf, err = certs.LoadPair(dir, serverCertFile, serverKeyFile); err != nil {
		return nil, nil, err
	}
	if leaf == nil || !leafUsable(leaf.Cert, ca.Cert, now) {
		if leaf, err = newLeaf(ca, now); err != nil {
			return nil, nil, err
		}
		if err := certs.SavePair(dir, leaf, serverCertFile, serverKeyFile); err != nil {
			return nil, nil, err
		}
	}
	return ca, leaf, nil
}

func caUsable(c *x509.Certificate, now time.Time) bool {
	return c.IsCA && c.BasicConstraintsValid && c.KeyUsage&x509.KeyUsageCertSign != 0 &&
		!now.Before(c.NotBefore) && now.Add(caRenewBefore).Before(c.NotAfter)
}

func leafUsable(leaf, ca *x509.Certificate, now time.Time) bool {
	if now.Add(leafRenewBefore).After(leaf.NotAfter) {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range []string{"127.0.0.1", "localhost", "::1"} {
		_, err := leaf.Verify(x509.VerifyOptions{
			DNSName:     name,
			Roots:       roots,
			CurrentTime: now,
			KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		if err != nil {
			return false
		}
	}
	return true
}

func newCA(now time.Time) (*certs.KeyPair, error) {
	tmpl := &x509.Certificate{
		Subject: pkix.Name{
			CommonName:   "SMTP Configurator local test inbox CA",
			Organization: []string{"SMTP Configurator"},
		},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.AddDate(caYears, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		// Even if this CA were trusted somewhere else, it could only ever
		// vouch for this computer.
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         []string{"localhost"},
		PermittedIPRanges: []*net.IPNet{
			{IP: net.IPv4(127, 0, 0, 0).To4(), Mask: net.CIDRMask(8, 32)},
			{IP: net.IPv6loopback, Mask: net.CIDRMask(128, 128)},
		},
	}
	return certs.Issue(tmpl, nil)
}

func newLeaf(ca *certs.KeyPair, now time.Time) (*certs.KeyPair, error) {
	notAfter := now.AddDate(leafYears, 0, 0)
	if notAfter.After(ca.Cert.NotAfter) {
		notAfter = ca.Cert.NotAfter
	}
	tmpl := &x509.Certificate{
		Subject: pkix.Name{
			CommonName:   "localhost",
			Organization: []string{"SMTP Configurator local test inbox"},
		},
		NotBefore:   now.Add(-backdate),
		NotAfter:    notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	return certs.Issue(tmpl, ca)
}
