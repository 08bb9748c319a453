// Package certs makes, saves and loads the small certificates the app
// serves on this computer: the local test inbox's CA and server
// certificate, and the relay's STARTTLS certificate. Keys are P-256, files
// are PEM and 0600, written atomically.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
)

// KeyPair is a certificate with its key, in parsed and PEM form.
type KeyPair struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
	KeyPEM  []byte
}

// EnsureDir creates dir 0700, and tightens it to 0700 if it is open to others:
// it holds private keys.
func EnsureDir(dir string) error {
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

// LoadPair reads a certificate and its key. A pair that is missing, damaged
// or mismatched gives (nil, nil): it is simply made again. Only a failure to
// read an existing file is an error.
func LoadPair(dir, certName, keyName string) (*KeyPair, error) {
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
	return &KeyPair{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// readPrivate reads a file, returning nil if it does not exist, and makes
// sure only the owner can read it.
func readPrivate(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// SavePair writes the pair into dir (nothing when dir is ""), the key
// first.
func SavePair(dir string, p *KeyPair, certName, keyName string) error {
	if dir == "" {
		return nil
	}
	// The key first: a crash between the two leaves a mismatched pair,
	// which the next start detects and replaces.
	if err := WriteFileAtomic(filepath.Join(dir, keyName), p.KeyPEM); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, certName), p.CertPEM); err != nil {
		return err
	}
	return nil
}

// WriteFileAtomic writes a 0600 file through a temporary file, fsync and
// rename, so a reader never sees half a file.
func WriteFileAtomic(path string, data []byte) (err error) {
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

// Issue makes a P-256 key and a certificate for it, signed by parent
// (self-signed when parent is nil).
func Issue(tmpl *x509.Certificate, parent *KeyPair) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.Key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &KeyPair{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}, nil
}

// TLSCertificate turns the pair into what crypto/tls serves.
func (p *KeyPair) TLSCertificate() (tls.Certificate, error) {
	c, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM)
	if err != nil {
		return tls.Certificate{}, err
	}
	return c, nil
}
