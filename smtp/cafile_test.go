package smtp

import (
	"crypto/x509"
	"os"
	"testing"
)

// A send validates the profile and trusts the CA file from that one read:
// validate hands out the certificates it parsed.
func TestValidateHandsOutCARoots(t *testing.T) {
	p := testGmailProfile()
	var roots *x509.CertPool
	if err := p.validate(&roots); err != nil || roots != nil {
		t.Fatalf("no CA file: roots %v, %v", roots, err)
	}
	p.CAFile = writeSelfSignedCA(t)
	if err := p.validate(&roots); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	want := x509.NewCertPool()
	want.AppendCertsFromPEM(data)
	if roots == nil || !roots.Equal(want) {
		t.Error("validate did not hand out the CA file's certificates")
	}
	s := &Session{p: p, host: "smtp.gmail.com", caRoots: roots}
	if got := s.tlsConfig().RootCAs; got != roots {
		t.Error("the TLS configuration does not trust the parsed CA file")
	}
	// A CA file that is not usable: the validation error, no roots.
	p.CAFile = writeTestFile(t, "ca.pem", "not a certificate\n")
	roots = nil
	if err := p.validate(&roots); err == nil || roots != nil {
		t.Errorf("unusable CA file: roots %v, %v", roots, err)
	}
}
