package submit

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"
)

// A message is re-encoded, never cut or rewrapped, when it cannot travel
// as it is: a part whose text has 8-bit octets (for a server without
// 8BITMIME) or lines over MaxLineLength (which every server may refuse)
// becomes quoted-printable, which a mail reader decodes back to exactly the
// original bytes. Postfix instead breaks long lines (smtp_line_length_limit)
// by inserting a line break and a space, which changes the text; a person
// reading cron output or a log excerpt wants it as it was written.
//
// What is not touched: parts that are already quoted-printable or base64
// are only given the soft line breaks or line breaks their encoding allows
// (their decoded content is unchanged); multipart/signed and
// multipart/encrypted bodies are left byte for byte, since any change
// breaks their signature; unknown encodings are left alone.

// maxDepth bounds the nesting of multiparts and attached messages that is
// re-encoded; deeper parts are left as they are.
const maxDepth = 32

// recoder says what makes a part need re-encoding.
type recoder struct {
	eightBit bool // 8-bit octets (the next server lacks 8BITMIME)
	long     bool // lines longer than MaxLineLength; long header lines are folded too
}

// Downgrade8Bit returns raw (a whole message, CRLF line ends) with every
// part that holds 8-bit octets re-encoded as quoted-printable, for a server
// that does not offer 8BITMIME (RFC 6152 section 3 allows the conversion),
// and reports whether it changed anything. 8-bit octets in header fields
// stay (only SMTPUTF8 carries them). A message with a DKIM signature is
// left as it is: a re-encoded copy fails verification at every receiver,
// while the 8-bit original fails only at a server that refuses 8-bit data,
// which few do. A message whose lines are not well formed is left as it is
// too: Prepare refuses it with the reason.
func Downgrade8Bit(raw []byte) ([]byte, bool) {
	if !has8Bit(raw) || CheckLines(raw) != nil {
		return raw, false
	}
	if h := parseHeader(raw); h.has("DKIM-Signature") {
		return raw, false
	}
	return recoder{eightBit: true}.entity(raw, true, "text/plain", 0)
}

// FitLines returns raw (a whole message, CRLF line ends) with its lines
// brought within MaxLineLength, and reports whether it changed anything:
// header fields are folded at white space (a Subject without any is
// written as encoded words), body parts are re-encoded as above. A line it
// cannot fit is left as it is (CheckLines still finds it), so a caller
// that wants the original line number checks raw, not the result. A
// message with a bare CR or LF is left as it is.
func FitLines(raw []byte) ([]byte, bool) {
	// A bare CR or LF is refused, not re-encoded: quoted-printable would
	// turn it into a line break, which changes the text.
	if !hasLongLine(raw) || hasBareLineEnd(raw) {
		return raw, false
	}
	return recoder{long: true}.entity(raw, true, "text/plain", 0)
}

// needs reports whether content must be re-encoded.
func (r recoder) needs(content []byte) bool {
	return (r.eightBit && has8Bit(content)) || (r.long && hasLongLine(content))
}

