package export

import (
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smtpconf/smtpconf/smtp"
)

// hostile are values that break naive quoting in at least one target.
var hostile = []string{
	`plain`, `it's`, `say "hi"`, `back\slash`, `trailing\`, `\`, `\\`, `$HOME`, "`id`", `$(id)`, `${x}`, `$$`,
	` leading space`, `trailing space `, `#hash`, `a #b`, `;semi`, `a'b"c\d$e`, `中文 名字`, `?>`, `*/`, `/*`,
	`""`, `''`, `\"`, `\'`, `%s %d`, `{{x}}`, `\u0041`, `\x41`, `\n`, `!event`, `a=b`, `[section]`, `<?php`, `'); drop --`,
}

// TestQuotersInRealInterpreters hands every hostile value, quoted, to the
// language that reads it and compares what comes back.
func TestQuotersInRealInterpreters(t *testing.T) {
	dir := t.TempDir()
	join := func(q func(string) string) string {
		parts := make([]string, len(hostile))
		for i, v := range hostile {
			parts[i] = q(v)
		}
		return strings.Join(parts, ", ")
	}
	check := func(t *testing.T, out string) {
		t.Helper()
		got := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00")
		if len(got) != len(hostile) {
			t.Fatalf("got %d values, want %d: %q", len(got), len(hostile), got)
		}
		for i, v := range hostile {
			if got[i] != v {
				t.Errorf("%q came back as %q", v, got[i])
			}
		}
	}
	t.Run("sh", func(t *testing.T) {
		sh := needTool(t, "sh", "dash")
		parts := make([]string, len(hostile))
		for i, v := range hostile {
			parts[i] = ShellQuote(v)
		}
		check(t, runTool(t, dir, nil, "", sh, "-c", `printf '%s\0' `+strings.Join(parts, " ")))
	})
	t.Run("python", func(t *testing.T) {
		py := needTool(t, "python3", "python3")
		prog := "import sys\nfor v in [" + join(pyStr) + "]:\n    sys.stdout.write(v + \"\\0\")\n"
		check(t, runTool(t, dir, []string{"PYTHONIOENCODING=utf-8"}, prog, py, "-"))
	})
	t.Run("node", func(t *testing.T) {
		node := needTool(t, "node", "nodejs")
		prog := "for (const v of [" + join(jsStr) + "]) process.stdout.write(v + \"\\0\");\n"
		check(t, runTool(t, dir, nil, prog, node, "-"))
	})
	t.Run("php", func(t *testing.T) {
		php := needTool(t, "php", "php-cli")
		prog := "<?php foreach ([" + join(phpStr) + "] as $v) { echo $v, \"\\0\"; }\n"
		check(t, runTool(t, dir, nil, prog, php))
	})
	t.Run("go", func(t *testing.T) {
		for _, v := range hostile {
			if got, err := strconv.Unquote(goStr(v)); err != nil || got != v {
				t.Errorf("%q: %q, %v", v, got, err)
			}
		}
	})
	t.Run("git", func(t *testing.T) {
		git := needTool(t, "git", "git")
		var b strings.Builder
		b.WriteString("[t]\n")
		for _, v := range hostile {
			b.WriteString("\tv = " + gitStr(v) + " # a comment after the value\n")
		}
		f := filepath.Join(dir, "git.conf")
		if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		check(t, runTool(t, dir, nil, "", git, "config", "-f", f, "-z", "--get-all", "t.v"))
	})
	t.Run("msmtp", func(t *testing.T) {
		msmtp := needTool(t, "msmtp", "msmtp")
		var b strings.Builder
		for i, v := range hostile {
			fmt.Fprintf(&b, "account a%d\nhost 127.0.0.1\nuser %s\ndomain %s\n\n", i, msmtpStr(v), msmtpStr(v))
		}
		f := filepath.Join(dir, "msmtprc")
		if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		for i, v := range hostile {
			out := runTool(t, dir, nil, "", msmtp, "-C", f, "-a", fmt.Sprintf("a%d", i), "--pretend", "x@example.com")
			if !strings.Contains(out, "\nuser = "+v+"\n") || !strings.Contains(out, "\ndomain = "+v+"\n") {
				t.Errorf("%q: msmtp read:\n%s", v, out)
			}
		}
	})
	t.Run("postfix", func(t *testing.T) {
		postconf := needTool(t, "postconf", "postfix")
		for _, v := range hostile {
			if strings.TrimSpace(v) != v || strings.ContainsAny(v, " \t") {
				continue // Postfix trims and splits on blanks; the export refuses such values
			}
			d := postfixDir(t, "smtp_helo_name = "+postfixStr(v)+"\n")
			out, errOut, err := tryTool(t, d, nil, "", postconf, "-c", d, "-n", "-x")
			if want := "smtp_helo_name = " + v + "\n"; err != nil || !strings.Contains(out, want) || errOut != "" {
				t.Errorf("%q: postconf read %q (%v) %s", v, out, err, errOut)
			}
		}
	})
}

