package smtp

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/wneessen/go-mail/log"
)

// Transcript prefixes: what the server said, what we said, and our own notes.
const (
	prefixServer = "S: "
	prefixClient = "C: "
	prefixNote   = "* "
	redacted     = "[redacted]"
)

// Transcript records an SMTP dialogue line by line, in order, with every
// secret removed before a line is stored. It is safe for concurrent use.
type Transcript struct {
	mu       sync.Mutex
	lines    []string
	secrets  []string // strings that must never appear, longest first
	inAuth   bool     // between AUTH and its final reply: client lines are payloads
	authMech string
	onLine   func(string)
	lastCmd  string   // verb of the last client command, for EHLO capture
	ehlo     []string // keywords of the last successful EHLO reply
	lastSrv  string   // last server line
}

// NewTranscript returns an empty transcript.
func NewTranscript() *Transcript { return &Transcript{} }

// Lines returns a copy of the recorded lines.
func (t *Transcript) Lines() []string {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}

// Protect adds a secret (and the forms it travels in during AUTH) to the
// strings that are scrubbed from every line, including lines already stored.
func (t *Transcript) Protect(username, secret string) {
	if secret == "" {
		return
	}
	b64 := base64.StdEncoding.EncodeToString
	forms := []string{
		secret,
		b64([]byte(secret)),
		b64([]byte("\x00" + username + "\x00" + secret)),
		b64([]byte(username + "\x00" + username + "\x00" + secret)),
		b64([]byte("user=" + username + "\x01auth=Bearer " + secret + "\x01\x01")),
	}
	// Strip base64 padding too: a prefix of the encoding can be embedded in a
	// longer blob that a server echoes back.
	for _, f := range forms[1:] {
		if s := strings.TrimRight(f, "="); s != f && len(s) >= 8 {
			forms = append(forms, s)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, f := range forms {
		if len(f) >= 3 || f == secret {
			t.secrets = append(t.secrets, f)
		}
	}
	// Longest first, so a blob is removed whole before a substring of it.
	slices.SortStableFunc(t.secrets, func(a, b string) int { return len(b) - len(a) })
	for i, l := range t.lines {
		t.lines[i] = t.scrubLocked(l)
	}
}

// Scrub removes every protected secret from s.
func (t *Transcript) Scrub(s string) string {
	if t == nil {
		return s
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scrubLocked(s)
}

func (t *Transcript) scrubLocked(s string) string {
	for _, sec := range t.secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

func (t *Transcript) add(prefix, text string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	var added []string
	for _, l := range strings.Split(strings.TrimRight(text, "\r\n"), "\n") {
		l = t.scrubLocked(prefix + strings.TrimRight(l, "\r"))
		t.lines = append(t.lines, l)
		added = append(added, l)
	}
	cb := t.onLine
	t.mu.Unlock()
	if cb != nil {
		for _, l := range added {
			cb(l)
		}
	}
}

// Note records a line of our own commentary (TLS details, decisions).
func (t *Transcript) Note(format string, args ...any) {
	t.add(prefixNote, fmt.Sprintf(format, args...))
}

// server records a reply; a multi-line reply becomes "250-a", "250 b".
func (t *Transcript) server(code int, msg string) {
	parts := strings.Split(msg, "\n")
	t.mu.Lock()
	if code == 250 && t.lastCmd == "EHLO" {
		t.ehlo = nil
		for _, p := range parts[1:] {
			t.ehlo = append(t.ehlo, strings.TrimSpace(p))
		}
	}
	t.lastSrv = t.scrubLocked(fmt.Sprintf("%d %s", code, parts[len(parts)-1]))
	t.mu.Unlock()
	for i, p := range parts {
		sep := "-"
		if i == len(parts)-1 {
			sep = " "
		}
		t.add(prefixServer, fmt.Sprintf("%d%s%s", code, sep, p))
	}
}

func (t *Transcript) client(line string) {
	verb, _, _ := strings.Cut(line, " ")
	t.mu.Lock()
	t.lastCmd = strings.ToUpper(verb)
	t.mu.Unlock()
	t.add(prefixClient, line)
}

// lastEHLO returns the keywords of the last successful EHLO reply.
func (t *Transcript) lastEHLO() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.ehlo...)
}

// lastServerLine returns the last reply line, without the "S: " prefix.
func (t *Transcript) lastServerLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastSrv
}

// beginAuth marks that the next client lines carry credentials.
func (t *Transcript) beginAuth(mech string) {
	t.mu.Lock()
	t.inAuth, t.authMech = true, mech
	t.mu.Unlock()
}

func (t *Transcript) endAuth() {
	t.mu.Lock()
	t.inAuth = false
	t.mu.Unlock()
}

// logger adapts the transcript to go-mail's debug log interface, which the
// low-level client calls for every command and reply it exchanges.
type logger struct{ t *Transcript }

var _ log.Logger = logger{}

func (l logger) Debugf(e log.Log) { l.record(e) }
func (l logger) Infof(e log.Log)  { l.record(e) }
func (l logger) Warnf(e log.Log)  { l.record(e) }
func (l logger) Errorf(e log.Log) { l.record(e) }

func (l logger) record(e log.Log) {
	t := l.t
	switch e.Direction {
	case log.DirClientToServer:
		t.mu.Lock()
		inAuth, mech := t.inAuth, t.authMech
		if inAuth {
			// After the first AUTH line, only the mechanism name is shown.
			t.authMech = ""
		}
		t.mu.Unlock()
		if inAuth {
			// go-mail already replaces AUTH payloads with a marker; we never
			// print its arguments at all, whatever they are.
			if mech != "" {
				t.client("AUTH " + mech + " " + redacted)
			} else {
				t.client(redacted)
			}
			return
		}
		t.client(fmt.Sprintf(e.Format, e.Messages...))
	case log.DirServerToClient:
		if len(e.Messages) == 2 {
			if code, ok := e.Messages[0].(int); ok {
				msg := fmt.Sprint(e.Messages[1])
				t.mu.Lock()
				inAuth := t.inAuth
				t.mu.Unlock()
				if inAuth && code == 334 {
					msg = redacted // challenges can echo user data (XOAUTH2 errors, NTLM)
				}
				t.server(code, msg)
				return
			}
		}
		t.add(prefixServer, fmt.Sprintf(e.Format, e.Messages...))
	}
}
