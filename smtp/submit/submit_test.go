package submit

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func prepare(t *testing.T, p smtp.Profile, m Message) queue.Message {
	t.Helper()
	qm, err := Prepare(p, m, now)
	if err != nil {
		t.Fatal(err)
	}
	return qm
}

func TestPrepareKeepsHeadersAndAddsMissing(t *testing.T) {
	p := smtp.Profile{Name: "w", From: "me@example.com", Preset: "custom"}
	raw := crlf("From: Cron <root@host.example>\nSubject: =?UTF-8?Q?caf=C3=A9?=\nX-Odd:  spaced\n\tfolded\nBcc: secret@example.org\n\nbody\n.leading dot\n")
	qm := prepare(t, p, Message{From: "root@host.example", To: []string{"a@example.org"}, Raw: raw, Origin: queue.OriginRelay})
	got := string(qm.Raw)
	for _, want := range []string{"From: Cron <root@host.example>\r\n", "Subject: =?UTF-8?Q?caf=C3=A9?=\r\n",
		"X-Odd:  spaced\r\n\tfolded\r\n", "Date: Wed, 04 Mar 2026 05:06:07 +0000\r\n", "Message-ID: <", "@example.com>\r\n",
		"\r\n\r\nbody\r\n.leading dot\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "secret@") {
		t.Error("Bcc kept")
	}
	// envelope policy (the default of a custom profile): the envelope
	// sender is the account, the From header is left alone.
	if qm.From != "me@example.com" || qm.Profile != "w" || qm.Origin != queue.OriginRelay {
		t.Errorf("envelope %q profile %q origin %q", qm.From, qm.Profile, qm.Origin)
	}
}

func TestPrepareFromPolicies(t *testing.T) {
	raw := crlf("From: \"Build Bot\" <bot@ci.example>\nSubject: x\nDate: Mon, 2 Mar 2026 00:00:00 +0000\nMessage-ID: <1@x>\n\nhi\n")
	m := Message{From: "bot@ci.example", To: []string{"a@example.org"}, Raw: raw}

	keep := prepare(t, smtp.Profile{Name: "k", From: "me@qq.com", Preset: "qq", FromPolicy: smtp.FromKeep}, m)
	if keep.From != "bot@ci.example" || string(keep.Raw) != string(raw) {
		t.Errorf("keep changed the message: %q\n%s", keep.From, keep.Raw)
	}
	// QQ refuses a foreign From: its default is header.
	hdr := prepare(t, smtp.Profile{Name: "q", From: "me@qq.com", Preset: "qq"}, m)
	got := string(hdr.Raw)
	if hdr.From != "me@qq.com" || !strings.HasPrefix(got, "From: \"Build Bot\" <me@qq.com>\r\nReply-To: \"Build Bot\" <bot@ci.example>\r\nSubject: x\r\n") {
		t.Errorf("header policy: %q\n%s", hdr.From, got)
	}
	// Gmail rewrites by itself: envelope only.
	gm := prepare(t, smtp.Profile{Name: "g", From: "me@gmail.com", Preset: "gmail"}, m)
	if gm.From != "me@gmail.com" || string(gm.Raw) != string(raw) {
		t.Errorf("envelope policy: %q\n%s", gm.From, gm.Raw)
	}
	// A From that is already the account, or an existing Reply-To, stays.
	own := prepare(t, smtp.Profile{Name: "q", From: "ME@qq.com", Preset: "qq"}, Message{From: "x@y.example", To: m.To,
		Raw: crlf("From: me@qq.com\nReply-To: r@example.org\n\nx\n")})
	if !strings.HasPrefix(string(own.Raw), "From: me@qq.com\r\nReply-To: r@example.org\r\n") {
		t.Errorf("own From rewritten:\n%s", own.Raw)
	}
}