// entity re-encodes one MIME entity: raw is its header and body. top marks
// a message (the whole one, or one attached), whose header carries
// MIME-Version; defType is the content type of an entity that declares
// none (text/plain, or message/rfc822 in a multipart/digest).
func (r recoder) entity(raw []byte, top bool, defType string, depth int) ([]byte, bool) {
	h := parseHeader(raw)
	changed := false
	if r.long {
		for i := range h.fields {
			if f, ok := foldField(h.fields[i]); ok {
				h.fields[i], changed = f, true
			}
		}
	}
	mediaType, params := defType, map[string]string(nil)
	if f, ok := h.get("Content-Type"); ok {
		if mt, p, err := mime.ParseMediaType(f.value()); err == nil {
			mediaType, params = mt, p
		} else {
			mediaType = "text/plain" // RFC 2045 5.2: the default for a bad one
		}
	}
	cte := "7bit"
	if f, ok := h.get("Content-Transfer-Encoding"); ok {
		cte = strings.ToLower(f.value())
	}
	body, bodyChanged := h.body, false
	container := false
	switch {
	case depth >= maxDepth:
	case mediaType == "multipart/signed" || mediaType == "multipart/encrypted":
	case strings.HasPrefix(mediaType, "multipart/"):
		container = true
		if b := params["boundary"]; b != "" {
			body, bodyChanged = r.multipart(h.body, b, mediaType == "multipart/digest", depth)
		}
	case mediaType == "message/rfc822" || mediaType == "message/global":
		container = true
		if identityEncoding(cte) {
			body, bodyChanged = r.entity(h.body, true, "text/plain", depth+1)
		}
	case identityEncoding(cte):
		if r.needs(h.body) {
			body, bodyChanged = qpEncode(h.body), true
			if top && !h.has("MIME-Version") {
				h.add("MIME-Version", "1.0")
			}
			if !h.has("Content-Type") && defType == "text/plain" && has8Bit(h.body) {
				// The text was sent without a charset, which says US-ASCII
				// once it is MIME: name the one it is in, as far as can be
				// told (RFC 1428's unknown-8bit when it is not UTF-8).
				cs := "unknown-8bit"
				if utf8.Valid(h.body) {
					cs = "utf-8"
				}
				h.add("Content-Type", "text/plain; charset="+cs)
			}
			h.replace("Content-Transfer-Encoding", "quoted-printable")
		}
	case cte == "quoted-printable":
		if r.needs(h.body) {
			body, bodyChanged = qpRepair(h.body), true
		}
	case cte == "base64":
		if r.long && hasLongLine(h.body) {
			body, bodyChanged = rewrapBase64(h.body), true
		}
	}
	if container && bodyChanged && (cte == "8bit" || cte == "binary") && !has8Bit(body) && !hasLongLine(body) {
		// What it encloses is 7-bit now; say so to a server without 8BITMIME.
		h.replace("Content-Transfer-Encoding", "7bit")
	}
	if !changed && !bodyChanged {
		return raw, false
	}
	h.body, h.hasBody = body, true
	return h.bytes(), true
}

// identityEncoding reports whether cte leaves the content as it is (RFC
// 2045's 7bit, 8bit and binary), so that re-encoding it is allowed.
func identityEncoding(cte string) bool {
	return cte == "7bit" || cte == "8bit" || cte == "binary"
}

// multipart re-encodes the parts of a multipart body whose delimiter is
// "--boundary"; the preamble, the delimiters and the epilogue stay byte for
// byte, and so do the parts that need nothing.
func (r recoder) multipart(body []byte, boundary string, digest bool, depth int) ([]byte, bool) {
	delim := []byte("--" + boundary)
	defType := "text/plain"
	if digest {
		defType = "message/rfc822"
	}
	var out []byte
	copied := 0      // body[:copied] is in out (when out is in use)
	partStart := -1  // where the current part starts, after its delimiter line
	changed := false // out is in use
	for pos := 0; pos < len(body); {
		end := bytes.Index(body[pos:], []byte("\r\n"))
		next := len(body)
		if end >= 0 {
			end += pos
			next = end + 2
		} else {
			end = len(body)
		}
		line := body[pos:end]
		closing, isDelim := delimiterLine(line, delim)
		if isDelim {
			if partStart >= 0 {
				partEnd := pos - 2 // the CRLF before a delimiter belongs to it
				if partEnd < partStart {
					partEnd = partStart
				}
				if np, ok := r.entity(body[partStart:partEnd], false, defType, depth+1); ok {
					if !changed {
						out, changed = make([]byte, 0, len(body)+len(body)/4), true
					}
					out = append(out, body[copied:partStart]...)
					out = append(out, np...)
					copied = partEnd
				}
			}
			if closing {
				break // the epilogue follows
			}
			partStart = next
		}
		pos = next
	}
	if !changed {
		return body, false
	}
	return append(out, body[copied:]...), true
}

// delimiterLine reports whether line is a delimiter line of this multipart
// (RFC 2046 5.1.1: the delimiter, maybe "--" to close, then optional white
// space).
func delimiterLine(line, delim []byte) (closing, ok bool) {
	if !bytes.HasPrefix(line, delim) {
		return false, false
	}
	rest := line[len(delim):]
	if bytes.HasPrefix(rest, []byte("--")) {
		closing, rest = true, rest[2:]
	}
	return closing, len(bytes.Trim(rest, " \t")) == 0
}
