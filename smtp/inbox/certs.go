package inbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
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

// keyPair is a certificate with its key, in parsed and PEM form.
type keyPair struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	keyPEM  []byte
}

// loadCertificates returns the CA (loaded from dir if it is there and still
// good, else made and saved) and a server certificate signed by it.
func loadCertificates(dir string, now time.Time) (ca, leaf *keyPair, err error) {
	if dir != "" {
		if err := ensureDir(dir); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrCertificates, err)
		}
	}
	ca, err = loadPair(dir, CACertFile, caKeyFile)
	if err != nil {
		return nil, nil, err
	}
	if ca == nil || !caUsable(ca.cert, now) {
		if ca, err = newCA(now); err != nil {
			return nil, nil, err
		}
		if err := savePair(dir, ca, CACertFile, caKeyFile); err != nil {
			return nil, nil, err
		}
		leaf = nil // a new CA always gets a new server certificate
	} else if leaf, err = loadPair(dir, serverCertFile, serverKeyFile); err != nil {
		return nil, nil, err
	}
	if leaf == nil || !leafUsable(leaf.cert, ca.cert, now) {
		if leaf, err = newLeaf(ca, now); err != nil {
			return nil, nil, err
		}
		if err := savePair(dir, leaf, serverCertFile, serverKeyFile); err != nil {
			return nil, nil, err
		}
	}
	return ca, leaf, nil
}

// ensureDir creates dir 0700, and tightens it to 0700 if it is open to others:
// it holds a CA key.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// loadPair reads a certificate and its key. A pair that is missing, damaged
// or mismatched gives (nil, nil): it is simply made again. Only a failure to
// read an existing file is an error.
func loadPair(dir, certName, keyName string) (*keyPair, error) {
	if dir == "" {
		return nil, nil
	}
	certPEM, err := readPrivate(filepath.Join(dir, certName))
	if err != nil {
		return nil, err
	}
	keyPEM, err := readPrivate(filepath.Join(dir, keyName))
	if err != nil {
		return nil, err
	}
	if certPEM == nil || keyPEM == nil {
		return nil, nil
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil
	}
	return &keyPair{cert: cert, key: key, certPEM: certPEM, keyPEM: keyPEM}, nil
}

// readPrivate reads a file, returning nil if it does not exist, and makes
// sure only the owner can read it.
func readPrivate(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
		}
	}
	return b, nil
}

func savePair(dir string, p *keyPair, certName, keyName string) error {
	if dir == "" {
		return nil
	}
	// The key first: a crash between the two leaves a mismatched pair,
	// which the next start detects and replaces.
	if err := writeFileAtomic(filepath.Join(dir, keyName), p.keyPEM); err != nil {
		return fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, certName), p.certPEM); err != nil {
		return fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	return nil
}

// writeFileAtomic writes a 0600 file through a temporary file, fsync and
// rename, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		_ = f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
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

func newCA(now time.Time) (*keyPair, error) {
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
	return issue(tmpl, nil)
}

func newLeaf(ca *keyPair, now time.Time) (*keyPair, error) {
	notAfter := now.AddDate(leafYears, 0, 0)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
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
	return issue(tmpl, ca)
}

// issue makes a P-256 key and a certificate for it, signed by parent
// (self-signed when parent is nil).
func issue(tmpl *x509.Certificate, parent *keyPair) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	tmpl.SerialNumber = serial
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	return &keyPair{
		cert:    cert,
		key:     key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}, nil
}

// tlsCertificate turns the server pair into what crypto/tls serves.
func (p *keyPair) tlsCertificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair(p.certPEM, p.keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%w: %v", ErrCertificates, err)
	}
	return c, nil
}
