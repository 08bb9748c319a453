package submit

import (
	"net/mail"
	"strings"
)

// HeaderRecipients returns the addresses in the To, Cc and Bcc fields of
// raw (CRLF line ends), in that order, without duplicates: sendmail -t. A
// field that cannot be read as an address list is an *Error with Problem
// BadAddress naming it.
func HeaderRecipients(raw []byte) ([]string, error) {
	h := parseHeader(raw)
	var out []string
	seen := map[string]bool{}
	for _, name := range []string{"To", "Cc", "Bcc"} {
		for _, v := range h.all(name) {
			if strings.TrimSpace(v) == "" {
				continue
			}
			list, err := parseList(v)
			if err != nil {
				return nil, &Error{Problem: BadAddress, Value: name + ": " + v, Err: err}
			}
			for _, a := range list {
				if k := strings.ToLower(a); !seen[k] {
					seen[k] = true
					out = append(out, a)
				}
			}
		}
	}
	return out, nil
}

// parseList reads an address list, groups included ("undisclosed-recipients:;"
// has no member).
func parseList(v string) ([]string, error) {
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out, nil
}
