package smtp

// The profiles file's JSON: the decoded document, its encoding, and the
// strict decoder that says where in the file a problem is.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// profilesDoc is the decoded file. Fields this version does not know are kept
// and written back, so an older smtpconf does not drop a newer one's data.
type profilesDoc struct {
	profiles []storedProfile
	extra    map[string]json.RawMessage // unknown top-level fields
}

type storedProfile struct {
	Profile
	extra map[string]json.RawMessage // unknown fields of this profile
}

func (d *profilesDoc) index(name string) int {
	for i, sp := range d.profiles {
		if sp.Name == name {
			return i
		}
	}
	return -1
}

// indexFold finds a profile other than skip whose name equals name ignoring case.
func (d *profilesDoc) indexFold(name string, skip int) int {
	for i, sp := range d.profiles {
		if i != skip && strings.EqualFold(sp.Name, name) {
			return i
		}
	}
	return -1
}

func (d *profilesDoc) noSuch(name string) error {
	if i := d.indexFold(name, -1); i >= 0 {
		return invalid(ErrNoSuchProfile, "there is no profile {{.Value}}; did you mean {{.Match}}? (names are case-sensitive)", args{"Value": q(name), "Match": q(d.profiles[i].Name)})
	}
	return invalid(ErrNoSuchProfile, "there is no profile {{.Value}}; run {{.Command}} to see the saved profiles", args{"Value": q(name), "Command": `"smtpconf profile list"`})
}

func (d *profilesDoc) sort() {
	slices.SortStableFunc(d.profiles, func(a, b storedProfile) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// encode writes the document: {"version":1,"profiles":[...]}, profiles
// sorted by name, indented by two spaces, with a trailing newline. HTML
// characters are not escaped, so "Ann <ann@example.com>" stays readable.
func (d *profilesDoc) encode() ([]byte, error) {
	d.sort()
	var b bytes.Buffer
	b.WriteString(`{"version":` + strconv.Itoa(SchemaVersion) + `,"profiles":[`)
	for i, sp := range d.profiles {
		if i > 0 {
			b.WriteByte(',')
		}
		pj, err := marshalProfileJSON(sp.Profile)
		if err != nil {
			return nil, err
		}
		if len(sp.extra) > 0 {
			pj = bytes.TrimSuffix(pj, []byte("}"))
			if err := appendJSONFields(&pj, sp.extra); err != nil {
				return nil, err
			}
			pj = append(pj, '}')
		}
		b.Write(pj)
	}
	b.WriteByte(']')
	top := []byte{}
	if err := appendJSONFields(&top, d.extra); err != nil {
		return nil, err
	}
	b.Write(top)
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// appendJSONFields appends `,"key":value` for each field, in key order.
func appendJSONFields(dst *[]byte, fields map[string]json.RawMessage) error {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kj, err := marshalProfileJSON(k)
		if err != nil {
			return err
		}
		*dst = append(*dst, ',')
		*dst = append(*dst, kj...)
		*dst = append(*dst, ':')
		*dst = append(*dst, fields[k]...)
	}
	return nil
}

func marshalProfileJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// profileKeys are the JSON names of Profile's fields, lower-cased, found by
// reflection when a profiles file is first read, not by every command.
var profileKeys = sync.OnceValue(func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[Profile]()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" {
			name = t.Field(i).Name
		}
		keys[strings.ToLower(name)] = true
	}
	return keys
})

// configFileError is a profiles file that cannot be used. It unwraps to
// ErrCorruptConfig, and to ErrConfigVersion when the file is from a newer
// version.
type configFileError struct {
	msg   string
	kinds []error
}

func (e *configFileError) Error() string   { return e.msg }
func (e *configFileError) Unwrap() []error { return e.kinds }

// corruptError describes a problem at byte offset off of the file (off < 0:
// no position). problem is an English clause (a translation key) that data
// fills.
func corruptError(path string, data []byte, off int64, problem string, pdata args) error {
	where := path
	if off >= 0 {
		line, col := jsonLineCol(data, off)
		where += fmt.Sprintf(":%d:%d", line, col)
	}
	return &configFileError{
		msg: ErrCorruptConfig.Error() + ": " + l10n.L("{{.Where}}: {{.Problem}}; fix it or move it aside (smtpconf leaves the file untouched and will not write over it)",
			args{"Where": where, "Problem": l10n.L(problem, pdata)}),
		kinds: []error{ErrCorruptConfig},
	}
}

