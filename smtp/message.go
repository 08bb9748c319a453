package smtp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/smtpconf/smtpconf/smtp/l10n"
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
		return nil, invalid(ErrMissingField, "the profile has no From address; enter the address to send from", nil)
	}
	fromName, fromAddr, err := ParseAddress(p.From)
	if err != nil {
		return nil, err
	}
	if p.FromName != "" {
		fromName = p.FromName
	}
	if strings.ContainsAny(fromName, "\r\n") {
		return nil, invalid(ErrHeaderInjection, "the sender name contains a line break; use a single line", nil)
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
	subject := l10n.L("{{.App}} test message ({{.Profile}})", map[string]any{"App": AppName, "Profile": p.Name})
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

// testBody is the test message's text, in the language of the moment: the
// person reads it in their mailbox. Host names, ports and mechanisms stay as
// they are; only the words around them are translated.
func testBody(p Profile, now time.Time) string {
	var b strings.Builder
	b.WriteString(l10n.L("This is a test message from {{.App}}.", map[string]any{"App": AppName}) + "\n")
	b.WriteString(l10n.L("If you can read it, the profile \"{{.Profile}}\" can send mail.", map[string]any{"Profile": p.Name}) + "\n\n")
	b.WriteString(l10n.L("Settings used:") + "\n")
	type row struct{ label, value string }
	rows := []row{
		{l10n.L("Server:"), p.Addr()},
		{l10n.L("Security:"), securityWords(p.Security)},
		{l10n.L("Authentication:"), string(p.Auth)},
	}
	if p.Username != "" {
		rows = append(rows, row{l10n.L("User name:"), p.Username})
	}
	if p.Preset != "" {
		rows = append(rows, row{l10n.L("Preset:"), p.Preset})
	}
	if p.InsecureSkipVerify {
		rows = append(rows, row{l10n.L("Certificate verification:"), l10n.L("OFF")})
	}
	// The date's layout is translated too (a Go time layout: English mail
	// uses RFC 1123, Chinese readers expect year-month-day).
	rows = append(rows, row{l10n.L("Sent at:"), now.Format(l10n.L("Mon, 02 Jan 2006 15:04:05 -0700"))})
	// The values line up after the labels, except after the long
	// certificate label, which would push them all far right.
	long := l10n.L("Certificate verification:")
	width := 0
	for _, r := range rows {
		if r.label != long {
			width = max(width, textWidth(r.label))
		}
	}
	for _, r := range rows {
		if r.label == long {
			fmt.Fprintf(&b, "  %s %s\n", r.label, r.value)
			continue
		}
		fmt.Fprintf(&b, "  %s %s%s\n", r.label, strings.Repeat(" ", width-textWidth(r.label)), r.value)
	}
	b.WriteString("\n" + l10n.L("The password is kept in this computer's keyring and is not part of this message.") + "\n")
	return b.String()
}

// textWidth is how many columns s takes in a fixed-width font: East Asian
// wide characters take two.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 ||
			r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func securityWords(s Security) string {
	switch s {
	case SecurityTLS:
		return l10n.L("SSL/TLS (implicit)")
	case SecuritySTARTTLS:
		return "STARTTLS"
	}
	return l10n.L("none (unencrypted)")
}