// FuzzQuoters checks every quoter against a small decoder of the target's
// rules: the value comes back exactly and the literal cannot end early.
func FuzzQuoters(f *testing.F) {
	for _, v := range hostile {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || hasControl(s) {
			return // newJob refuses these before any quoter sees them
		}
		if got, err := strconv.Unquote(goStr(s)); err != nil || got != s {
			t.Errorf("go %q: %q %v", s, got, err)
		}
		var js string
		if err := json.Unmarshal([]byte(jsStr(s)), &js); err != nil || js != s {
			t.Errorf("js %q: %q %v", s, js, err)
		}
		for name, c := range map[string]struct {
			quote func(string) string
			q     byte
		}{"python": {pyStr, '"'}, "git": {gitStr, '"'}, "php": {phpStr, '\''}} {
			got, ok := unescape(c.quote(s), c.q)
			if !ok || got != s {
				t.Errorf("%s %q: literal %s decodes to %q (%v)", name, s, c.quote(s), got, ok)
			}
		}
		if got, ok := shellWords(ShellQuote(s)); !ok || got != s {
			t.Errorf("sh %q: %s reads as %q (%v)", s, ShellQuote(s), got, ok)
		}
		if m := msmtpStr(s); m[0] != '"' || m[len(m)-1] != '"' || m[1:len(m)-1] != s {
			t.Errorf("msmtp %q: %s", s, m)
		}
		p := postfixStr(s)
		if strings.ReplaceAll(p, "$$", "") != strings.ReplaceAll(s, "$", "") || strings.ReplaceAll(p, "$$", "$") != s {
			t.Errorf("postfix %q: %s", s, p)
		}
	})
}

