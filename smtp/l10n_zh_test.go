package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// useChinese switches the built-in translator to Simplified Chinese for one
// test and back to the system's language after it.
func useChinese(t *testing.T) {
	t.Helper()
	l10n.Set(nil)
	if !l10n.Use("zh") {
		t.Fatal(`l10n.Use("zh") refused`)
	}
	t.Cleanup(func() { l10n.Use("") })
}

// TestDiagnoseChinese: the hints people meet most often come out in Chinese,
// with the template data (port, host, reply) filled in and no template left.
func TestDiagnoseChinese(t *testing.T) {
	useChinese(t)
	timeout := &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	cases := []struct {
		name string
		err  error
		p    Profile
		kind Kind
		want []string // substrings the Chinese hint must contain
	}{
		{"SSL/TLS on the STARTTLS port",
			&Error{Stage: StageTLS, Err: tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}},
			Profile{Host: "smtp.example.com", Port: 587, Security: SecurityTLS},
			"tls-on-plain-port", []string{"587", "STARTTLS", "465", "SSL/TLS", "加密方式"}},
		{"STARTTLS on port 465 times out",
			&Error{Stage: StageConnect, BeforeGreeting: true, Err: timeout},
			Profile{Host: "smtp.qq.com", Port: 465, Security: SecuritySTARTTLS},
			"timeout-expects-tls", []string{"465", "SSL/TLS"}},
		{"QQ refuses the QQ password",
			&Error{Stage: StageAuth, Code: 535, Enhanced: "5.7.8", Reply: "Error: authentication failed"},
			Profile{Host: "smtp.qq.com", Port: 465, Security: SecurityTLS, Preset: "qq"},
			"auth-failed", []string{"授权码", "535 5.7.8 Error: authentication failed", "QQ", "开启 SMTP", "https://service.mail.qq.com/"}},
		{"Gmail wants an app password",
			&Error{Stage: StageAuth, Code: 534, Enhanced: "5.7.9", Reply: "Application-specific password required"},
			Profile{Host: "smtp.gmail.com", Port: 465, Security: SecurityTLS, Preset: "gmail"},
			"auth-app-password", []string{"应用专用密码", "Gmail"}},
		{"certificate not trusted",
			&Error{Stage: StageTLS, Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}},
			Profile{Host: "mail.internal", Port: 465, Security: SecurityTLS},
			"cert-untrusted", []string{"证书", "CA"}},
		{"port 25 blocked",
			&Error{Stage: StageConnect, BeforeGreeting: true, Err: timeout},
			Profile{Host: "mx.example.net", Port: 25, Security: SecuritySTARTTLS, Timeout: Duration(10 * time.Second)},
			"timeout-port-25", []string{"mx.example.net", "25", "10s", "587", "465"}},
		{"connection refused",
			&Error{Stage: StageConnect, Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
			Profile{Host: "smtp.example.com", Port: 2525, Security: SecuritySTARTTLS},
			"refused", []string{"2525", "smtp.example.com", "STARTTLS 通常使用 587 端口"}},
		{"sender not allowed",
			&Error{Stage: StageMail, Code: 550, Enhanced: "5.7.60", Reply: "SendAsDenied"},
			Profile{Host: "smtp.office365.com", Port: 587, Security: SecuritySTARTTLS, From: "boss@example.com"},
			"sender-not-allowed", []string{"boss@example.com", "550 5.7.60 SendAsDenied", "发件人"}},
		{"dropped while sending",
			&Error{Stage: StageData, Err: errors.New("connection reset by peer")},
			Profile{Host: "smtp.example.com", Port: 587, Security: SecuritySTARTTLS},
			"dropped", []string{"发送邮件内容（DATA）"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.err, tc.p)
			if d.Kind != tc.kind {
				t.Fatalf("kind %q, want %q (hint %q)", d.Kind, tc.kind, d.Hint)
			}
			if !l10n.HasHan(d.Hint) || strings.Contains(d.Hint, "{{") || strings.Contains(d.Hint, "<no value>") {
				t.Errorf("hint is not a filled Chinese sentence: %q", d.Hint)
			}
			for _, w := range tc.want {
				if !strings.Contains(d.Hint, w) {
					t.Errorf("hint %q lacks %q", d.Hint, w)
				}
			}
			// The same failure in English still reads as before.
			l10n.Use("en")
			en := Diagnose(tc.err, tc.p)
			l10n.Use("zh")
			if en.Hint == d.Hint || strings.Contains(en.Hint, "。") {
				t.Errorf("English hint %q is not English", en.Hint)
			}
		})
	}
}

