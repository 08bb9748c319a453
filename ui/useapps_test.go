//go:build !nogui

package ui

import (
	"errors"
	"net"
	netsmtp "net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/smtp/queue"
	"github.com/smtpconf/smtpconf/smtp/relay"
	"github.com/smtpconf/smtpconf/smtp/smtptest"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// useHarness opens a window on dir (its profiles saved first) whose relay
// listens on a free loopback port and whose "Install as a service" writes
// under home with no systemctl to call.
func useHarness(t *testing.T, dir, home string) *harness {
	t.Helper()
	return newHarness(t, withDir(dir), withDeps(func(d *Deps) {
		d.RelayListen = "127.0.0.1:0"
		d.RelayService = relay.Service{
			Getenv: func(k string) string {
				if k == "HOME" {
					return home
				}
				return ""
			},
			Systemctl: filepath.Join(home, "no-systemctl"),
		}
	}))
}

// saveProfiles writes profiles into a new config directory.
func saveProfiles(t *testing.T, dir string, ps ...smtp.Profile) {
	t.Helper()
	st := smtp.NewStore(dir)
	for _, p := range ps {
		if err := st.Save(p); err != nil {
			t.Fatal(err)
		}
	}
}

// openUse opens "Use from other apps" with the setup's button.
func (h *harness) openUse() *useView {
	h.t.Helper()
	wz := h.wizard()
	if !wz.useBtn.Visible() || wz.useBtn.Disabled() {
		h.t.Fatal("the setup of a saved profile offers no way to use it from other apps")
	}
	test.Tap(wz.useBtn)
	if !h.m.useShown() {
		h.t.Fatal("the button did not show “Use from other apps”")
	}
	return h.m.useView
}

// The switch runs the relay in the window; a message a program submits to
// it lands in the outbox with its origin, and the window's worker delivers
// it to the profile's server. Switched off, the relay stops listening.
func TestUseRelaySwitchDeliversThroughTheOutbox(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{})
	dir := outboxDir(t, "10m")
	p := smtp.Profile{Name: "work", Host: "127.0.0.1", Port: srv.Port, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "Ann <ann@example.com>"}
	saveProfiles(t, dir, p)
	h := useHarness(t, dir, t.TempDir())
	v := h.openUse()
	if v.run.Checked || !strings.HasPrefix(v.relayState.text.Text, "Off") {
		t.Fatalf("the relay is on before it was switched on: %q", v.relayState.text.Text)
	}
	if !strings.Contains(v.route.Text, "mail from ann@example.com goes through “work”") {
		t.Errorf("routing = %q", v.route.Text)
	}

	test.Tap(v.run)
	r := h.m.relay
	h.waitFor("the relay to start", 10*time.Second, func() bool { return r.state == relayRunning || r.state == relayFailed })
	if r.state != relayRunning {
		t.Fatalf("the relay did not start: %v (%s)", r.err, v.relayState.text.Text)
	}
	if !h.app.Preferences().Bool(prefRelayRun) {
		t.Error("the switch was not remembered")
	}
	addr := r.addr
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("relay address = %q", addr)
	}
	if !strings.Contains(v.relayState.text.Text, "Running on "+addr) || !v.listen.entry.Disabled() {
		t.Errorf("state %q, address editable %v", v.relayState.text.Text, !v.listen.entry.Disabled())
	}

	msg := "From: Ann <ann@example.com>\r\nTo: bob@example.com\r\nSubject: Nightly backup done\r\n\r\nAll good.\r\n"
	if err := netsmtp.SendMail(addr, nil, "ann@example.com", []string{"bob@example.com"}, []byte(msg)); err != nil {
		t.Fatalf("submitting to the relay: %v", err)
	}
	b := h.m.outbox
	h.waitFor("the relayed message to be delivered", 10*time.Second, func() bool {
		return len(b.entries) == 1 && b.entries[0].State == queue.Sent
	})
	e := b.entries[0]
	if e.Origin != queue.OriginRelay || e.Profile != "work" || e.Subject != "Nightly backup done" {
		t.Fatalf("entry: origin %q, profile %q, subject %q", e.Origin, e.Profile, e.Subject)
	}
	got := srv.Messages()
	if len(got) != 1 || !strings.Contains(string(got[0].Data), "Subject: Nightly backup done") || got[0].From != "ann@example.com" {
		t.Fatalf("the server got %d messages: %+v", len(got), got)
	}
	h.waitFor("the count of messages taken", 5*time.Second, func() bool {
		return strings.Contains(v.relayState.text.Text, "1 message taken since it started.")
	})

	// The Outbox view says where it came from, in the list and the details.
	test.Tap(h.m.profiles.outboxBtn)
	ov := h.m.outboxView
	h.waitFor("the entry in the outbox view", 5*time.Second, func() bool { return ov.detail.Visible() })
	if row := strings.Join(rowTexts(t, ov, 0), " | "); !strings.Contains(row, "Via the relay") {
		t.Errorf("the list row %q does not say it came through the relay", row)
	}
	if !strings.Contains(ov.meta.Text, "A program on this computer handed it to the local relay.") {
		t.Errorf("details = %q", ov.meta.Text)
	}

	// Back on the view (from the menu), switched off: it stops listening.
	h.m.profiles.list.Select(0)
	h.m.menuUse.Action()
	v = h.m.useView
	if !v.run.Checked {
		t.Fatal("the view shows the running relay as off")
	}
	test.Tap(v.run)
	h.waitFor("the relay to stop", 10*time.Second, func() bool { return r.state == relayOff })
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the relay still listens after it was switched off")
	}
	if h.app.Preferences().Bool(prefRelayRun) || v.listen.entry.Disabled() {
		t.Error("switched off, the choice is not remembered or the address cannot be edited")
	}
	if h.m.lastError != "" {
		t.Errorf("an error was shown: %s", h.m.lastError)
	}
}

