package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/text/width"

	"github.com/smtpconf/smtpconf/smtp"
	"github.com/smtpconf/smtpconf/ui/i18n"
)

// Everything a person reads from the command line goes through i18n.L or
// i18n.N, with the English sentence as the key (assets/translations). What
// stays as it is: JSON (keys and enum values are the contract), flag names,
// preset ids, host names, and the server's own words.

// M is template data for i18n.L and i18n.N.
type M = map[string]any

// usageL is bad usage, said in the person's language: key is the English
// sentence, as for i18n.L.
func usageL(key string, data ...any) error { return usageError{i18n.L(key, data...)} }

// languageChoices lists the codes --lang accepts, for messages.
const languageChoices = "en, zh"

// useLanguage applies --lang (or, without it, $SMTPCONF_LANG; without
// either, the system locale) before anything is printed. An unknown --lang
// is bad usage. An unknown $SMTPCONF_LANG only earns a warning on stderr
// and the system's language: a variable set once for a whole session must
// not stop every command, cron's `queue run` included.
func useLanguage(flagValue string, flagGiven bool, getenv func(string) string, stderr io.Writer) error {
	if flagGiven {
		if i18n.Use(flagValue) {
			return nil
		}
		i18n.Use("") // say it in the system's language
		return usageL("{{.Flag}} {{.Code}}: there is no such language; choose one of {{.Choices}}.",
			M{"Flag": "--lang", "Code": fmt.Sprintf("%q", flagValue), "Choices": languageChoices})
	}
	code := getenv("SMTPCONF_LANG")
	if i18n.Use(code) {
		return nil
	}
	i18n.Use("")
	fmt.Fprintln(stderr, i18n.L("Warning: SMTPCONF_LANG={{.Code}} is not a language smtpconf speaks ({{.Choices}}); using the system's language.",
		M{"Code": code, "Choices": languageChoices}))
	return nil
}

// UseLanguage applies the language chosen for the window: the value of
// --lang when given, else $SMTPCONF_LANG, else the system locale. It
// reports whether a language was chosen (so that the window does not
// replace it with the one saved in its Settings), and a message for an
// unknown one.
func UseLanguage(lang string, given bool) (chosen bool, err error) {
	if err := useLanguage(lang, given, os.Getenv, os.Stderr); err != nil {
		return false, err
	}
	return given || i18n.Valid(os.Getenv("SMTPCONF_LANG")) && os.Getenv("SMTPCONF_LANG") != "", nil
}

// errorText is an error as the person reads it: the cause's own words,
// except for the causes the command line knows how to put into the
// person's language. JSON keeps err.Error().
func errorText(err error) string {
	var le *localError
	if errors.As(err, &le) {
		return le.text
	}
	return err.Error()
}

// localError keeps the cause (for the diagnosis and for JSON) and says it
// in the person's language for people.
type localError struct {
	text string
	err  error
}

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// getProfile is Store.Get, with "no such profile" said in the person's
// language.
func getProfile(st *smtp.Store, name string) (smtp.Profile, error) {
	p, err := st.Get(name)
	if err == nil || !errors.Is(err, smtp.ErrNoSuchProfile) {
		return p, err
	}
	if list, lerr := st.List(); lerr == nil {
		for _, q := range list {
			if strings.EqualFold(q.Name, name) {
				return p, &localError{i18n.L("There is no profile named {{.Name}}; did you mean {{.Match}}? (Names are case-sensitive.)",
					M{"Name": fmt.Sprintf("%q", name), "Match": fmt.Sprintf("%q", q.Name)}), err}
			}
		}
	}
	return p, &localError{i18n.L("There is no profile named {{.Name}}. See the saved profiles with: smtpconf profile list",
		M{"Name": fmt.Sprintf("%q", name)}), err}
}

// flagError puts an error of package flag into the person's language.
func flagError(cmd string, err error) error {
	s := err.Error()
	switch {
	case strings.HasPrefix(s, "flag provided but not defined: "):
		return usageL("{{.Command}}: there is no flag {{.Flag}}.",
			M{"Command": cmd, "Flag": "--" + strings.TrimLeft(strings.TrimPrefix(s, "flag provided but not defined: "), "-")})
	case strings.HasPrefix(s, "flag needs an argument: "):
		return usageL("{{.Command}}: {{.Flag}} needs a value.",
			M{"Command": cmd, "Flag": "--" + strings.TrimLeft(strings.TrimPrefix(s, "flag needs an argument: "), "-")})
	case strings.HasPrefix(s, "invalid value ") || strings.HasPrefix(s, "invalid boolean value "):
		// invalid value "x" for flag -port: parse error
		rest := s[strings.Index(s, "value ")+len("value "):]
		if i := strings.Index(rest, " for flag "); i >= 0 {
			val, fl := rest[:i], rest[i+len(" for flag "):]
			if j := strings.Index(fl, ":"); j >= 0 {
				fl = fl[:j]
			}
			return usageL("{{.Command}}: {{.Value}} is not a valid value for {{.Flag}}.",
				M{"Command": cmd, "Value": val, "Flag": "--" + strings.TrimLeft(fl, "-")})
		}
	}
	return usageError{fmt.Sprintf("%s: %v", cmd, err)}
}

// --- Text laid out by display width -------------------------------------

// textWidth is how many terminal columns s takes: East Asian wide and
// full-width characters take two. text/tabwriter counts runes, which
// misaligns any column holding Chinese.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == '\t':
			n++
		case r < 0x20 || r == 0x200b || (r >= 0x300 && r <= 0x36f):
			// control characters, zero-width space, combining marks
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}

// pad fills s with spaces to w columns.
func pad(s string, w int) string {
	if d := w - textWidth(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// table writes rows in columns aligned by display width, gap spaces apart;
// the last column is not padded.
func table(w io.Writer, gap int, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i == len(row)-1 {
				continue
			}
			for len(widths) <= i {
				widths = append(widths, 0)
			}
			if n := textWidth(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	var b strings.Builder
	for _, row := range rows {
		line := ""
		for i, c := range row {
			if i < len(row)-1 {
				line += pad(c, widths[i]+gap)
			} else {
				line += c
			}
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap breaks s into lines of at most w columns, at spaces or next to a
// wide (CJK) character, which may break anywhere.
func wrap(s string, w int) []string {
	var lines []string
	for s != "" {
		if textWidth(s) <= w {
			lines = append(lines, s)
			break
		}
		cut, col := -1, 0
		var prev rune
		for i, r := range s {
			rw := textWidth(string(r))
			if col+rw > w {
				if cut <= 0 {
					cut = i
				}
				break
			}
			wide := rw == 2
			if r == ' ' {
				cut = i
			} else if wide && i > 0 && !isClosing(r) && !isOpening(prev) {
				cut = i // before a wide character
			}
			col += rw
			if wide && !isOpening(r) {
				if next := s[i+len(string(r)):]; next != "" && !isClosing([]rune(next)[0]) {
					cut = i + len(string(r)) // after it
				}
			}
			prev = r
		}
		if cut <= 0 {
			cut = len(s)
		}
		lines = append(lines, strings.TrimRight(s[:cut], " "))
		s = strings.TrimLeft(s[cut:], " ")
	}
	return lines
}

// isOpening is punctuation that must not end a line.
func isOpening(r rune) bool { return strings.ContainsRune("（「『“‘《〈([", r) }

// isClosing is punctuation that must not begin a line.
func isClosing(r rune) bool {
	return strings.ContainsRune("，。、；：？！）」』”’》〉…,.;:?!)]", r)
}