// TestKeyringHintsChinese: the keyring's advice is translated too.
func TestKeyringHintsChinese(t *testing.T) {
	useChinese(t)
	for _, kind := range []error{ErrKeyringUnavailable, ErrKeyringLocked, ErrKeyringTimeout, ErrSecretTooLarge, ErrInvalidSecret, ErrSecretNotFound, ErrInvalidName, errors.New("other")} {
		h := (&KeyringError{Kind: kind}).Hint()
		if !l10n.HasHan(h) || strings.Contains(h, "{{") {
			t.Errorf("%v: hint %q is not Chinese", kind, h)
		}
	}
	d := Diagnose(&KeyringError{Op: "set", Profile: "work", Kind: ErrKeyringLocked}, Profile{})
	if d.Kind != "keyring" || !strings.Contains(d.Hint, "密钥环") {
		t.Errorf("keyring diagnosis %q: %q", d.Kind, d.Hint)
	}
}

// TestPresetNotesChinese: every preset's note has a Chinese translation, and
// the Chinese providers' notes say where the setting lives.
func TestPresetNotesChinese(t *testing.T) {
	useChinese(t)
	chinese := map[string]bool{"qq": true, "163": true, "126": true, "yeah": true, "exmail": true,
		"aliyun": true, "aliyun-personal": true, "sina": true, "sohu": true, "139": true}
	for _, p := range Presets() {
		if p.Notes == "" {
			if p.LocalNotes() != "" {
				t.Errorf("%s: empty note translated to %q", p.ID, p.LocalNotes())
			}
			continue
		}
		zh := p.LocalNotes()
		if zh == p.Notes || !l10n.HasHan(strings.NewReplacer("授权码", "", "新增授权密码", "", "安全登录", "", "客户端专用密码", "", "三方客户端安全密码", "").Replace(zh)) {
			t.Errorf("%s: note has no Chinese translation: %q", p.ID, zh)
		}
		if !chinese[p.ID] {
			continue
		}
		if !strings.Contains(zh, "设置") || !strings.Contains(zh, "→") {
			t.Errorf("%s: Chinese note does not say where the setting is: %q", p.ID, zh)
		}
		if p.Credential == CredAuthCode && (!strings.Contains(zh, "授权码") || !strings.Contains(zh, "开启")) {
			t.Errorf("%s: Chinese note does not say to enable SMTP and use the 授权码: %q", p.ID, zh)
		}
		if !strings.HasPrefix(p.HelpURL, "https://") {
			t.Errorf("%s: no help link (%q)", p.ID, p.HelpURL)
		}
	}
	qq, _ := PresetByID("qq")
	for _, w := range []string{"POP3/IMAP/SMTP/Exchange/CardDAV/CalDAV服务", "开启 IMAP/SMTP服务", "短信", "授权码", "而不是QQ密码"} {
		if !strings.Contains(qq.LocalNotes(), w) {
			t.Errorf("QQ note %q lacks %q", qq.LocalNotes(), w)
		}
	}
	l10n.Use("en")
	if qq.LocalNotes() != qq.Notes {
		t.Errorf("English LocalNotes %q differs from Notes", qq.LocalNotes())
	}
}

