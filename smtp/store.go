package smtp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// ProfilesFile is the name of the profiles file in the config directory.
const ProfilesFile = "profiles.json"

// SchemaVersion is the version of the profiles file this code reads and writes.
const SchemaVersion = 1

const (
	lockFileName = "profiles.lock"       // advisory lock serialising writers; kept, never deleted
	tempPrefix   = ".profiles.json.tmp-" // temporary files of atomic writes
	staleTempAge = time.Minute           // a temporary file this old was left by a crash
)

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
		if doc.defaultName() == name {
			doc.setDefaultName("") // no default rather than a dangling one
		}
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
		if doc.defaultName() == oldName {
			doc.setDefaultName(newName)
		}
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
