//go:build !nogui

package ui

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// visibleTexts is every text drawn inside o that is visible, as the
// renderers draw it, except inside skip (the transcript, which is the
// server's own words).
func visibleTexts(o fyne.CanvasObject, skip ...fyne.CanvasObject) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		for _, s := range skip {
			if o == s {
				return
			}
		}
		switch v := o.(type) {
		case *canvas.Text:
			if strings.TrimSpace(v.Text) != "" {
				out = append(out, v.Text)
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

var (
	latinWord = regexp.MustCompile(`[A-Za-z][A-Za-z'’]*[A-Za-z]`)
	// hostOrAddress are host names, addresses and host:port.
	hostOrAddress = regexp.MustCompile(`[\w.+-]*@?[\w-]+(\.[\w-]+)+(:\d+)?`)
)

// latinAllowed are the words that stay in Latin letters in the Chinese
// window: protocol names, the names of the security modes and sign-in
// methods, and the words of the providers' brand names.
func latinAllowed() map[string]bool {
	ok := map[string]bool{}
	for _, w := range strings.Fields(`SMTP STARTTLS SSL TLS EHLO HELO AUTH MAIL FROM RCPT TO DATA PEM CA
		PLAIN LOGIN CRAM MD XOAUTH OAuth API ISPDB DNS MX SRV IMAP POP SMS QQ ID SMTPUTF
		SMTP Configurator Thunderbird`) {
		ok[w] = true
	}
	for _, p := range smtp.Presets() {
		for _, w := range latinWord.FindAllString(presetName(p)+" "+p.Name, -1) {
			if p.ID != "custom" && p.ID != "local" {
				ok[w] = true
			}
		}
	}
	return ok
}

// englishLeft is the English words found in texts, once host names,
// addresses and the strings in data (values the person typed, the server's
// reply) are taken out.
func englishLeft(texts []string, data ...string) []string {
	allowed := latinAllowed()
	sort.Slice(data, func(i, j int) bool { return len(data[i]) > len(data[j]) })
	var left []string
	for _, t := range texts {
		if strings.HasSuffix(t, "…") {
			// A truncated word is not a word.
			if i := strings.LastIndexAny(t, " （("); i >= 0 {
				t = t[:i]
			}
		}
		for _, d := range data {
			if d != "" {
				t = strings.ReplaceAll(t, d, " ")
			}
		}
		t = hostOrAddress.ReplaceAllString(t, " ")
		for _, w := range latinWord.FindAllString(t, -1) {
			if !allowed[w] {
				left = append(left, w+" (in "+t+")")
			}
		}
	}
	return left
}

// assertChinese fails if a visible text of obj is English, and if none of
// want is shown.
func assertChinese(t *testing.T, where string, obj fyne.CanvasObject, skip []fyne.CanvasObject, data []string, want ...string) {
	t.Helper()
	texts := visibleTexts(obj, skip...)
	if len(texts) < 5 {
		t.Fatalf("%s: only %d texts found: %q", where, len(texts), texts)
	}
	all := strings.Join(texts, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("%s: %q is not shown; the texts are:\n%s", where, w, all)
		}
	}
	if left := englishLeft(texts, data...); len(left) > 0 {
		t.Errorf("%s: English left in the Chinese window:\n  %s", where, strings.Join(left, "\n  "))
	}
}

// TestSetupInChinese walks a whole setup on the local test inbox with the
// window in Simplified Chinese: every step's title, buttons, a hint and a
// validation message are Chinese, and no English is left but names.
func TestSetupInChinese(t *testing.T) {
	if !i18n.Use("zh") {
		t.Fatal("Use(zh) refused")
	}
	defer i18n.Use("en")
	h := newHarness(t)
	h.win.Resize(fyne.NewSize(defaultWidth, defaultHeight))
	wz := h.wizard()
	left := h.m.profiles.root

	// Provider: an empty address is refused in Chinese.
	ps := wz.provider
	typeInto(ps.address.entry, "a")
	typeInto(ps.address.entry, "")
	if got := ps.address.msg.Text; !strings.Contains(got, "请输入你的邮箱地址") {
		t.Errorf("validation message = %q, want Chinese", got)
	}
	assertChinese(t, "provider step", wz.root, nil, nil,
		"1. 邮箱服务商", "2. 服务器", "3. 账号", "4. 测试", "上一步", "下一步", "电子邮件地址", "请输入你的邮箱地址")
	assertChinese(t, "profile list", left, nil, nil, "配置", "新建", "新配置", "尚未保存", "测试收件箱", "发件箱")
	typeInto(ps.address.entry, "ann@example.com")
	h.pickPreset("local")
	if got := ps.address.msg.Text; !strings.Contains(got, "你用来发信的邮箱地址") {
		t.Errorf("address hint = %q, want Chinese", got)
	}
	assertChinese(t, "provider step", wz.root, nil, []string{"ann@example.com"},
		"已选择：本地测试收件箱", "你用来发信的邮箱地址")
	h.tapNext()

	// Server: labels, the security choice, a validation message.
	s := wz.server
	typeInto(s.port.entry, "x")
	if got := s.port.msg.Text; !strings.Contains(got, "不是数字") {
		t.Errorf("port message = %q, want Chinese", got)
	}
	typeInto(s.port.entry, "2525")
	s.advanced.Open(0)
	assertChinese(t, "server step", wz.root, nil, []string{"2525", "127.0.0.1"},
		"服务器地址", "端口", "加密方式", "登录方式", "SSL/TLS", "STARTTLS", "高级设置", "HELO 名称", "超时（秒）", "浏览…")
	h.tapNext()

	// Account: the note, the labels, the made-up password's hint.
	a := wz.account
	assertChinese(t, "account step", wz.root, nil, []string{a.name.entry.Text, "ann@example.com"},
		"配置名称", "用户名", "密码", "发件人地址", "发件人名称", "保存并继续", "为本地测试收件箱自动生成")
	h.walkAccount("")

	// Test: buttons and stage names, then a delivery.
	ts := wz.test
	assertChinese(t, "test step", wz.root, []fyne.CanvasObject{ts.transcriptSc}, []string{"ann@example.com"},
		"发送测试邮件", "只检查连接", "连接", "加密（TLS）", "登录（AUTH）", "等待中")
	test.Tap(ts.sendBtn)
	h.waitFor("the test message to be delivered", 15*time.Second, func() bool { return !ts.running })
	if ts.resultTitle.Text != "测试邮件已送达" {
		t.Fatalf("result = %q: %q %q", ts.resultTitle.Text, ts.resultText.Text, ts.resultReply.Text)
	}
	// The stages' details are what the connection reported (the server's
	// extensions, the cipher, "AUTH PLAIN accepted"): like the transcript,
	// they are left out; the stage names and their states are checked.
	skip := []fyne.CanvasObject{ts.transcriptSc}
	for _, r := range ts.rows {
		skip = append(skip, r.detail)
	}
	assertChinese(t, "test result", wz.root, skip, []string{"ann@example.com", ts.report.Message},
		"测试邮件已送达", "成功", "用时：", "打开测试收件箱", "连接", "问候", "邮件内容（DATA）")
}
