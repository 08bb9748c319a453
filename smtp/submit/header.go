package submit

import (
	"bytes"
	"strings"
)

// field is one header field as it appears in the message: its name and
// its exact bytes, continuation lines and final CRLF included, so a field
// that is not touched goes out byte for byte.
type field struct {
	name string // as written
	raw  []byte
}

// value is the field's unfolded value, trimmed.
func (f field) value() string {
	_, v, _ := bytes.Cut(f.raw, []byte(":"))
	s := strings.ReplaceAll(string(v), "\r\n", "")
	return strings.TrimSpace(s)
}

// header is a message split into its header fields and its body (the bytes
// after the blank line, or none).
type header struct {
	fields  []field
	body    []byte
	hasBody bool // the message had a blank line (and so a body part, maybe empty)
}

// isFieldName reports whether line starts with a header field name and a
// colon (RFC 5322: printable ASCII but the colon, at least one).
func isFieldStart(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	for _, c := range line[:i] {
		if c < 33 || c > 126 {
			return "", false
		}
	}
	return string(line[:i]), true
}

// parseHeader splits raw (CRLF line ends) into header fields and body. A
// first line that is not a header field means the message has no header:
// all of it is body (a program that pipes plain text to sendmail). A later
// line that is neither a field nor a continuation starts the body, as
// Postfix treats it.
func parseHeader(raw []byte) header {
	var h header
	rest := raw
	for len(rest) > 0 {
		end := bytes.Index(rest, []byte("\r\n"))
		var line []byte
		if end < 0 {
			line, end = rest, len(rest)
		} else {
			line = rest[:end+2]
			end += 2
		}
		if end == 2 && line[0] == '\r' { // the blank line
			h.body, h.hasBody = rest[2:], true
			return h
		}
		if (line[0] == ' ' || line[0] == '\t') && len(h.fields) > 0 {
			last := &h.fields[len(h.fields)-1]
			last.raw = append(last.raw, line...)
			rest = rest[end:]
			continue
		}
		name, ok := isFieldStart(line)
		if !ok {
			h.body, h.hasBody = rest, true
			return h
		}
		h.fields = append(h.fields, field{name: name, raw: append([]byte(nil), line...)})
		rest = rest[end:]
	}
	return h
}

// get returns the first field of this name (case-insensitive).
func (h *header) get(name string) (field, bool) {
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			return f, true
		}
	}
	return field{}, false
}

// has reports whether a field of this name is present.
func (h *header) has(name string) bool {
	_, ok := h.get(name)
	return ok
}

// all returns the values of every field of this name.
func (h *header) all(name string) []string {
	var out []string
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			out = append(out, f.value())
		}
	}
	return out
}

// remove drops every field of this name and reports whether there was one.
func (h *header) remove(name string) bool {
	n := 0
	for _, f := range h.fields {
		if !strings.EqualFold(f.name, name) {
			h.fields[n] = f
			n++
		}
	}
	removed := n < len(h.fields)
	h.fields = h.fields[:n]
	return removed
}

// replace puts a new field in place of the first one of its name (the
// others of that name are dropped), or adds it at the end.
func (h *header) replace(name, value string) {
	nf := newField(name, value)
	for i, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			h.fields[i] = nf
			rest := h.fields[i+1:]
			h.fields = h.fields[:i+1]
			for _, g := range rest {
				if !strings.EqualFold(g.name, name) {
					h.fields = append(h.fields, g)
				}
			}
			return
		}
	}
	h.fields = append(h.fields, nf)
}

// insertAfter adds a field right after the first one named after (at the
// end if there is none).
func (h *header) insertAfter(after, name, value string) {
	nf := newField(name, value)
	for i, f := range h.fields {
		if strings.EqualFold(f.name, after) {
			h.fields = append(h.fields[:i+1], append([]field{nf}, h.fields[i+1:]...)...)
			return
		}
	}
	h.fields = append(h.fields, nf)
}

// insertAt puts a field at position i of the header.
func (h *header) insertAt(i int, name, value string) {
	h.fields = append(h.fields[:i], append([]field{newField(name, value)}, h.fields[i:]...)...)
}

// add appends a field at the end of the header.
func (h *header) add(name, value string) {
	h.fields = append(h.fields, newField(name, value))
}

func newField(name, value string) field {
	return field{name: name, raw: []byte(name + ": " + value + "\r\n")}
}

// bytes puts the message together again: the fields, the blank line and
// the body.
func (h *header) bytes() []byte {
	n := len(h.body) + 2
	for _, f := range h.fields {
		n += len(f.raw)
	}
	out := make([]byte, 0, n)
	for _, f := range h.fields {
		out = append(out, f.raw...)
		if !bytes.HasSuffix(f.raw, []byte("\r\n")) {
			out = append(out, '\r', '\n') // the last line had no line end
		}
	}
	out = append(out, '\r', '\n')
	return append(out, h.body...)
}
