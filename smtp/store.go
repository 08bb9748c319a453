package smtp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// ProfilesFile is the name of the profiles file in the config directory.
const ProfilesFile = "profiles.json"

// SchemaVersion is the version of the profiles file this code reads and writes.
const SchemaVersion = 1

// EnvConfigDir names the environment variable that sets the config directory
// when --config-dir is not given.
const EnvConfigDir = "SMTPCONF_CONFIG_DIR"

const (
	lockFileName = "profiles.lock"       // advisory lock serialising writers; kept, never deleted
	tempPrefix   = ".profiles.json.tmp-" // temporary files of atomic writes
	staleTempAge = time.Minute           // a temporary file this old was left by a crash
)

// ConfigDir resolves the config directory: flagValue (from --config-dir) if
// set, else $SMTPCONF_CONFIG_DIR, else os.UserConfigDir()/smtpconf. The
// result is absolute. It does not create the directory; EnsureConfigDir and
// the Store's writes do.
func ConfigDir(flagValue string) (string, error) {
	dir := flagValue
	if dir == "" {
		dir = os.Getenv(EnvConfigDir)
	}
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", wrapErr(err, "cannot find your configuration directory ({{.Error}}); pass {{.Flag}} or set {{.Env}}", args{"Error": err.Error(), "Flag": "--config-dir DIR", "Env": EnvConfigDir})
		}
		dir = filepath.Join(base, "smtpconf")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir, nil
}

// EnsureConfigDir creates dir (and its parents) with mode 0700 if it does not
// exist. If it exists with looser permissions, it is tightened to 0700 when
// this user owns it; a directory owned by someone else (or shared, such as
// /tmp) is refused if others can write to it, and otherwise left as it is
// (the files in it are 0600).
func EnsureConfigDir(dir string) error {
	if dir == "" {
		return errors.New(l10n.L("no config directory given; pass {{.Flag}} or set {{.Env}}", args{"Flag": "--config-dir DIR", "Env": EnvConfigDir}))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return wrapErr(err, "cannot create the config directory {{.Dir}}: {{.Error}}", args{"Dir": dir, "Error": err.Error()})
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return wrapErr(err, "cannot use the config directory {{.Dir}}: {{.Error}}", args{"Dir": dir, "Error": err.Error()})
	}
	if !fi.IsDir() {
		return errors.New(l10n.L("the config directory {{.Dir}} is not a directory; pass {{.Flag}} with a directory", args{"Dir": dir, "Flag": "--config-dir"}))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		// The directory is readable or writable by others: tighten it to
		// owner-only (0700), as the contract requires, when we may.
		return tightenConfigDir(dir, fi)
	}
	return nil
}

// Store reads and writes the profiles file in Dir. Reads need no lock (the
// file is replaced atomically); every write is a read-modify-write under an
// exclusive advisory lock on Dir/profiles.lock, so concurrent writers, in this
// process or others, lose nothing. A Store holds no state besides Dir and is
// safe for concurrent use.
//
// The file never holds a password: Profile has no field for one.
type Store struct {
	Dir string
}

// NewStore returns a Store for the config directory dir.
func NewStore(dir string) *Store {
	return &Store{Dir: dir}
}

// Path is the profiles file's path.
func (s *Store) Path() string {
	return filepath.Join(s.Dir, ProfilesFile)
}

// List returns all profiles, sorted by name (case-insensitively). A missing
// file is an empty list. A file that cannot be understood gives an error
// wrapping ErrCorruptConfig (and ErrConfigVersion for a newer schema).
func (s *Store) List() ([]Profile, error) {
	doc, err := s.load()
	if err != nil {
		return nil, err
	}
	doc.sort()
	out := make([]Profile, len(doc.profiles))
	for i, sp := range doc.profiles {
		out[i] = sp.Profile
	}
	return out, nil
}