func TestPrepareAddsFrom(t *testing.T) {
	p := smtp.Profile{Name: "q", From: "Me <me@163.com>", Preset: "163"}
	qm := prepare(t, p, Message{From: "root@box", To: []string{"a@example.org"}, FromName: "Cron Daemon",
		Raw: crlf("just text, no header\n")})
	if !strings.HasPrefix(string(qm.Raw), "From: \"Cron Daemon\" <me@163.com>\r\n") || !strings.Contains(string(qm.Raw), "\r\n\r\njust text, no header\r\n") {
		t.Errorf("%s", qm.Raw)
	}
}

func TestPrepareRefuses(t *testing.T) {
	p := smtp.Profile{Name: "w", From: "me@example.com"}
	to := []string{"a@example.org"}
	for _, c := range []struct {
		raw  string
		want Problem
		line int
	}{
		{"Subject: x\r\n\r\nbare\nLF\r\n", BareLineEnd, 3},
		{"Subject: x\r\n\r\nbare\rCR\r\n", BareLineEnd, 3},
		{"Subject: x\r\n\r\n" + strings.Repeat("x", 999) + "\r\n", LineTooLong, 3},
	} {
		_, err := Prepare(p, Message{To: to, Raw: []byte(c.raw)}, now)
		var e *Error
		if !errors.As(err, &e) || e.Problem != c.want || e.Line != c.line {
			t.Errorf("%q: %v", c.raw, err)
		}
	}
	if _, err := Prepare(p, Message{To: to, Raw: []byte("Subject: x\r\n\r\n" + strings.Repeat("x", 998) + "\r\n")}, now); err != nil {
		t.Errorf("998 characters refused: %v", err)
	}
	if _, err := Prepare(p, Message{Raw: []byte("x\r\n")}, now); ProblemOf(err) != NoRecipient {
		t.Errorf("no recipient: %v", err)
	}
	if _, err := Prepare(p, Message{To: []string{"not an address"}, Raw: []byte("x\r\n")}, now); ProblemOf(err) != BadAddress {
		t.Errorf("bad address: %v", err)
	}
}

type fakeStore struct {
	list []smtp.Profile
	def  string
}

func (f fakeStore) Get(name string) (smtp.Profile, error) {
	for _, p := range f.list {
		if p.Name == name {
			return p, nil
		}
	}
	return smtp.Profile{}, smtp.ErrNoSuchProfile
}
func (f fakeStore) List() ([]smtp.Profile, error) { return f.list, nil }
func (f fakeStore) Default() (string, error)      { return f.def, nil }

func TestRoute(t *testing.T) {
	st := fakeStore{list: []smtp.Profile{{Name: "a", From: "a@example.com"}, {Name: "b", Username: "b@example.com"}, {Name: "c", From: "a@example.com"}}}
	for _, c := range []struct {
		def, explicit, sender, want string
		problem                     Problem
	}{
		{"", "b", "a@example.com", "b", ""},
		{"", "zz", "", "", UnknownProfile},
		{"", "", "B@Example.com", "b", ""},
		{"", "", "a@example.com", "a", ""},
		{"c", "", "a@example.com", "c", ""}, // the default wins among matches
		{"b", "", "other@example.com", "b", ""},
		{"", "", "other@example.com", "", NoProfile},
	} {
		st.def = c.def
		p, err := Route(st, c.explicit, c.sender)
		if ProblemOf(err) != c.problem || p.Name != c.want {
			t.Errorf("%+v: got %q, %v", c, p.Name, err)
		}
	}
}

func TestHeaderRecipients(t *testing.T) {
	got, err := HeaderRecipients(crlf("To: A <a@example.org>, b@example.org\nCc: undisclosed-recipients:;\nBcc: c@example.org,\n A@example.org\nSubject: x\n\nTo: not@header\n"))
	if err != nil || strings.Join(got, " ") != "a@example.org b@example.org c@example.org" {
		t.Errorf("%v %v", got, err)
	}
}
