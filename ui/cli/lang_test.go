package cli_test

// The command line speaks English and Simplified Chinese: --lang, then
// $SMTPCONF_LANG, then the system locale pick the language. What programs
// read (JSON keys and values, exit codes) is the same in every language.

import (
	"os/exec"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/width"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

// locale is an environment naming a language the way a system does, with
// every other variable that could choose one cleared.
func locale(vars ...string) []string {
	env := []string{"LC_ALL=", "LC_MESSAGES=", "LANG=", "LANGUAGE=", "SMTPCONF_LANG="}
	return append(env, vars...)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestLanguageChoice(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		chinese bool
	}{
		{"--lang zh", locale("LANG=C"), []string{"--lang", "zh", "help"}, true},
		{"--lang=zh after the command", locale("LANG=C"), []string{"help", "--lang=zh"}, true},
		{"LANG=zh_CN.UTF-8", locale("LANG=zh_CN.UTF-8"), []string{"help"}, true},
		{"LC_ALL=zh_SG over LANG", locale("LANG=en_US.UTF-8", "LC_ALL=zh_SG.UTF-8"), []string{"help"}, true},
		{"LANGUAGE=zh_CN", locale("LANG=en_US.UTF-8", "LANGUAGE=zh_CN:en"), []string{"help"}, true},
		{"SMTPCONF_LANG=zh", locale("LANG=C", "SMTPCONF_LANG=zh"), []string{"help"}, true},
		{"SMTPCONF_LANG=zh-Hans", locale("LANG=C", "SMTPCONF_LANG=zh-Hans"), []string{"help"}, true},
		{"--lang en over SMTPCONF_LANG and LANG", locale("LANG=zh_CN.UTF-8", "SMTPCONF_LANG=zh"), []string{"--lang", "en", "help"}, false},
		{"LANG=C", locale("LANG=C"), []string{"help"}, false},
		{"LANG=C.UTF-8", locale("LANG=C.UTF-8"), []string{"help"}, false},
		{"no locale at all", locale(), []string{"help"}, false},
		{"LANG=de_DE (no translation)", locale("LANG=de_DE.UTF-8"), []string{"help"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, dir, "", tc.env, tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			// The syntax stays as it is in every language.
			for _, s := range []string{"smtpconf profile save NAME", "--lang CODE", "--config-dir DIR", "--password-stdin"} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("usage lacks %q:\n%s", s, r.stdout)
				}
			}
			if tc.chinese {
				for _, s := range []string{"用法：", "全局选项：", "打开窗口", "退出码"} {
					if !strings.Contains(r.stdout, s) {
						t.Errorf("Chinese usage lacks %q:\n%s", s, r.stdout)
					}
				}
			} else {
				if hasHan(r.stdout) || !strings.Contains(r.stdout, "Usage:") || !strings.Contains(r.stdout, "open the window") {
					t.Errorf("usage is not English:\n%s", r.stdout)
				}
			}
		})
	}
}

func TestUsageFitsTheTerminal(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		r := run(t, t.TempDir(), "", locale(), "--lang", lang, "help")
		for _, l := range strings.Split(r.stdout, "\n") {
			// The syntax lines are as long as the syntax is; the rest wraps.
			if displayWidth(l) > 80 && !strings.HasPrefix(strings.TrimSpace(l), "smtpconf ") && !strings.HasPrefix(strings.TrimSpace(l), "[") {
				t.Errorf("%s: line wider than 80 columns: %q", lang, l)
			}
		}
	}
}