// TestTestMessageChinese: the test message is written in the language of the
// moment it is built.
func TestTestMessageChinese(t *testing.T) {
	useChinese(t)
	p := Profile{Name: "工作", Host: "smtp.qq.com", Port: 465, Security: SecurityTLS, Auth: AuthAuto,
		Username: "ann@qq.com", From: "ann@qq.com", Preset: "qq", InsecureSkipVerify: true}
	now := time.Date(2026, 11, 28, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	body := testBody(p, now)
	for _, w := range []string{"这是一封来自 SMTP Configurator 的测试邮件。", "配置“工作”可以正常发信", "服务器：", "smtp.qq.com:465",
		"SSL/TLS（隐式加密）", "用户名：", "ann@qq.com", "证书验证：", "已关闭", "2026年11月28日 09:30:00", "密钥环"} {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q:\n%s", w, body)
		}
	}
	if strings.Contains(body, "{{") || strings.Contains(body, "Settings used") {
		t.Errorf("body is not fully translated:\n%s", body)
	}
	// The labels line up: every value starts in the same column.
	col := -1
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "  ") || strings.Contains(line, "证书验证") {
			continue
		}
		i := strings.Index(line, "：")
		rest := line[i+len("："):]
		w := textWidth(line[:i+len("：")]) + len(rest) - len(strings.TrimLeft(rest, " "))
		if col >= 0 && w != col {
			t.Errorf("line %q is not aligned (column %d, want %d)", line, w, col)
		}
		col = w
	}

	m, err := BuildTestMessage(p, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "SMTP Configurator 测试邮件（工作）" {
		t.Errorf("subject %q", m.Subject)
	}
	if raw := string(m.Bytes); !strings.Contains(raw, "Subject:") || !strings.Contains(raw, "=?UTF-8?") || strings.Contains(raw, "测试") {
		t.Errorf("the Chinese subject is not MIME-encoded:\n%s", raw)
	}

	l10n.Use("en")
	if body := testBody(p, now); !strings.Contains(body, "  Server:         smtp.qq.com:465\n") || !strings.Contains(body, "Sent at:        Sat, 28 Nov 2026 09:30:00 +0800") {
		t.Errorf("English body changed:\n%s", body)
	}
}

// TestValidationChinese: validation messages and warnings are translated,
// errors.Is still sees the sentinels, and Explain gives the sentence alone.
func TestValidationChinese(t *testing.T) {
	useChinese(t)
	err := ValidatePort(70000)
	if !errors.Is(err, ErrInvalidPort) || !strings.HasPrefix(err.Error(), "invalid port: 70000 超出范围") {
		t.Errorf("ValidatePort: %v", err)
	}
	if got := Explain(err); !strings.HasPrefix(got, "70000 超出范围") || !strings.HasSuffix(got, "）。") {
		t.Errorf("Explain = %q", got)
	}
	err = ValidateHost("smtps://smtp.qq.com:465")
	if got := Explain(err); !strings.Contains(got, `"smtp.qq.com"`) || !strings.Contains(got, "465") || !strings.HasSuffix(got, "。") || strings.Contains(got, "{{") {
		t.Errorf("Explain(host) = %q", got)
	}
	err = ValidateAddress("a@b_c.example")
	if got := Explain(err); !errors.Is(err, ErrInvalidAddress) || !strings.Contains(got, "域名无效") || !strings.Contains(got, "主机名只能包含") {
		t.Errorf("Explain(address) = %q", got)
	}
	p := Profile{Name: "", Host: "", Port: 0, Security: "", Auth: "xx"}
	all := p.Validate()
	lines := strings.Split(Explain(all), "\n")
	if len(lines) < 4 {
		t.Fatalf("Explain(Validate) = %q", lines)
	}
	for _, l := range lines {
		if !l10n.HasHan(l) || !strings.HasSuffix(l, "。") {
			t.Errorf("line %q is not a Chinese sentence", l)
		}
	}
	if d := Diagnose(ValidatePort(0), Profile{}); d.Kind != "invalid-settings" || !strings.HasPrefix(d.Hint, "设置有误：0 超出范围") || strings.Contains(d.Hint, "invalid port") {
		t.Errorf("diagnosis of an invalid port: %q %q", d.Kind, d.Hint)
	}
	for _, w := range (Profile{Host: "smtp.qq.com", Port: 587, Security: SecurityTLS}).Warnings(false) {
		if !l10n.HasHan(w.Message) || !strings.Contains(w.Message, "587") {
			t.Errorf("warning %s: %q", w.Code, w.Message)
		}
	}

	l10n.Use("en")
	if got := Explain(ValidatePort(0)); got != "0 is out of range; use a number from 1 to 65535 (usually 587 for STARTTLS or 465 for TLS)" {
		t.Errorf("English Explain = %q", got)
	}
	if got := Explain(ValidateHost("")); got != `The host is empty; enter the server name, for example "smtp.gmail.com".` {
		t.Errorf("English Explain = %q", got)
	}
}

