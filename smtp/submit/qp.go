package submit

import (
	"bytes"
	"mime/quotedprintable"
)

// qpLineLength is the longest line of quoted-printable or base64 text
// (RFC 2045 6.7 and 6.8), without its CRLF.
const qpLineLength = 76

// has8Bit reports whether b holds an octet above 127.
func has8Bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// hasLongLine reports whether a CRLF-separated line of b is longer than
// MaxLineLength.
func hasLongLine(b []byte) bool {
	for len(b) > MaxLineLength {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 || i > MaxLineLength {
			return true
		}
		b = b[i+2:]
	}
	return false
}

// hasBareLineEnd reports whether b holds a CR or LF that is not part of a
// CRLF pair.
func hasBareLineEnd(b []byte) bool {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 >= len(b) || b[i+1] != '\n'):
			return true
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return true
		}
	}
	return false
}

// qpEncode encodes content as quoted-printable; its CRLFs stay hard line
// breaks.
func qpEncode(content []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(content) + len(content)/8)
	w := quotedprintable.NewWriter(&out)
	_, _ = w.Write(content) // a bytes.Buffer does not fail
	_ = w.Close()
	return out.Bytes()
}

// qpRepair fixes quoted-printable text that breaks its own rules without
// changing what it decodes to: 8-bit octets become =XX, and lines longer
// than qpLineLength get soft line breaks, never inside an =XX.
func qpRepair(content []byte) []byte {
	const hex = "0123456789ABCDEF"
	esc := make([]byte, 0, len(content)+len(content)/8)
	for _, c := range content {
		if c >= 0x80 {
			esc = append(esc, '=', hex[c>>4], hex[c&15])
		} else {
			esc = append(esc, c)
		}
	}
	return breakLines(esc, qpLineLength, "=\r\n", func(line []byte) int {
		cut := qpLineLength - 1 // room for the "="
		switch {
		case line[cut-1] == '=':
			cut--
		case line[cut-2] == '=':
			cut -= 2
		}
		return cut
	})
}

// rewrapBase64 breaks base64 lines longer than qpLineLength; a decoder
// ignores line breaks, so the content is unchanged.
func rewrapBase64(content []byte) []byte {
	return breakLines(content, qpLineLength, "\r\n", func([]byte) int { return qpLineLength })
}
