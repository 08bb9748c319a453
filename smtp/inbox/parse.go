package inbox

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds how deep multiparts are followed.
const maxDepth = 8

// parseMessage fills in the parts of a Message that come from its bytes.
// It never fails: what cannot be parsed is shown as it is.
func parseMessage(raw []byte) Message {
	m := Message{Raw: raw, Header: mail.Header{}}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		m.Text = toText(raw, "")
		return m
	}
	m.Header = msg.Header
	m.Subject = decodeHeader(msg.Header.Get("Subject"))
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		body = nil
	}
	if text, ok := plainText(textproto.MIMEHeader(msg.Header), body, 0); ok {
		m.Text = text
	} else {
		m.Text = toText(body, "")
	}
	return m
}

var wordDecoder = mime.WordDecoder{
	// UTF-8, US-ASCII and ISO-8859-1 are decoded by the mime package; other
	// charsets pass through and are cleaned up as UTF-8 below.
	CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
}

// decodeHeader undoes RFC 2047 encoded words, keeping the raw text if they
// are malformed.
func decodeHeader(v string) string {
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		v = d
	}
	return strings.ToValidUTF8(v, "\uFFFD")
}

// plainText finds the first text/plain part of an entity and decodes it.
func plainText(h textproto.MIMEHeader, body []byte, depth int) (string, bool) {
	mediaType, params := "text/plain", map[string]string{}
	if ct := h.Get("Content-Type"); ct != "" {
		if mt, p, err := mime.ParseMediaType(ct); err == nil {
			mediaType, params = mt, p
		} else if mt, _, _ := strings.Cut(ct, ";"); mt != "" {
			mediaType = strings.ToLower(strings.TrimSpace(mt))
		}
	}
	switch {
	case mediaType == "text/plain":
		return toText(decodeTransfer(h.Get("Content-Transfer-Encoding"), body), params["charset"]), true
	case strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "" && depth < maxDepth:
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			// NextRawPart leaves the transfer encoding alone, so every
			// level is decoded the same way, here.
			p, err := mr.NextRawPart()
			if err != nil {
				return "", false
			}
			b, err := io.ReadAll(p)
			if err != nil {
				return "", false
			}
			if text, ok := plainText(p.Header, b, depth+1); ok {
				return text, true
			}
		}
	}
	return "", false
}

// decodeTransfer undoes quoted-printable or base64; anything else, or a
// body that does not decode, is returned unchanged.
func decodeTransfer(cte string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		if b, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err == nil {
			return b
		}
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, body)
		if b, err := base64.StdEncoding.DecodeString(string(clean)); err == nil {
			return b
		}
		if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "=")); err == nil {
			return b
		}
	}
	return body
}

// toText turns body bytes into UTF-8 text with \n line ends. ISO-8859-1
// (and its alias Latin-1) is converted; other charsets are taken as UTF-8,
// invalid bytes shown as U+FFFD.
func toText(b []byte, charset string) string {
	var s string
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(rune(c))
		}
		s = sb.String()
	default:
		s = string(b)
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}