// translationFiles reads assets/translations/{en,zh}.json: key -> the text
// (for a plural, its "other" form).
func translationFiles(t *testing.T) (en, zh map[string]string) {
	t.Helper()
	read := func(name string) map[string]string {
		data, err := os.ReadFile(filepath.Join("..", "assets", "translations", name))
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := map[string]string{}
		for k, v := range raw {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
				continue
			}
			var plural map[string]string
			if err := json.Unmarshal(v, &plural); err != nil {
				t.Fatalf("%s: %q: %v", name, k, err)
			}
			out[k] = plural["other"]
		}
		return out
	}
	return read("en.json"), read("zh.json")
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestSMTPKeysTranslated: every sentence the domain code translates is a key
// in en.json and zh.json, with a Chinese text that differs from the English
// and the same template placeholders. The keys are found in the source (the
// string literals given to l10n.L and l10n.N and to the helpers that pass
// their argument on) and in the constants and data that are keys.
func TestSMTPKeysTranslated(t *testing.T) {
	en, zh := translationFiles(t)
	keys := map[string]string{} // key -> where
	// Literal arguments: function name -> index of the key argument.
	keyArg := map[string]int{"L": 0, "N": 0, "invalid": 1, "wrapErr": 1, "bad": 1, "corruptError": 3, "set": 3}
	for _, dir := range []string{".", "queue", "detect"} {
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					var fn string
					switch f := n.Fun.(type) {
					case *ast.Ident:
						fn = f.Name
					case *ast.SelectorExpr:
						if x, ok := f.X.(*ast.Ident); ok && x.Name == "l10n" {
							fn = f.Sel.Name
						}
					}
					i, ok := keyArg[fn]
					if !ok || i >= len(n.Args) {
						return true
					}
					if lit, ok := n.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						keys[s] = fset.Position(lit.Pos()).String()
					}
				case *ast.CompositeLit:
					// oneLineMsgs{...}: every field is a key.
					if id, ok := n.Type.(*ast.Ident); ok && id.Name == "oneLineMsgs" {
						for _, e := range n.Elts {
							if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
								s, _ := strconv.Unquote(lit.Value)
								keys[s] = fset.Position(lit.Pos()).String()
							}
						}
					}
				}
				return true
			})
		}
	}
	// Keys held in constants and data.
	for _, h := range []string{hintNoBus, hintNoService, hintNoDefault, hintLocked, hintTimeout, hintTooLarge, hintRefusedLarge, hintInvalidSecret} {
		keys[h] = "secrets.go hint"
	}
	for _, p := range Presets() {
		if p.Notes != "" {
			keys[p.Notes] = "preset " + p.ID
		}
	}
	for _, cred := range []Credential{CredPassword, CredAppPassword, CredAuthCode, CredAPIKey, CredOAuth2} {
		for _, p := range Presets() {
			if p.Credential == cred {
				k, _ := authHint(Profile{Preset: p.ID}, p.Name, "535")
				keys[k] = "authHint " + string(cred)
			}
		}
	}
	if len(keys) < 150 {
		t.Fatalf("found only %d keys; the scan is broken", len(keys))
	}
	for k, where := range keys {
		if k == "" {
			continue
		}
		if _, ok := en[k]; !ok {
			t.Errorf("%s: %q is not in en.json", where, k)
			continue
		}
		z, ok := zh[k]
		switch {
		case !ok:
			t.Errorf("%s: %q is not in zh.json", where, k)
		case z == "" || z == k:
			t.Errorf("%s: %q has no Chinese translation", where, k)
		case fmt.Sprint(placeholders(z)) != fmt.Sprint(placeholders(k)):
			t.Errorf("%s: %q: placeholders %v in Chinese, %v in English", where, k, placeholders(z), placeholders(k))
		}
	}
	t.Logf("%d keys used by smtp/ are translated", len(keys))
}

// The diagnosis of a cancelled operation is translated like the rest.
func TestCancelledChinese(t *testing.T) {
	useChinese(t)
	if d := Diagnose(context.Canceled, Profile{}); !l10n.HasHan(d.Hint) {
		t.Errorf("hint %q", d.Hint)
	}
}
