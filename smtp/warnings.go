package smtp

import "github.com/smtpconf/smtpconf/smtp/l10n"

// Warning is a setting that is valid but probably a mistake or unsafe. Code
// is a stable identifier; Message is a full sentence for people.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Warning codes.
const (
	WarnSTARTTLSOn465     = "starttls-on-465"
	WarnTLSOnPlainPort    = "tls-on-plain-port"
	WarnPlaintextPassword = "plaintext-password"
	WarnSkipVerify        = "skip-verify"
	WarnPort25            = "port-25"
)

// Warnings lists the settings that are valid but probably wrong or unsafe.
// hasPassword says whether a password or token is stored for the profile.
// It returns nil when there is nothing to warn about.
func (p Profile) Warnings(hasPassword bool) []Warning {
	var ws []Warning
	if p.Security == SecuritySTARTTLS && p.Port == 465 {
		ws = append(ws, Warning{WarnSTARTTLSOn465, l10n.L(
			"Port 465 expects TLS from the very first byte (implicit TLS), but this profile uses STARTTLS, so the connection will probably hang or fail. Choose TLS for port 465, or use port 587 with STARTTLS.")})
	}
	if p.Security == SecurityTLS && (p.Port == 587 || p.Port == 25) {
		ws = append(ws, Warning{WarnTLSOnPlainPort, l10n.L(
			"Port {{.Port}} starts in plain text and switches to encryption with STARTTLS, but this profile expects TLS from the first byte, so the server will answer in plain text and you would see {{.Error}}. Choose STARTTLS for port {{.Port}}, or use port 465 with TLS.",
			map[string]any{"Port": p.Port, "Error": `"first record does not look like a TLS handshake"`})})
	}
	if p.Security == SecurityNone && p.Auth != AuthNone && (hasPassword || p.Username != "") && !IsLoopbackHost(p.Host) {
		ws = append(ws, Warning{WarnPlaintextPassword, l10n.L(
			"This profile has no encryption, so your user name and password would cross the network as plain text that anyone along the way could read. smtpconf refuses to send a password like this; choose TLS or STARTTLS.")})
	}
	if p.InsecureSkipVerify {
		ws = append(ws, Warning{WarnSkipVerify, l10n.L(
			"Certificate verification is turned off, so smtpconf cannot tell the real server from an impostor: anyone on the network path could read your password and messages. Turn verification back on, or give the server's CA certificate as the CA file instead.")})
	}
	if p.Port == 25 && !IsLoopbackHost(p.Host) {
		ws = append(ws, Warning{WarnPort25, l10n.L(
			"Many internet providers and cloud hosts block outgoing connections to port 25, so this may time out. Use port 587 (STARTTLS) or 465 (TLS) if your provider offers them.")})
	}
	return ws
}