// Get returns the profile with exactly this name, or an error wrapping
// ErrNoSuchProfile.
func (s *Store) Get(name string) (Profile, error) {
	doc, err := s.load()
	if err != nil {
		return Profile{}, err
	}
	if i := doc.index(name); i >= 0 {
		return doc.profiles[i].Profile, nil
	}
	return Profile{}, doc.noSuch(name)
}

// Save validates p and then creates it, or replaces the profile of the same
// name (keeping any fields of it this version does not know). An invalid
// profile is not written; the error is p.Validate's. A new name that differs
// from an existing one only in case is refused with ErrProfileExists: some
// keyrings ignore case, so the two would share a password.
func (s *Store) Save(p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.update(func(doc *profilesDoc) error {
		if i := doc.index(p.Name); i >= 0 {
			doc.profiles[i].Profile = p
			return nil
		}
		if i := doc.indexFold(p.Name, -1); i >= 0 {
			return invalid(ErrProfileExists, "{{.Value}} is taken by {{.Other}} (names that differ only in case would share a keyring entry); use that name or choose another",
				args{"Value": q(p.Name), "Other": q(doc.profiles[i].Name)})
		}
		doc.profiles = append(doc.profiles, storedProfile{Profile: p})
		return nil
	})
}

// Delete removes the profile with exactly this name (ErrNoSuchProfile if
// there is none). Its keyring entry is the caller's to delete.
func (s *Store) Delete(name string) error {
	return s.update(func(doc *profilesDoc) error {
		i := doc.index(name)
		if i < 0 {
			return doc.noSuch(name)
		}
		doc.profiles = slices.Delete(doc.profiles, i, i+1)
		return nil
	})
}

// Rename gives a profile a new name: ErrNoSuchProfile if oldName does not
// exist, ErrProfileExists if newName (ignoring case) belongs to another
// profile, ErrInvalidName if newName is not a valid name. Renaming to the same
// name is a no-op. The keyring entry is keyed by name: moving it is the
// caller's job.
func (s *Store) Rename(oldName, newName string) error {
	if err := ValidateName(newName); err != nil {
		return err
	}
	return s.update(func(doc *profilesDoc) error {
		i := doc.index(oldName)
		if i < 0 {
			return doc.noSuch(oldName)
		}
		if oldName == newName {
			return errNoChange
		}
		if j := doc.indexFold(newName, i); j >= 0 {
			return invalid(ErrProfileExists, "cannot rename {{.Old}} to {{.New}}: {{.Other}} already exists; delete it first or choose another name",
				args{"Old": q(oldName), "New": q(newName), "Other": q(doc.profiles[j].Name)})
		}
		doc.profiles[i].Name = newName
		return nil
	})
}

// errNoChange tells update that nothing needs writing.
var errNoChange = errors.New("no change")

// update runs fn on the current file contents under the directory's write
// lock and writes the result atomically. If the file cannot be read, or fn
// fails, nothing is written.
func (s *Store) update(fn func(*profilesDoc) error) error {
	if err := EnsureConfigDir(s.Dir); err != nil {
		return err
	}
	unlock, err := lockProfiles(filepath.Join(s.Dir, lockFileName))
	if err != nil {
		return wrapErr(err, "cannot lock the profiles file in {{.Dir}}: {{.Error}}", args{"Dir": s.Dir, "Error": err.Error()})
	}
	defer unlock()

	// Only a lock holder writes temporary files, and a write takes
	// milliseconds, so an old one is from a writer that crashed. (The age
	// check keeps this safe where the lock is per process only.)
	stale, _ := filepath.Glob(filepath.Join(s.Dir, tempPrefix+"*"))
	for _, f := range stale {
		if fi, err := os.Lstat(f); err == nil && fi.Mode().IsRegular() && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(f)
		}
	}

	doc, err := s.load()
	if err != nil {
		return err
	}
	if err := fn(doc); err != nil {
		if err == errNoChange {
			return nil
		}
		return err
	}
	data, err := doc.encode()
	if err != nil {
		return fmt.Errorf("cannot encode the profiles: %w", err)
	}
	return writeProfilesAtomic(s.Dir, ProfilesFile, data)
}

