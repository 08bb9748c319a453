package smtp

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// Errors put into words for people: the validation errors' sentences
// without their English sentinel prefixes, one problem per line.

// Explain is err's message for people, in the language of the moment: the
// sentences of this package's validation errors without the English
// sentinel prefixes ("invalid port: "), starting with a capital letter and
// ending with a full stop ("。" after Chinese). Errors joined by Validate
// come one per line. Other errors keep their text, less known prefixes.
func Explain(err error) string {
	parts := problems(err)
	for i, s := range parts {
		parts[i] = sentence(s)
	}
	return strings.Join(parts, "\n")
}

// problems are err's clauses for people, as Explain gives them but without
// the capital letter and the full stop: one per error errors.Join joined.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	// The stage a failure happened at is not part of what to fix.
	if se, ok := err.(*Error); ok && se.Err != nil {
		return problems(se.Err)
	}
	// A profiles file that cannot be used is one problem, not a list.
	if ce, ok := err.(*configFileError); ok {
		return []string{strings.TrimPrefix(ce.msg, ErrCorruptConfig.Error()+": ")}
	}
	j, joined := err.(interface{ Unwrap() []error })
	if _, own := err.(*detailError); joined && !own {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, problems(e)...)
		}
		return out
	}
	var de *detailError
	var s string
	if errors.As(err, &de) {
		s = de.detail
	} else {
		s = err.Error()
		for trimmed := true; trimmed; {
			trimmed = false
			for _, k := range explainPrefixes {
				if p := k.Error() + ": "; strings.HasPrefix(s, p) {
					s, trimmed = s[len(p):], true
				}
			}
		}
	}
	// Callers end the clause themselves ("...: {{.Error}}. Correct them"):
	// a full stop of its own would double it.
	if s = strings.TrimRight(strings.TrimSpace(s), ".。"); s == "" {
		return nil
	}
	return []string{s}
}

var explainPrefixes = []error{
	ErrInvalidName, ErrInvalidHost, ErrInvalidPort, ErrInvalidSecurity, ErrInvalidAuth,
	ErrInvalidAddress, ErrHeaderInjection, ErrInvalidTimeout, ErrInvalidHELO, ErrCAFile,
	ErrMissingField, ErrInvalidUsername, ErrInvalidFromName, ErrNoSuchProfile, ErrProfileExists,
	ErrInvalidFromPolicy,
}

// sentence capitalises s and ends it with a full stop that suits its
// script, unless it ends with one already.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	last, _ := utf8.DecodeLastRuneInString(s)
	if l10n.HasHan(s) {
		if strings.ContainsRune("。？！", last) {
			return s
		}
		return s + "。"
	}
	if strings.ContainsRune(".?!)", last) {
		return s
	}
	return s + "."
}
