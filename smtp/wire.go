package smtp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// What the client reads off the wire: reply lines and enhanced codes, the
// greeting read before TLS is decided, and the connection wrappers that
// replay it or bound idle reads; and the one-line TLS summary.

func tlsSummary(st *tls.ConnectionState, skip bool) string {
	if st == nil {
		return "TLS"
	}
	// One sentence per case, so each translates as a whole.
	d := map[string]any{"Version": tls.VersionName(st.Version), "Cipher": tls.CipherSuiteName(st.CipherSuite)}
	if len(st.PeerCertificates) == 0 {
		if skip {
			return l10n.L("{{.Version}}, {{.Cipher}} (NOT VERIFIED: verification is switched off)", d)
		}
		return l10n.L("{{.Version}}, {{.Cipher}}, verified", d)
	}
	cert := st.PeerCertificates[0]
	d["Subject"], d["Until"] = cert.Subject.CommonName, cert.NotAfter.UTC().Format("2006-01-02")
	if skip {
		return l10n.L("{{.Version}}, {{.Cipher}}, certificate for {{.Subject}} valid until {{.Until}} (NOT VERIFIED: verification is switched off)", d)
	}
	return l10n.L("{{.Version}}, {{.Cipher}}, certificate for {{.Subject}} valid until {{.Until}}, verified", d)
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

// splitEnhanced separates an RFC 3463 enhanced status code ("5.7.8") from
// the text of a reply.
func splitEnhanced(msg string) (enhanced, text string) {
	msg = strings.TrimSpace(msg)
	f, rest, _ := strings.Cut(msg, " ")
	parts := strings.Split(f, ".")
	if len(parts) == 3 && (parts[0] == "2" || parts[0] == "4" || parts[0] == "5") {
		ok := true
		for _, p := range parts[1:] {
			if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
				ok = false
			}
		}
		if ok {
			return f, strings.TrimSpace(rest)
		}
	}
	return "", msg
}

// readGreeting reads the 220 greeting (possibly multi-line) and returns it
// with every byte read so far, for the replay.
func readGreeting(conn net.Conn) (text string, code int, consumed []byte, err error) {
	var buf bytes.Buffer
	r := textproto.NewReader(bufio.NewReader(io.TeeReader(conn, &buf)))
	code, text, err = r.ReadResponse(220)
	if err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			return tp.Msg, tp.Code, nil, err
		}
		return "", 0, nil, err
	}
	return text, code, buf.Bytes(), nil
}

// replayConn serves bytes already read from the connection before reading more.
type replayConn struct {
	net.Conn
	pending []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// idleConn bounds every read and write by the step timeout, so a server
// that stops answering at any point fails within the timeout.
type idleConn struct {
	net.Conn
	timeout time.Duration
}

func (c *idleConn) Read(p []byte) (int, error) {
	_ = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *idleConn) Write(p []byte) (int, error) {
	_ = c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}
