package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Version is the app's version, shown in the test message and User-Agent.
var Version = "0.1.0"

// AppName is how the app names itself in headers.
const AppName = "SMTP Configurator"

// Envelope is who a message is from and to at the SMTP level.
type Envelope struct {
	From string
	To   []string
}

// TestMessage is a built test message: its exact bytes, envelope and Message-ID.
type TestMessage struct {
	Envelope
	MessageID string
	Subject   string
	Bytes     []byte
}

// BuildTestMessage makes the test message for a profile: a clear subject, a
// short body listing the settings used (never the password), Date,
// Message-ID, and headers naming this app. The bytes are final, so a queued
// copy is exactly what was tried.
func BuildTestMessage(p Profile, to []string, now time.Time) (*TestMessage, error) {
	if p.From == "" {
		return nil, fmt.Errorf("%w: the profile has no From address", ErrMissingField)
	}
	fromName, fromAddr, err := ParseAddress(p.From)
	if err != nil {
		return nil, err
	}
	if p.FromName != "" {
		fromName = p.FromName
	}
	if strings.ContainsAny(fromName, "\r\n") {
		return nil, fmt.Errorf("%w: display name", ErrHeaderInjection)
	}
	if len(to) == 0 {
		to = []string{fromAddr}
	}
	rcpts := make([]string, 0, len(to))
	for _, t := range to {
		_, a, err := ParseAddress(t)
		if err != nil {
			return nil, err
		}
		rcpts = append(rcpts, a)
	}

	m := mail.NewMsg()
	if err := m.FromFormat(fromName, fromAddr); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidAddress, err)
	}
	if err := m.To(rcpts...); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidAddress, err)
	}
	subject := fmt.Sprintf("%s test message (%s)", AppName, p.Name)
	m.Subject(subject)
	m.SetDateWithValue(now)
	id := newMessageID(fromAddr)
	m.SetMessageIDWithValue(id)
	m.SetUserAgent(fmt.Sprintf("%s/%s (smtpconf)", AppName, Version))
	m.SetGenHeader("X-SMTPConf-Test", "yes")
	m.SetBodyString(mail.TypeTextPlain, testBody(p, now))

	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("building the test message: %w", err)
	}
	return &TestMessage{
		Envelope:  Envelope{From: fromAddr, To: rcpts},
		MessageID: "<" + id + ">",
		Subject:   subject,
		Bytes:     buf.Bytes(),
	}, nil
}

func newMessageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%d.%s.smtpconf@%s", time.Now().Unix(), hex.EncodeToString(b[:]), domain)
}

func testBody(p Profile, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "This is a test message from %s.\n", AppName)
	fmt.Fprintf(&b, "If you can read it, the profile %q can send mail.\n\n", p.Name)
	fmt.Fprintf(&b, "Settings used:\n")
	fmt.Fprintf(&b, "  Server:         %s\n", p.Addr())
	fmt.Fprintf(&b, "  Security:       %s\n", securityWords(p.Security))
	fmt.Fprintf(&b, "  Authentication: %s\n", p.Auth)
	if p.Username != "" {
		fmt.Fprintf(&b, "  User name:      %s\n", p.Username)
	}
	if p.Preset != "" {
		fmt.Fprintf(&b, "  Preset:         %s\n", p.Preset)
	}
	if p.InsecureSkipVerify {
		fmt.Fprintf(&b, "  Certificate verification: OFF\n")
	}
	fmt.Fprintf(&b, "  Sent at:        %s\n\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "The password is kept in this computer's keyring and is not part of this message.\n")
	return b.String()
}

func securityWords(s Security) string {
	switch s {
	case SecurityTLS:
		return "SSL/TLS (implicit)"
	case SecuritySTARTTLS:
		return "STARTTLS"
	}
	return "none (unencrypted)"
}
