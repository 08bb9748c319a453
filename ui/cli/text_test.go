package cli

import (
	"strings"
	"testing"
)

func TestTextWidth(t *testing.T) {
	for s, want := range map[string]int{
		"": 0, "gmail": 5, "QQ邮箱": 6, "网易163邮箱": 11, "（由你填写）": 12, "→": 1, "SSL/TLS": 7,
	} {
		if got := textWidth(s); got != want {
			t.Errorf("textWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestTableAlignsByDisplayWidth(t *testing.T) {
	var b strings.Builder
	table(&b, 2, [][]string{
		{"预设", "名称", "服务器"},
		{"qq", "QQ邮箱", "smtp.qq.com:465"},
		{"gmail", "Gmail / Google Workspace", "smtp.gmail.com:465"},
		{"custom", "自定义服务器", "（由你填写）"},
	})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	var col []int
	for _, l := range lines {
		// The third column starts where its text starts in each line.
		i := strings.LastIndex(l, "  ") + 2
		col = append(col, textWidth(l[:i]))
	}
	for i, c := range col {
		if c != col[0] {
			t.Errorf("line %d: third column at %d, want %d:\n%s", i, c, col[0], b.String())
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in string
		w  int
	}{
		{"Passwords are kept in the OS keyring (service \"smtpconf\"); the command line takes one only from standard input.", 40},
		{"密码（包括授权码）保存在系统钥匙环中（服务名 \"smtpconf\"）；命令行只通过 --password-stdin 从标准输入读取密码。", 30},
		{"自 2024 年 9 月起，Outlook.com 只接受 Microsoft 账号登录（OAuth2）；邮箱密码和应用专用密码都会被拒绝。", 25},
	} {
		lines := wrap(tc.in, tc.w)
		joined := ""
		for i, l := range lines {
			if textWidth(l) > tc.w {
				t.Errorf("line %q is %d columns, more than %d", l, textWidth(l), tc.w)
			}
			if i > 0 && strings.ContainsAny(l[:len(string([]rune(l)[0]))], "，。；：）") {
				t.Errorf("line %q begins with closing punctuation", l)
			}
			if strings.HasSuffix(l, "（") {
				t.Errorf("line %q ends with an opening bracket", l)
			}
			joined += l
		}
		// Nothing but the spaces at the breaks is lost.
		if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(tc.in, " ", "") {
			t.Errorf("wrap lost text:\n%q\n%q", joined, tc.in)
		}
	}
}
