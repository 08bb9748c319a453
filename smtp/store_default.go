package smtp

import (
	"encoding/json"
)

// defaultKey is the profiles file's top-level field naming the default
// profile: the one the relay and the sendmail command use when neither the
// command nor the sender's address picks one.
const defaultKey = "default"

// defaultName reads the default profile's name from the document ("" if
// unset or unreadable: a damaged value is treated as no default, and is
// replaced by the next SetDefault).
func (d *profilesDoc) defaultName() string {
	raw, ok := d.extra[defaultKey]
	if !ok {
		return ""
	}
	var name string
	if json.Unmarshal(raw, &name) != nil {
		return ""
	}
	return name
}

// setDefaultName records name as the default ("" clears it).
func (d *profilesDoc) setDefaultName(name string) {
	if name == "" {
		delete(d.extra, defaultKey)
		return
	}
	b, _ := json.Marshal(name)
	if d.extra == nil {
		d.extra = map[string]json.RawMessage{}
	}
	d.extra[defaultKey] = b
}

// Default returns the name of the default profile, or "" when none is set
// or the one set no longer exists.
func (s *Store) Default() (string, error) {
	doc, err := s.load()
	if err != nil {
		return "", err
	}
	name := doc.defaultName()
	if name == "" || doc.index(name) < 0 {
		return "", nil
	}
	return name, nil
}

// SetDefault makes the profile with exactly this name the default
// (ErrNoSuchProfile if there is none); "" clears the default.
func (s *Store) SetDefault(name string) error {
	return s.update(func(doc *profilesDoc) error {
		if name != "" && doc.index(name) < 0 {
			return doc.noSuch(name)
		}
		if doc.defaultName() == name {
			return errNoChange
		}
		doc.setDefaultName(name)
		return nil
	})
}