// load reads and decodes the profiles file; a missing file is empty.
func (s *Store) load() (*profilesDoc, error) {
	if s.Dir == "" {
		return nil, errors.New(l10n.L("no config directory given; pass {{.Flag}} or set {{.Env}}", args{"Flag": "--config-dir DIR", "Env": EnvConfigDir}))
	}
	path := s.Path()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &profilesDoc{}, nil
	}
	if err != nil {
		return nil, wrapErr(err, "cannot read the profiles file {{.File}}: {{.Error}}", args{"File": path, "Error": err.Error()})
	}
	return decodeProfiles(path, data)
}

// writeProfilesAtomic replaces dir/name with data (see writeAtomic), saying
// what failed in the words used for the profiles file.
func writeProfilesAtomic(dir, name string, data []byte) error {
	err := writeAtomic(dir, name, tempPrefix+"*", data)
	var ae *atomicError
	if !errors.As(err, &ae) {
		return err
	}
	target := filepath.Join(dir, name)
	switch ae.step {
	case stepCreate:
		return wrapErr(ae.err, "cannot write the profiles file in {{.Dir}}: {{.Error}}", args{"Dir": dir, "Error": ae.err.Error()})
	case stepWrite:
		return wrapErr(ae.err, "cannot write the profiles file: {{.Error}}", args{"Error": ae.err.Error()})
	case stepRename:
		return wrapErr(ae.err, "cannot replace the profiles file {{.File}}: {{.Error}}", args{"File": target, "Error": ae.err.Error()})
	default:
		// The new file is in place; only its durability across a crash is in doubt.
		return wrapErr(ae.err, "saved {{.File}}, but could not flush the directory to disk: {{.Error}}", args{"File": target, "Error": ae.err.Error()})
	}
}

// The steps of writeAtomic, for its callers' messages.
const (
	stepCreate  = iota // the temporary file could not be made
	stepWrite          // mode, data, flush or close of the temporary file
	stepRename         // putting it in place
	stepSyncDir        // flushing the directory: the new file is in place
)

// atomicError is a failure of writeAtomic at one of its steps.
type atomicError struct {
	step int
	err  error
}

func (e *atomicError) Error() string { return e.err.Error() }
func (e *atomicError) Unwrap() error { return e.err }

// writeAtomic replaces dir/name with data: a temporary file in dir (named
// by pattern, mode 0600) is written, flushed to disk, renamed over the
// target, and then the directory is flushed so the rename itself survives a
// crash. On any failure the temporary file is removed, and before the
// rename the old file is untouched. Errors are *atomicError.
func writeAtomic(dir, name, pattern string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return &atomicError{stepCreate, err}
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return &atomicError{stepWrite, err}
	}
	if _, err := f.Write(data); err != nil {
		return &atomicError{stepWrite, err}
	}
	if err := f.Sync(); err != nil {
		return &atomicError{stepWrite, err}
	}
	if err := f.Close(); err != nil {
		return &atomicError{stepWrite, err}
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return &atomicError{stepRename, err}
	}
	if err := syncProfilesDir(dir); err != nil {
		return &atomicError{stepSyncDir, err}
	}
	return nil
}

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

// profileKeys are the JSON names of Profile's fields, lower-cased.
var profileKeys = func() map[string]bool {
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
}()

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
			if !profileKeys[strings.ToLower(k)] {
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

// causeError is a translated sentence about a failure that keeps its cause
// for errors.Is and errors.As.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// wrapErr translates key (an English sentence whose {{.Error}} is usually
// err's text) and wraps err.
func wrapErr(err error, key string, data args) error {
	return &causeError{msg: l10n.L(key, data), err: err}
}
