package submit

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
)

// readBody parses raw as a reader would and returns the decoded text of a
// single-part message.
func readBody(t *testing.T, raw []byte) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return m, string(b)
}

func TestFitLinesReencodesAPlainTextMessage(t *testing.T) {
	long := strings.Repeat("disk full on /var ", 80) // 1440 characters, one line
	body := "cron output\n" + long + "\nend = done\n"
	raw := crlf("From: root@box.example\nSubject: nightly\n\n" + body)
	got, changed := FitLines(raw)
	if !changed || CheckLines(got) != nil {
		t.Fatalf("changed %v, lines %v:\n%s", changed, CheckLines(got), got)
	}
	m, text := readBody(t, got)
	if text != strings.ReplaceAll(body, "\n", "\r\n") {
		t.Errorf("the text read back differs:\n%q", text)
	}
	if m.Header.Get("MIME-Version") != "1.0" || m.Header.Get("Content-Type") != "" || m.Header.Get("Subject") != "nightly" {
		t.Errorf("header: %v", m.Header)
	}
	// Within the limit already: nothing changes.
	short := crlf("Subject: x\n\nshort\n")
	if out, changed := FitLines(short); changed || !bytes.Equal(out, short) {
		t.Errorf("a message that fits was changed:\n%s", out)
	}
}

func TestFitLinesNamesTheCharsetOfUnlabelled8BitText(t *testing.T) {
	text := strings.Repeat("café ", 250) + "\r\n"
	got, _ := FitLines(append(crlf("Subject: x\n\n"), text...))
	m, read := readBody(t, got)
	if read != text || m.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("%v\n%q", m.Header, read)
	}
	// Labelled text keeps its label.
	got, _ = FitLines(append(crlf("Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\n"),
		append(bytes.Repeat([]byte{'c', 'a', 'f', 0xe9, ' '}, 250), '\r', '\n')...))
	m, _ = readBody(t, got)
	if m.Header.Get("Content-Type") != "text/plain; charset=iso-8859-1" || m.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("%v", m.Header)
	}
}

func TestFitLinesFoldsHeaderFields(t *testing.T) {
	refs := strings.Repeat("<a.very.long.message.id@host.example> ", 40)
	subject := strings.Repeat("x", 1200)
	raw := crlf("From: a@box.example\nReferences: " + refs + "\nSubject: " + subject + "\nX-Short: kept\n\nbody\n")
	got, changed := FitLines(raw)
	if !changed || CheckLines(got) != nil {
		t.Fatalf("changed %v, lines %v", changed, CheckLines(got))
	}
	m, text := readBody(t, got)
	unfold := func(s string) string { return strings.ReplaceAll(s, "\r\n", "") }
	if unfold(m.Header.Get("References")) != strings.TrimSpace(refs) {
		t.Errorf("References changed: %q", m.Header.Get("References"))
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil || dec != subject {
		t.Errorf("Subject reads %q (%v)", dec, err)
	}
	if m.Header.Get("X-Short") != "kept" || text != "body\r\n" || m.Header.Get("MIME-Version") != "" {
		t.Errorf("more changed than the long fields: %v %q", m.Header, text)
	}
	// A field without white space that is not the Subject cannot be fitted:
	// it stays, and CheckLines still finds it.
	bad := crlf("X-Token: " + strings.Repeat("t", 1000) + "\n\nbody\n")
	if got, _ := FitLines(bad); ProblemOf(CheckLines(got)) != LineTooLong {
		t.Errorf("an unfoldable field was mangled:\n%.80s", got)
	}
}

func TestFitLinesMultipart(t *testing.T) {
	long := strings.Repeat("0123456789", 120)
	b64 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1, 2, 3, 250}, 400)) // one 2134-character line
	qpLong := strings.Repeat("caf=C3=A9 ", 110) + "end"                               // valid QP but one 1100-character line
	raw := crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\npreamble\n--b1\n" +
		"Content-Type: text/plain; charset=utf-8\n\n" + long + "\n--b1\n" +
		"Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n--b1\n" +
		"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" + qpLong + "\n--b1\n" +
		"Content-Type: text/plain\n\nshort part\n--b1--\nepilogue\n")
	got, changed := FitLines(raw)
	if !changed || CheckLines(got) != nil {
		t.Fatalf("changed %v, lines %v:\n%s", changed, CheckLines(got), got)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, "b1") // decodes quoted-printable parts
	var parts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			b, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
		}
		parts = append(parts, string(b))
	}
	want := []string{long, string(bytes.Repeat([]byte{1, 2, 3, 250}, 400)), strings.Repeat("café ", 110) + "end", "short part"}
	if len(parts) != len(want) {
		t.Fatalf("%d parts", len(parts))
	}
	for i := range want {
		if parts[i] != want[i] {
			t.Errorf("part %d reads %.60q, want %.60q", i, parts[i], want[i])
		}
	}
	if !bytes.Contains(got, crlf("\n\npreamble\n--b1\n")) || !bytes.HasSuffix(got, crlf("\nshort part\n--b1--\nepilogue\n")) {
		t.Errorf("the frame of the multipart changed:\n%s", got)
	}
	// A signed body is left alone, even too long: changing it would break
	// the signature.
	signed := crlf("Content-Type: multipart/signed; boundary=s; protocol=\"application/pgp-signature\"\n\n--s\n\n" + long + "\n--s--\n")
	if out, changed := FitLines(signed); changed || !bytes.Equal(out, signed) {
		t.Error("a signed message was changed")
	}
}