func TestErrorsInChinese(t *testing.T) {
	dir := t.TempDir()
	zh := locale("LANG=zh_CN.UTF-8")
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"unknown profile", zh, []string{"profile", "show", "missing"}, []string{`没有名为 "missing" 的配置`, "提示："}},
		{"unknown profile, --lang", locale("LANG=C"), []string{"profile", "show", "missing", "--lang", "zh"}, []string{`没有名为 "missing" 的配置`}},
		{"unknown command", zh, []string{"frobnicate"}, []string{`没有 "frobnicate" 这个命令`, "运行 'smtpconf help' 查看用法。"}},
		{"unknown flag", zh, []string{"presets", "--frob"}, []string{"没有 --frob 这个选项"}},
		{"bad port", zh, []string{"profile", "save", "p", "--host", "h", "--port", "x"}, []string{"不是 --port 的有效值"}},
		{"unknown preset", zh, []string{"profile", "save", "p", "--preset", "nope"}, []string{`没有预设 "nope"`}},
		{"bad security", zh, []string{"profile", "save", "p", "--host", "h", "--security", "ssl3"}, []string{"--security \"ssl3\"：请使用以下之一：tls, starttls, none"}},
		{"queue subcommand", zh, []string{"queue", "frob"}, []string{`queue 没有 "frob" 这个子命令`}},
		{"unknown message", zh, []string{"queue", "delete", "nosuchid0000000"}, []string{"提示："}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, dir, "", tc.env, tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if first, _, _ := strings.Cut(r.stderr, "\n"); !hasHan(first) {
				t.Errorf("the error is not in Chinese: %q", first)
			}
		})
	}
	// The same in English, with LANG=C.
	r := run(t, dir, "", locale("LANG=C"), "profile", "show", "missing")
	if r.code != 2 || hasHan(r.stderr) || !strings.Contains(r.stderr, `There is no profile named "missing"`) {
		t.Fatalf("English: exit %d: %s", r.code, r.stderr)
	}
}