// jsonLineCol converts a byte offset to a 1-based line and column (in bytes).
func jsonLineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// skipJSONSep returns the offset of the next value in data at or after off,
// skipping white space and one ':' or ','.
func skipJSONSep(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

// decodeProfiles parses the profiles file. It is strict about structure
// (JSON syntax, types, a version it knows, named and unique profiles) so that
// a rewrite never loses anything, and tolerant of unknown fields (kept) and of
// settings that fail Validate (those are checked where the profile is used).
func decodeProfiles(path string, data []byte) (*profilesDoc, error) {
	bad := func(off int64, problem string, pdata args) error {
		return corruptError(path, data, off, problem, pdata)
	}
	// Tolerate the byte order mark some Windows editors add.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, bad(-1, "the file is empty", nil)
	}
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read, including the offending one.
			return nil, bad(max(se.Offset-1, 0), "not valid JSON: {{.Error}}", args{"Error": strings.TrimPrefix(se.Error(), "json: ")})
		}
		return nil, bad(-1, "not valid JSON: {{.Error}}", args{"Error": err.Error()})
	}
	if _, ok := probe.(map[string]any); !ok {
		return nil, bad(skipJSONSep(data, 0), "the file must hold a JSON object like {{.Example}}", args{"Example": fmt.Sprintf(`{"version":%d,"profiles":[...]}`, SchemaVersion)})
	}

	// Walk the top-level object, keeping each value's offset for messages.
	doc := &profilesDoc{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, bad(-1, "not valid JSON: {{.Error}}", args{"Error": err.Error()})
	}
	var versionRaw, profilesRaw json.RawMessage
	var versionOff, profilesOff int64
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(dec.InputOffset(), "not valid JSON: {{.Error}}", args{"Error": err.Error()})
		}
		key, _ := tok.(string)
		off := skipJSONSep(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, bad(off, "not valid JSON: {{.Error}}", args{"Error": err.Error()})
		}
		if seen[key] {
			return nil, bad(off, "the field {{.Field}} appears twice", args{"Field": q(key)})
		}
		seen[key] = true
		switch key {
		case "version":
			versionRaw, versionOff = raw, off
		case "profiles":
			profilesRaw, profilesOff = raw, off
		default:
			if doc.extra == nil {
				doc.extra = map[string]json.RawMessage{}
			}
			doc.extra[key] = raw
		}
	}

	if versionRaw == nil {
		return nil, bad(-1, "it has no {{.Field}} field (this smtpconf writes version {{.Version}})", args{"Field": `"version"`, "Version": SchemaVersion})
	}
	var version int
	if err := json.Unmarshal(versionRaw, &version); err != nil {
		return nil, bad(versionOff, "{{.Field}} must be a whole number, not {{.Value}}", args{"Field": `"version"`, "Value": clipForMessage(string(versionRaw), 40)})
	}
	if version > SchemaVersion {
		return nil, &configFileError{
			msg: ErrConfigVersion.Error() + ": " + l10n.L("{{.File}} has schema version {{.Version}}, but this smtpconf reads only up to version {{.Max}}; upgrade smtpconf (smtpconf leaves the file untouched and will not write over it)",
				args{"File": path, "Version": version, "Max": SchemaVersion}),
			kinds: []error{ErrConfigVersion, ErrCorruptConfig},
		}
	}
	if version < 1 {
		return nil, bad(versionOff, "{{.Field}} is {{.Version}}; the first version is 1", args{"Field": `"version"`, "Version": version})
	}

	if profilesRaw == nil || string(profilesRaw) == "null" {
		return doc, nil
	}
	pdec := json.NewDecoder(bytes.NewReader(profilesRaw))
	if tok, err := pdec.Token(); err != nil || tok != json.Delim('[') {
		return nil, bad(profilesOff, "{{.Field}} must be a list ([...])", args{"Field": `"profiles"`})
	}
	names := map[string]int{}
	for n := 1; pdec.More(); n++ {
		off := profilesOff + skipJSONSep(profilesRaw, pdec.InputOffset())
		var raw json.RawMessage
		if err := pdec.Decode(&raw); err != nil {
			return nil, bad(off, "not valid JSON: {{.Error}}", args{"Error": err.Error()})
		}
		if len(raw) == 0 || raw[0] != '{' {
			return nil, bad(off, "profile #{{.N}} must be an object ({...}), not {{.Value}}", args{"N": n, "Value": clipForMessage(string(raw), 40)})
		}
		var sp storedProfile
		if err := json.Unmarshal(raw, &sp.Profile); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return nil, bad(off+te.Offset, "profile #{{.N}}: {{.Field}} must be {{.Type}}, not a JSON {{.Value}}", args{"N": n, "Field": q(te.Field), "Type": jsonTypeWords(te.Type), "Value": te.Value})
			}
			return nil, bad(off, "profile #{{.N}}: {{.Error}}", args{"N": n, "Error": err.Error()})
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, bad(off, "profile #{{.N}}: {{.Error}}", args{"N": n, "Error": err.Error()})
		}
		for k, v := range fields {
			if !profileKeys()[strings.ToLower(k)] {
				if sp.extra == nil {
					sp.extra = map[string]json.RawMessage{}
				}
				sp.extra[k] = v
			}
		}
		if sp.Name == "" {
			return nil, bad(off, "profile #{{.N}} has no {{.Field}}", args{"N": n, "Field": `"name"`})
		}
		if first, dup := names[sp.Name]; dup {
			return nil, bad(off, "profiles #{{.First}} and #{{.N}} are both named {{.Name}}", args{"First": first, "N": n, "Name": q(sp.Name)})
		}
		names[sp.Name] = n
		doc.profiles = append(doc.profiles, sp)
	}
	return doc, nil
}

// jsonTypeWords names a JSON type as a noun phrase, translated, for the
// "must be ..." messages above.
func jsonTypeWords(t reflect.Type) string {
	if t == nil {
		return l10n.L("another type")
	}
	switch t.Kind() {
	case reflect.String:
		return l10n.L("a string")
	case reflect.Bool:
		return l10n.L("true or false")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return l10n.L("a whole number")
	case reflect.Float32, reflect.Float64:
		return l10n.L("a number")
	case reflect.Struct, reflect.Map:
		return l10n.L("an object")
	case reflect.Slice, reflect.Array:
		return l10n.L("a list")
	}
	return t.String()
}

func clipForMessage(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
