package export

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Quoting of profile values for each target. newJob has already refused
// control characters (line breaks, NUL), so each quoter only has to handle
// printable text: quotes, backslashes, spaces, $, backticks, #, ;, and
// non-ASCII letters. quote_test.go runs the real interpreters on hostile
// values.

// shellSafe are the bytes a POSIX shell word may hold unquoted.
func shellSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("@%+=:,./_-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ShellQuote is s as one POSIX shell word: unchanged when it is safe, else
// in single quotes (inside which nothing is special), with each single
// quote written as: quote, backslash, quote, quote.
func ShellQuote(s string) string {
	if shellSafe(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellJoin is a command line of shell-quoted words.
func shellJoin(args []string) string { return quoteEach(args, ShellQuote, " ") }

// pyStr is a Python 3 string literal.
func pyStr(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// jsStr is a JavaScript string literal (JSON is a subset of JS since ES2019,
// and newJob refused U+2028/U+2029, which older engines reject).
func jsStr(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// phpStr is a PHP single-quoted string: only \ and ' are special in it.
func phpStr(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// goStr is a Go string literal.
func goStr(s string) string { return strconv.Quote(s) }

// gitStr is a git config value in double quotes: \ and " escaped, so that
// leading or trailing spaces, # and ; stay part of the value.
func gitStr(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// msmtpStr is an msmtprc argument. msmtp takes the rest of the line and,
// when it starts and ends with ", removes that one pair; nothing inside is
// an escape. Always quoting keeps every value exact, including one that
// starts or ends with a blank or a quote.
func msmtpStr(s string) string { return `"` + s + `"` }

// postfixStr is a value in Postfix's main.cf: $ starts a parameter
// expansion, so a literal $ is written $$.
func postfixStr(s string) string { return strings.ReplaceAll(s, "$", "$$") }

// commentSafe makes text safe inside a one-line comment of the target:
// PHP ends a // comment at ?> (leaving PHP mode), so that pair is split.
func commentSafe(syntax, s string) string {
	if syntax == "php" {
		return strings.ReplaceAll(s, "?>", "? >")
	}
	return s
}