func TestUnknownLanguage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		says string
	}{
		{"--lang xx", locale("LANG=C"), []string{"--lang", "xx", "presets"}, `--lang "xx"`},
		{"--lang=xx after the command", locale("LANG=C"), []string{"presets", "--lang=xx"}, `--lang "xx"`},
		{"--lang xx, no command (the window)", locale("LANG=C"), []string{"--lang", "xx"}, `--lang "xx"`},
		{"--lang with no value", locale("LANG=C"), []string{"presets", "--lang"}, "--lang needs a language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, dir, "", tc.env, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.says) || !strings.Contains(r.stderr, "en, zh") || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
	// An unknown $SMTPCONF_LANG (set once for a whole session) is only a
	// warning: the command runs, in the system's language.
	r := run(t, dir, "", locale("LANG=C", "SMTPCONF_LANG=xx"), "presets")
	if r.code != 0 || !strings.Contains(r.stderr, "SMTPCONF_LANG=xx is not a language") || !strings.Contains(r.stderr, "en, zh") || !strings.Contains(r.stdout, "gmail") {
		t.Fatalf("SMTPCONF_LANG=xx: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// Said in the system's language.
	r = run(t, dir, "", locale("LANG=zh_CN.UTF-8"), "--lang", "xx", "presets")
	if r.code != 2 || !strings.Contains(r.stderr, "没有这种语言") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestChineseJSONKeepsTheContract: in Chinese, --json still has the
// contract's fields and English values; only the hint is in Chinese, and
// the server's message is the server's.
func TestChineseJSONKeepsTheContract(t *testing.T) {
	dir := t.TempDir()
	fastOutbox(t, dir)
	zh := locale("LANG=C")
	// A temporary failure: the server refuses the recipient with 451.
	srv := smtptest.Start(t, smtptest.Config{Mode: smtptest.STARTTLS, FailRcpt: &smtptest.Reply{Code: 451, Enhanced: "4.7.1", Message: "Try again later"}})
	saveProfile(t, dir, srv, "127.0.0.1", srv.Port, "starttls", "none")
	for _, args := range [][]string{
		{"--lang", "zh", "test", "p", "--json", "--to", "you@example.com"},
		{"test", "p", "--json", "--to", "you@example.com", "--lang", "zh"},
	} {
		r := run(t, dir, "", zh, args...)
		var rep testReport
		decode(t, r, &rep)
		if r.code != 7 || rep.OK || rep.Stage != "rcpt" || rep.Code != 451 || rep.Enhanced != "4.7.1" || !rep.Temporary || !rep.Queued ||
			rep.QueueID == nil || *rep.QueueID == "" || rep.DurationMS == nil || rep.Transcript == nil {
			t.Fatalf("%v: exit %d: %+v\n%s", args, r.code, rep, r.stderr)
		}
		if !strings.Contains(rep.Message, "Try again later") || hasHan(rep.Message) {
			t.Errorf("message is not the server's words: %q", rep.Message)
		}
		if !hasHan(rep.Hint) {
			t.Errorf("hint is not in Chinese (smtp's hints translate through smtp/l10n): %q", rep.Hint)
		}
	}
	// A setup failure: the same object, stage "setup", a Chinese hint.
	r := run(t, dir, "", zh, "--lang", "zh", "check", "missing", "--json")
	var rep testReport
	decode(t, r, &rep)
	if r.code != 2 || rep.Stage != "setup" || rep.OK || rep.QueueID == nil {
		t.Fatalf("setup: exit %d: %+v", r.code, rep)
	}
	if !hasHan(rep.Hint) {
		t.Errorf("setup hint is not in Chinese: %q", rep.Hint)
	}
	// queue list --json: contract values in any language.
	items := listQueueEnv(t, dir, zh, "--lang", "zh")
	if len(items) != 2 {
		t.Fatalf("%+v", items)
	}
	for _, it := range items {
		if it.State != "deferred" {
			t.Errorf("state %q, want the contract's \"deferred\"", it.State)
		}
	}
	// People read the states and waits in Chinese.
	r = run(t, dir, "", zh, "--lang", "zh", "queue", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "已推迟") || !strings.Contains(r.stdout, "状态") || strings.Contains(r.stdout, "deferred") {
		t.Errorf("queue list in Chinese: exit %d\n%s", r.code, r.stdout)
	}
}

func listQueueEnv(t *testing.T, dir string, env []string, args ...string) []queueItem {
	t.Helper()
	r := run(t, dir, "", env, append(args, "queue", "list", "--json")...)
	var items []queueItem
	decode(t, r, &items)
	return items
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// columnAt is the display column at which byte offset i of s begins.
func columnAt(s string, i int) int { return displayWidth(s[:i]) }

// TestPresetsAlignByDisplayWidth: names with Chinese characters take two
// columns a character; every column starts at the same display column.
func TestPresetsAlignByDisplayWidth(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		r := run(t, t.TempDir(), "", locale(), "--lang", lang, "presets")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		tableText, notes, _ := strings.Cut(r.stdout, "\n\n")
		lines := strings.Split(tableText, "\n")
		header := lines[0]
		heads := []string{"PRESET", "NAME", "SERVER", "SECURITY", "DOMAINS"}
		if lang == "zh" {
			heads = []string{"预设", "名称", "服务器", "加密", "域名"}
		}
		var cols []int
		for _, h := range heads {
			i := strings.Index(header, h)
			if i < 0 {
				t.Fatalf("%s: header %q lacks %q", lang, header, h)
			}
			cols = append(cols, columnAt(header, i))
		}
		wide := 0
		for _, l := range lines[1:] {
			if displayWidth(l) != len([]rune(l)) {
				wide++
			}
			// Display column → character, to look at each column's start.
			var at []rune
			for _, r := range l {
				at = append(at, r)
				if displayWidth(string(r)) == 2 {
					at = append(at, 0) // the right half of a wide character
				}
			}
			for k, c := range cols[1:] {
				if c >= len(at) {
					if k+1 == len(cols)-1 {
						continue // no domains (custom, local)
					}
					t.Errorf("%s: %q ends before column %d", lang, l, c)
					continue
				}
				if at[c] == ' ' || at[c] == 0 || at[c-1] != ' ' || at[c-2] != ' ' {
					t.Errorf("%s: column %q does not start at display column %d in %q", lang, heads[k+1], c, l)
				}
			}
		}
		if wide == 0 {
			t.Errorf("%s: no preset name with Chinese characters; is the test looking at the right table?\n%s", lang, tableText)
		}
		if !strings.Contains(notes, "qq") {
			t.Errorf("%s: no notes after the table:\n%s", lang, notes)
		}
	}
}

// TestWindowLanguageFlagHeadless: `smtpconf --lang zh` without a command
// would open the window; the headless build says it has none, in Chinese.
func TestWindowLanguageFlagHeadless(t *testing.T) {
	cmd := exec.Command(binary, "--lang", "en")
	cmd.Env = locale("LANG=C")
	r := runCmd(t, cmd)
	if r.code != 2 || !strings.Contains(r.stderr, "no window") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