func TestDowngrade8Bit(t *testing.T) {
	raw := crlf("From: a@box.example\nSubject: =?utf-8?q?caf=C3=A9?=\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"=_x\"\nContent-Transfer-Encoding: 8bit\n\n" +
		"--=_x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nun café ☕ = 1\n" +
		"--=_x\nContent-Type: text/html; charset=utf-8\n\n<p>plain ascii</p>\n--=_x--\n")
	got, changed := Downgrade8Bit(raw)
	if !changed || has8Bit(got) {
		t.Fatalf("changed %v:\n%s", changed, got)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "7bit" {
		t.Errorf("the multipart still says %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	mr := multipart.NewReader(m.Body, "=_x")
	p, _ := mr.NextPart()
	if b, _ := io.ReadAll(p); string(b) != "un café ☕ = 1" {
		t.Errorf("first part reads %q", b)
	}
	if !bytes.Contains(got, crlf("Content-Type: text/html; charset=utf-8\n\n<p>plain ascii</p>\n")) {
		t.Errorf("the 7-bit part changed:\n%s", got)
	}
	// 7-bit messages, DKIM-signed ones and malformed ones stay as they are.
	for _, in := range [][]byte{
		crlf("Subject: x\n\nascii only\n"),
		crlf("DKIM-Signature: v=1; a=rsa-sha256; d=box.example\nSubject: x\n\ncafé\n"),
		[]byte("Subject: x\r\n\r\ncafé\nbare LF\r\n"),
	} {
		if out, changed := Downgrade8Bit(in); changed || !bytes.Equal(out, in) {
			t.Errorf("%q was changed", in)
		}
	}
}

func TestQPRepairKeepsEscapesWhole(t *testing.T) {
	line := strings.Repeat("ab=C3=A9", 30)
	out := qpRepair([]byte(line + "\r\n"))
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
		if len(l) > qpLineLength {
			t.Errorf("line of %d", len(l))
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(out)))
	want, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(line + "\r\n")))
	if err != nil || string(dec) != string(want) {
		t.Errorf("decodes to %q (%v), want %q", dec, err, want)
	}
	raw8 := qpRepair([]byte("na\xefve\r\n"))
	if string(raw8) != "na=EFve\r\n" {
		t.Errorf("%q", raw8)
	}
}

func TestFitLinesLeavesBareLineEnds(t *testing.T) {
	// A bare CR after a long line: refused for the CR (quoted-printable
	// would make it a line break), so nothing is re-encoded.
	raw := []byte("Subject: x\r\n\r\n" + strings.Repeat("y", 1200) + "\r\nbare\rCR\r\n")
	if out, changed := FitLines(raw); changed || !bytes.Equal(out, raw) {
		t.Error("a message with a bare CR was re-encoded")
	}
	if !hasBareLineEnd([]byte("a\nb")) || !hasBareLineEnd([]byte("a\r")) || hasBareLineEnd([]byte("a\r\nb\r\n")) {
		t.Error("hasBareLineEnd")
	}
}