// With AUTH on, the view shows the relay credential (hidden until asked),
// and programs that log in with it may send; others are refused.
func TestUseRelayCredential(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Config{})
	dir := outboxDir(t, "10m")
	saveProfiles(t, dir, smtp.Profile{Name: "work", Host: "127.0.0.1", Port: srv.Port, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"})
	h := useHarness(t, dir, t.TempDir())
	v := h.openUse()
	if v.credBox.Visible() {
		t.Fatal("the credential shows while AUTH is off")
	}
	test.Tap(v.auth)
	h.waitFor("the credential", 5*time.Second, func() bool { return v.credential != "" })
	stored, err := h.keyring.Get(relay.CredentialKey)
	if err != nil || stored != v.credential {
		t.Fatalf("the keyring holds %q (%v), the view %q", stored, err, v.credential)
	}
	if !v.credBox.Visible() || strings.Contains(v.credPass.Text, stored) || v.credUser.Text != relay.CredentialUser {
		t.Fatalf("credential box visible %v, password shown %q, user %q", v.credBox.Visible(), v.credPass.Text, v.credUser.Text)
	}
	test.Tap(v.credShow)
	if v.credPass.Text != stored {
		t.Error("Show did not show the password")
	}
	test.Tap(v.credCopy)
	if h.app.Clipboard().Content() != stored {
		t.Error("Copy did not put the password on the clipboard")
	}
	test.Tap(v.credShow)
	if v.credPass.Text == stored {
		t.Error("Hide did not hide the password")
	}

	test.Tap(v.run)
	r := h.m.relay
	h.waitFor("the relay to start", 10*time.Second, func() bool { return r.state == relayRunning || r.state == relayFailed })
	if r.state != relayRunning || !r.auth {
		t.Fatalf("relay state %v (auth %v): %v", r.state, r.auth, r.err)
	}
	msg := []byte("Subject: cron\r\n\r\nhello\r\n")
	if err := netsmtp.SendMail(r.addr, nil, "ann@example.com", []string{"bob@example.com"}, msg); err == nil {
		t.Fatal("the relay took a message without the credential")
	}
	h.waitFor("the refusal to show", 5*time.Second, func() bool { return v.refused.box.Visible() })
	auth := netsmtp.PlainAuth("", relay.CredentialUser, stored, "127.0.0.1")
	if err := netsmtp.SendMail(r.addr, auth, "ann@example.com", []string{"bob@example.com"}, msg); err != nil {
		t.Fatalf("with the credential: %v", err)
	}
	h.waitFor("the message to be delivered", 10*time.Second, func() bool { return len(srv.Messages()) == 1 })
}

// A port that another program holds is said in plain words, with a fix,
// and the switch goes back off.
func TestUseRelayPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	saveProfiles(t, dir, smtp.Profile{Name: "work", Host: "127.0.0.1", Port: 1, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"})
	h := useHarness(t, dir, t.TempDir())
	v := h.openUse()
	test.Type(v.listen.entry, "x")
	if !v.listen.showing() || !v.install.Disabled() {
		t.Errorf("an invalid address is not shown as such (%q), or can be installed", v.listen.msg.Text)
	}
	typeInto(v.listen.entry, "192.0.2.1:2587")
	if !strings.Contains(v.listen.msg.Text, "only on this computer") {
		t.Errorf("a non-loopback address: %q", v.listen.msg.Text)
	}
	taken := ln.Addr().String()
	typeInto(v.listen.entry, taken)
	if v.listen.showing() {
		t.Fatalf("a valid address is refused: %q", v.listen.msg.Text)
	}
	test.Tap(v.run)
	r := h.m.relay
	h.waitFor("the start to fail", 10*time.Second, func() bool { return r.state == relayFailed })
	want := "Another program already listens on " + taken + ".\nChoose another port, such as 127.0.0.1:"
	if !strings.HasPrefix(v.relayState.text.Text, want) || v.run.Checked {
		t.Fatalf("state %q (switch on %v), want it to start with %q", v.relayState.text.Text, v.run.Checked, want)
	}
	if got := h.app.Preferences().String(prefRelayListen); got != taken {
		t.Errorf("the address was not remembered: %q", got)
	}
	if h.m.lastError != "" {
		t.Errorf("a dialog was shown as well: %s", h.m.lastError)
	}
}

// Each export is a tab with the program's settings, never the password,
// and a Copy button that puts them on the clipboard.
func TestUseExportTabsCopyWithoutPassword(t *testing.T) {
	dir := t.TempDir()
	saveProfiles(t, dir, smtp.Profile{Name: "work", Host: "smtp.example.com", Port: 587, Security: smtp.SecuritySTARTTLS,
		Auth: smtp.AuthPlain, Username: "ann@example.com", From: "ann@example.com"})
	h := useHarness(t, dir, t.TempDir())
	const password = "correct-horse-battery"
	if err := h.keyring.Set("work", password); err != nil {
		t.Fatal(err)
	}
	v := h.openUse()
	x := v.exports
	if len(x.tabs.Items) != 8 || x.tabs.Items[2].Text != "Environment" {
		t.Fatalf("%d tabs, the third %q", len(x.tabs.Items), x.tabs.Items[2].Text)
	}
	for id, l := range x.texts {
		if l.Text == "" || strings.Contains(l.Text, password) {
			t.Errorf("%s: empty, or holds the password: %q", id, l.Text)
		}
	}
	i := -1
	for j, id := range x.ids {
		if id == "python" {
			i = j
		}
	}
	x.tabs.SelectIndex(i)
	if h.app.Preferences().String(prefExportTab) != "python" {
		t.Error("the tab shown was not remembered")
	}
	code := x.texts["python"].Text
	if !strings.Contains(code, "smtplib") || !strings.Contains(code, "smtp.example.com") || !strings.Contains(code, "SMTP_PASSWORD") {
		t.Fatalf("the Python tab = %q", code)
	}
	test.Tap(x.copy["python"])
	if got := h.app.Clipboard().Content(); got != code || strings.Contains(got, password) {
		t.Fatalf("clipboard = %q", got)
	}
	if x.copy["python"].Text != "Copied" {
		t.Errorf("the button says %q after copying", x.copy["python"].Text)
	}

	// Opened again, the view shows the tab shown last.
	h.m.showUse("work")
	if got := h.m.useView.exports.tabs.SelectedIndex(); got != i {
		t.Errorf("tab %d selected, want %d", got, i)
	}
}

// "Make this the default" stores the default profile, and the list marks it.
func TestUseSetDefaultProfile(t *testing.T) {
	dir := t.TempDir()
	saveProfiles(t, dir,
		smtp.Profile{Name: "home", Host: "127.0.0.1", Port: 1, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.net"},
		smtp.Profile{Name: "work", Host: "127.0.0.1", Port: 1, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"})
	h := useHarness(t, dir, t.TempDir())
	pv := h.m.profiles
	pv.list.Select(pv.indexOf("work"))
	v := h.openUse()
	if v.profile.Name != "work" || !v.makeDefault.Visible() || !strings.HasPrefix(v.defaultNote.text.Text, "No default profile is set") {
		t.Fatalf("profile %q, button visible %v, note %q", v.profile.Name, v.makeDefault.Visible(), v.defaultNote.text.Text)
	}
	test.Tap(v.makeDefault)
	if def, err := h.m.store.Default(); err != nil || def != "work" {
		t.Fatalf("default = %q, %v", def, err)
	}
	if v.makeDefault.Visible() || !strings.HasPrefix(v.defaultNote.text.Text, "“work” is the default profile") {
		t.Errorf("button visible %v, note %q", v.makeDefault.Visible(), v.defaultNote.text.Text)
	}
	sub := func(name string) string {
		obj := pv.list.CreateItem()
		pv.list.UpdateItem(pv.indexOf(name), obj)
		return strings.Join(visibleTexts(obj), " | ")
	}
	if got := sub("work"); !strings.Contains(got, "Default · 127.0.0.1:1") {
		t.Errorf("the list row of the default = %q", got)
	}
	if got := sub("home"); strings.Contains(got, "Default") {
		t.Errorf("the list row of another profile = %q", got)
	}
	// The other profile's view names the default.
	h.m.showUse("home")
	if got := h.m.useView.defaultNote.text.Text; !strings.HasPrefix(got, "The default profile is “work”") {
		t.Errorf("note = %q", got)
	}
	// Back to setup shows the profile's setup.
	test.Tap(h.m.useView.back)
	if h.m.useShown() || h.m.wizard == nil || !h.m.showing(h.m.wizard.root) {
		t.Error("Back to setup did not show the setup")
	}
}

// Without systemd, "Install as a service" writes the unit and says what to
// run; Remove takes it away again. The sendmail link uses the program's
// real path.
func TestUseServiceAndSendmailLink(t *testing.T) {
	dir := t.TempDir()
	home := t.TempDir()
	saveProfiles(t, dir, smtp.Profile{Name: "work", Host: "127.0.0.1", Port: 1, Security: smtp.SecurityNone, Auth: smtp.AuthNone, From: "ann@example.com"})
	h := useHarness(t, dir, home)
	v := h.openUse()
	exe, err := executable()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.linkCmd.Text, "sudo ln -s ") || !strings.Contains(v.linkCmd.Text, filepath.Base(exe)) || !strings.HasSuffix(v.linkCmd.Text, " /usr/sbin/sendmail") {
		t.Errorf("link command = %q", v.linkCmd.Text)
	}
	test.Tap(v.linkCopy)
	if h.app.Clipboard().Content() != v.linkCmd.Text {
		t.Error("Copy did not copy the link command")
	}

	test.Tap(v.install)
	h.waitFor("the install", 10*time.Second, func() bool { return !v.serviceOp })
	unit := filepath.Join(home, ".config", "systemd", "user", relay.UnitName)
	data, err := os.ReadFile(unit)
	if err != nil {
		t.Fatalf("no unit written: %v (%s)", err, v.serviceNote.text.Text)
	}
	if !strings.Contains(string(data), "relay --listen=127.0.0.1:0") || !strings.Contains(string(data), dir) {
		t.Errorf("unit = %s", data)
	}
	if !strings.HasPrefix(v.serviceNote.text.Text, "The service file "+unit+" was written, but systemd could not be told") ||
		!v.manualBox.Visible() || !strings.Contains(v.manual.Text, "systemctl --user enable --now "+relay.UnitName) {
		t.Errorf("note %q, commands %q", v.serviceNote.text.Text, v.manual.Text)
	}
	if !v.remove.Visible() || !strings.HasPrefix(v.serviceState.Text, "Installed") {
		t.Errorf("installed: remove visible %v, state %q", v.remove.Visible(), v.serviceState.Text)
	}

	test.Tap(v.remove)
	h.waitFor("the removal", 10*time.Second, func() bool { return !v.serviceOp })
	if _, err := os.Stat(unit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the unit is still there: %v", err)
	}
	if v.remove.Visible() || !strings.Contains(v.serviceNote.text.Text, "was removed") {
		t.Errorf("removed: remove visible %v, note %q", v.remove.Visible(), v.serviceNote.text.Text)
	}
}

// The origin labels of the outbox.
func TestOutboxOriginWords(t *testing.T) {
	for o, want := range map[queue.Origin]string{
		queue.OriginTest: "Test message", queue.OriginRelay: "Via the relay", queue.OriginSendmail: "Via sendmail", "": "",
	} {
		if got := o.Name(); got != want {
			t.Errorf("Name(%q) = %q, want %q", o, got, want)
		}
		if (o.Sentence() == "") != (want == "") {
			t.Errorf("Sentence(%q) = %q", o, o.Sentence())
		}
	}
	if got := joinSentences("Sent.", "", "Via relay."); got != "Sent. Via relay." {
		t.Errorf("joinSentences = %q", got)
	}
	if got := joinSentences("已发送。", "经由中继。"); got != "已发送。经由中继。" {
		t.Errorf("joinSentences in Chinese = %q", got)
	}
}

// The view speaks Chinese: every sentence, button and title; the names of
// programs and commands stay as they are.
func TestUseInChinese(t *testing.T) {
	if !i18n.Use("zh") {
		t.Fatal("Use(zh) refused")
	}
	defer i18n.Use("en")
	dir := t.TempDir()
	saveProfiles(t, dir, smtp.Profile{Name: "work", Host: "smtp.example.com", Port: 587, Security: smtp.SecuritySTARTTLS,
		Auth: smtp.AuthPlain, Username: "ann@example.com", From: "ann@example.com"})
	h := useHarness(t, dir, t.TempDir())
	h.win.Resize(fyne.NewSize(defaultWidth, defaultHeight))
	v := h.openUse()
	test.Tap(v.auth)
	h.waitFor("the credential", 5*time.Second, func() bool { return v.credential != "" })
	skip := []fyne.CanvasObject{v.linkCmd, v.credUser, v.credPass}
	for _, l := range v.exports.texts {
		skip = append(skip, l)
	}
	data := []string{"work", "127.0.0.1:0", relay.CredentialUser, "sendmail", "/usr/sbin/sendmail", "Cron", "PHP", "mail()", "mailx",
		"git send-email", "CMS", "msmtp", "Postfix", "Python", "Node.js", "Go", "SMTP_PASSWORD", "--require-auth", "--starttls", "smtpconf relay",
		"smtplib", "Nodemailer", "PHPMailer", "go-mail", "main.cf", "msmtprc", "twelve-factor"}
	// The program's path, and where /usr/sbin/sendmail leads on this machine.
	if exe, err := executable(); err == nil {
		data = append(data, exe)
	}
	if target, err := filepath.EvalSymlinks(sendmailPath); err == nil {
		data = append(data, target)
	}
	assertChinese(t, "use view", v.root, skip, data,
		"让其他应用使用“work”", "返回设置", "本地中继", "本窗口打开时运行中继", "地址", "要求程序提供用户名和密码",
		"作为服务运行", "安装为服务", "默认配置", "设为默认", "sendmail 命令", "其他程序的设置", "环境变量", "复制")
}