// unescape reads a literal quoted with q in which backslash escapes only
// itself and q, as pyStr, gitStr and phpStr write them. ok is false if the
// literal is malformed or the quote closes before the end.
func unescape(lit string, q byte) (string, bool) {
	if len(lit) < 2 || lit[0] != q || lit[len(lit)-1] != q {
		return "", false
	}
	var b strings.Builder
	in := lit[1 : len(lit)-1]
	for i := 0; i < len(in); i++ {
		switch c := in[i]; {
		case c == q:
			return "", false // would end the literal early
		case c == '\\':
			if i+1 >= len(in) || (in[i+1] != '\\' && in[i+1] != q) {
				return "", false
			}
			i++
			b.WriteByte(in[i])
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// shellWords reads one POSIX shell word made of unquoted safe characters,
// single-quoted parts and \' (what ShellQuote writes); anything the shell
// would expand or split is refused.
func shellWords(w string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '\'':
			j := strings.IndexByte(w[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(w[i+1 : i+1+j])
			i += j + 1
		case c == '\\':
			if i+1 >= len(w) || w[i+1] != '\'' {
				return "", false
			}
			b.WriteByte('\'')
			i++
		case shellSafe(string(c)):
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	return b.String(), w != ""
}

// hostileProfile has quotes, spaces, backslashes and shell syntax in every
// free-text field a valid profile may hold them in.
func hostileProfile(t *testing.T) smtp.Profile {
	dir := filepath.Join(t.TempDir(), `it's "a" $dir \ `+"`x`")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca $(id) '\" ?>.pem")
	if err := os.WriteFile(ca, []byte("not used"), 0o600); err != nil {
		t.Fatal(err)
	}
	return smtp.Profile{
		Name: `it's "work" $(id) ?> */ #1`, Host: "smtp.example.com", Port: 587,
		Security: smtp.SecuritySTARTTLS, Auth: smtp.AuthLogin,
		Username: `o'hara "\" $USER ` + "`id`", From: `"Ann \"A\" O'Hara" <ann@example.com>`,
		FromName: `Ann "A" O'Hara \ $x ?> */`, HELO: "client.example.net", Timeout: smtp.Duration(7 * time.Second),
		CAFile: ca,
	}
}

// TestHostileProfileStillParses renders a hostile profile in every format
// and has each target's own parser read the result: nothing breaks out of
// its quotes, and the values read back are the profile's.
func TestHostileProfileStillParses(t *testing.T) {
	p := hostileProfile(t)
	pw := `pa'ss"wo\rd $x ` + "`id` ?>"
	dir := t.TempDir()
	write := func(name, content string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, opts := range []Options{{OS: "linux"}, {OS: "darwin"}, {OS: "linux", Password: pw}} {
		t.Run(fmt.Sprintf("%s,password=%v", opts.OS, opts.Password != ""), func(t *testing.T) {
			t.Run("python", func(t *testing.T) {
				py := needTool(t, "python3", "python3")
				f := write("send.py", render(t, "python", p, opts))
				runTool(t, dir, nil, "", py, "-c", `import ast,sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())`, f)
				// The constants the program defines are the profile's values.
				out := runTool(t, dir, []string{"PYTHONIOENCODING=utf-8"}, "", py, "-c",
					`import ast,sys,json
t=ast.parse(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({n.targets[0].id: ast.literal_eval(n.value) for n in t.body if isinstance(n, ast.Assign)}))`, f)
				var got map[string]any
				if err := json.Unmarshal([]byte(out), &got); err != nil {
					t.Fatal(err)
				}
				if got["USERNAME"] != p.Username || got["FROM_NAME"] != p.FromName || got["CA_FILE"] != p.CAFile {
					t.Errorf("python constants %v", got)
				}
			})
			t.Run("node", func(t *testing.T) {
				node := needTool(t, "node", "nodejs")
				runTool(t, dir, nil, "", node, "--check", write("send.js", render(t, "nodemailer", p, opts)))
			})
			t.Run("php", func(t *testing.T) {
				php := needTool(t, "php", "php-cli")
				out := render(t, "phpmailer", p, opts)
				for _, l := range strings.Split(out, "\n") {
					if strings.HasPrefix(strings.TrimSpace(l), "//") && strings.Contains(l, "?>") {
						t.Errorf("a comment leaves PHP mode: %s", l)
					}
				}
				runTool(t, dir, nil, "", php, "-l", write("send.php", out))
			})
			t.Run("go", func(t *testing.T) {
				src := render(t, "go", p, opts)
				if _, err := parser.ParseFile(token.NewFileSet(), "main.go", src, parser.AllErrors); err != nil {
					t.Errorf("go: %v\n%s", err, src)
				}
			})
			t.Run("git", func(t *testing.T) {
				if opts.OS == "darwin" {
					return // git reads the same file on every OS
				}
				git := needTool(t, "git", "git")
				f := write("git.conf", render(t, "git", p, opts))
				if got := runTool(t, dir, nil, "", git, "config", "-f", f, "--get", "sendemail.smtpUser"); got != p.Username+"\n" {
					t.Errorf("git smtpUser = %q", got)
				}
				if got := runTool(t, dir, nil, "", git, "config", "-f", f, "--get", "sendemail.smtpSSLCertPath"); got != p.CAFile+"\n" {
					t.Errorf("git smtpSSLCertPath = %q", got)
				}
				if opts.Password != "" {
					if got := runTool(t, dir, nil, "", git, "config", "-f", f, "--get", "sendemail.smtpPass"); got != pw+"\n" {
						t.Errorf("git smtpPass = %q", got)
					}
				}
			})
			t.Run("env", func(t *testing.T) {
				sh := needTool(t, "sh", "dash")
				f := write("smtp.env", render(t, "env", p, opts))
				out := runTool(t, dir, nil, "", sh, "-c", `set -a; . "$1"; set +a; printf '%s\0' "$SMTP_USERNAME" "$SMTP_FROM_NAME" "$SMTP_CA_FILE" "${SMTP_PASSWORD:-}"`, "sh", f)
				want := []string{p.Username, p.FromName, p.CAFile, opts.Password}
				if got := strings.Split(strings.TrimSuffix(out, "\x00"), "\x00"); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("env read back %q, want %q", got, want)
				}
			})
			t.Run("msmtp", func(t *testing.T) {
				msmtp := needTool(t, "msmtp", "msmtp")
				f := write("msmtprc", render(t, "msmtprc", p, opts))
				// --pretend runs passwordeval: a stand-in secret-tool records
				// the arguments it gets, which must be the profile's name intact.
				bin := filepath.Join(dir, "bin")
				if err := os.MkdirAll(bin, 0o700); err != nil {
					t.Fatal(err)
				}
				args := filepath.Join(dir, "args")
				for tool, prints := range map[string]string{"secret-tool": "pw", "security": darwinPrefix + "cHc="} {
					fake := "#!/bin/sh\nprintf '%s\\0' \"$@\" > " + ShellQuote(args) + "\necho " + prints + "\n"
					if err := os.WriteFile(filepath.Join(bin, tool), []byte(fake), 0o700); err != nil {
						t.Fatal(err)
					}
				}
				out := runTool(t, dir, []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}, "", msmtp, "-C", f, "--pretend", "x@example.com")
				if opts.Password == "" {
					got, err := os.ReadFile(args)
					want := strings.Join([]string{"lookup", "service", "smtpconf", "username", p.Name, ""}, "\x00")
					if opts.OS == "darwin" {
						want = strings.Join([]string{"find-generic-password", "-s", "smtpconf", "-a", p.Name, "-w", ""}, "\x00")
					}
					if err != nil || string(got) != want {
						t.Errorf("secret-tool got %q (%v), want %q", got, err, want)
					}
				}
				for _, want := range []string{"\nuser = " + p.Username + "\n", "\ntls_trust_file = " + p.CAFile + "\n"} {
					if !strings.Contains(out, want) {
						t.Errorf("msmtp lacks %q:\n%s", want, out)
					}
				}
				if opts.Password == "" && opts.OS == "linux" && !strings.Contains(out, "\npasswordeval = secret-tool lookup service smtpconf username "+ShellQuote(p.Name)+"\n") {
					t.Errorf("msmtp passwordeval:\n%s", out)
				}
			})
		})
	}
}
