package smtp

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

// corruptProfilesCases are profiles files that must be refused, with a word the
// error must contain.
var corruptProfilesCases = []struct {
	name, data, mention string
}{
	{"empty", "", "empty"},
	{"spaces", " \n\t", "empty"},
	{"syntax", "{\n  \"version\": 1,\n  \"profiles\": [\n    {\"name\": \"a\",}\n  ]\n}\n", ":4:"},
	{"truncated", "{\"version\": 1, \"profiles\": [{\"name\": \"a\"", "JSON"},
	{"trailing garbage", "{\"version\": 1}\n{}", "JSON"},
	{"array", "[]", "JSON object"},
	{"null", "null", "JSON object"},
	{"string", `"profiles"`, "JSON object"},
	{"no version", `{"profiles": []}`, `"version"`},
	{"version string", `{"version": "1", "profiles": []}`, "whole number"},
	{"version float", `{"version": 1.5, "profiles": []}`, "whole number"},
	{"version zero", `{"version": 0, "profiles": []}`, "version"},
	{"version twice", `{"version": 1, "version": 1, "profiles": []}`, "twice"},
	{"profiles object", `{"version": 1, "profiles": {}}`, "list"},
	{"profiles string", `{"version": 1, "profiles": "a"}`, "list"},
	{"profile null", `{"version": 1, "profiles": [null]}`, "object"},
	{"profile number", `{"version": 1, "profiles": [1]}`, "object"},
	{"port string", "{\"version\": 1,\n\"profiles\": [{\"name\": \"a\", \"port\": \"587\"}]}", `"port" must be a whole number`},
	{"port float", `{"version": 1, "profiles": [{"name": "a", "port": 5.5}]}`, `"port"`},
	{"name number", `{"version": 1, "profiles": [{"name": 7}]}`, `"name" must be a string`},
	{"bool string", `{"version": 1, "profiles": [{"name": "a", "insecure_skip_verify": "yes"}]}`, "true or false"},
	{"bad timeout", `{"version": 1, "profiles": [{"name": "a", "timeout": "soon"}]}`, "timeout"},
	{"no name", `{"version": 1, "profiles": [{"host": "x.example"}]}`, "no \"name\""},
	{"duplicate", `{"version": 1, "profiles": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}`, `#1 and #3 are both named "a"`},
}

func TestStoreCorrupt(t *testing.T) {
	for _, tt := range corruptProfilesCases {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore(t.TempDir())
			if err := os.WriteFile(s.Path(), []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.List()
			if !errors.Is(err, ErrCorruptConfig) {
				t.Fatalf("List() = %v; want ErrCorruptConfig", err)
			}
			if errors.Is(err, ErrConfigVersion) {
				t.Errorf("List() = %v; must not claim a newer version", err)
			}
			if !strings.Contains(err.Error(), s.Path()) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q should name the path and mention %q", err, tt.mention)
			}
			if _, gerr := s.Get("a"); !errors.Is(gerr, ErrCorruptConfig) {
				t.Errorf("Get() = %v; want ErrCorruptConfig", gerr)
			}
			assertStoreRefusesWrites(t, s, []byte(tt.data), ErrCorruptConfig)
		})
	}
}

// assertStoreRefusesWrites checks that no write changes the file.
func assertStoreRefusesWrites(t *testing.T, s *Store, want []byte, sentinel error) {
	t.Helper()
	if err := s.Save(testStoreProfile("new")); !errors.Is(err, sentinel) {
		t.Errorf("Save() = %v; want %v", err, sentinel)
	}
	if err := s.Delete("a"); !errors.Is(err, sentinel) {
		t.Errorf("Delete() = %v; want %v", err, sentinel)
	}
	if err := s.Rename("a", "b2"); !errors.Is(err, sentinel) {
		t.Errorf("Rename() = %v; want %v", err, sentinel)
	}
	if got := readTestFile(t, s.Path()); !bytes.Equal(got, want) {
		t.Errorf("file changed:\n%q\nwant\n%q", got, want)
	}
	if got := storeDirEntries(t, s.Dir); !slices.Equal(got, []string{ProfilesFile}) {
		t.Errorf("directory holds %q", got)
	}
}

func TestStoreSyntaxErrorPosition(t *testing.T) {
	s := NewStore(t.TempDir())
	data := "{\n  \"version\": 1,\n  \"profiles\": [\n    {\"name\": \"a\" \"host\": \"b\"}\n  ]\n}\n"
	if err := os.WriteFile(s.Path(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.List()
	if want := s.Path() + ":4:18:"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("List() = %v; want the position %q", err, want)
	}
}

func TestStoreNewerVersion(t *testing.T) {
	s := NewStore(t.TempDir())
	data := []byte(`{"version": 2, "profiles": {"work": {"server": "x"}}, "accounts": []}` + "\n")
	if err := os.WriteFile(s.Path(), data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.List()
	if !errors.Is(err, ErrConfigVersion) || !errors.Is(err, ErrCorruptConfig) {
		t.Fatalf("List() = %v; want ErrConfigVersion (and ErrCorruptConfig)", err)
	}
	if !strings.Contains(err.Error(), s.Path()) || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("error %q should name the path and suggest an upgrade", err)
	}
	assertStoreRefusesWrites(t, s, data, ErrConfigVersion)
}

func TestStoreKeepsUnknownFields(t *testing.T) {
	s := NewStore(t.TempDir())
	data := `{
  "version": 1,
  "future_top": {"a": [1, 2]},
  "profiles": [
    {"name": "work", "host": "mail.example.com", "port": 587, "security": "starttls", "auth": "auto",
     "signature": "-- \nAnn", "oauth": {"provider": "google"}, "Host": "mail.example.com"}
  ]
}
`
	if err := os.WriteFile(s.Path(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("work")
	if err != nil {
		t.Fatal(err)
	}
	if got.Host != "mail.example.com" || got.Port != 587 {
		t.Fatalf("Get = %+v", got)
	}
	got.Port = 465
	got.Security = SecurityTLS
	if err := s.Save(got); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(testStoreProfile("other")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		FutureTop json.RawMessage  `json:"future_top"`
		Profiles  []map[string]any `json:"profiles"`
	}
	out := readTestFile(t, s.Path())
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if string(compactJSON(t, doc.FutureTop)) != `{"a":[1,2]}` {
		t.Errorf("top-level unknown field lost:\n%s", out)
	}
	w := doc.Profiles[1]
	if w["name"] != "work" || w["signature"] != "-- \nAnn" || w["port"] != float64(465) {
		t.Errorf("profile unknown fields lost or stale:\n%s", out)
	}
	if o, ok := w["oauth"].(map[string]any); !ok || o["provider"] != "google" {
		t.Errorf("nested unknown field lost:\n%s", out)
	}
	if _, ok := w["Host"]; ok {
		t.Errorf("a differently-cased known field was kept as unknown:\n%s", out)
	}
	if got, _ := s.Get("work"); got.Port != 465 {
		t.Errorf("re-read = %+v", got)
	}
}

func compactJSON(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestStoreToleratesBOM(t *testing.T) {
	s := NewStore(t.TempDir())
	data := "\ufeff{\"version\": 1, \"profiles\": [{\"name\": \"work\"}]}\n"
	if err := os.WriteFile(s.Path(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if list, err := s.List(); err != nil || len(list) != 1 {
		t.Fatalf("List() = %v, %v", list, err)
	}
	if err := s.Save(testStoreProfile("home")); err != nil {
		t.Fatal(err)
	}
	if data := readTestFile(t, s.Path()); data[0] != '{' {
		t.Errorf("rewritten file starts with %q", data[:3])
	}
}

func TestStoreToleratesInvalidSettings(t *testing.T) {
	// A hand-edited profile with a bad host still lists, and saving another
	// profile keeps it as it is.
	s := NewStore(t.TempDir())
	data := `{"version": 1, "profiles": [{"name": "bad", "host": "a b", "port": 0, "security": "ssl", "auth": ""}]}`
	if err := os.WriteFile(s.Path(), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil || len(list) != 1 || list[0].Host != "a b" {
		t.Fatalf("List() = %+v, %v", list, err)
	}
	if err := s.Save(testStoreProfile("good")); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Get("bad"); err != nil || p.Host != "a b" || p.Security != "ssl" {
		t.Errorf("Get(bad) = %+v, %v", p, err)
	}
}

func FuzzLoadProfiles(f *testing.F) {
	for _, c := range corruptProfilesCases {
		f.Add([]byte(c.data))
	}
	for _, s := range []string{
		`{"version":1,"profiles":[]}`,
		`{"version":1}`,
		`{"version":1,"profiles":null}`,
		`{"version":2,"profiles":[]}`,
		`{"version":99999999999999999999,"profiles":[]}`,
		`{"version":-1}`,
		`{"version":1,"profiles":[{"name":"a","timeout":1e300}]}`,
		`{"version":1,"profiles":[{"name":"a","timeout":-5}]}`,
		`{"version":1,"profiles":[{"NAME":"a","name":"b"}]}`,
		`{"version":1,"profiles":[{"name":"\ud800"},{"name":"\udc00"}]}`,
		"{\"version\":1,\"profiles\":[{\"name\":\"\xff\"},{\"name\":\"\xfe\"}]}",
		`{"version":1,"x":{"y":[1,{"z":null}]},"profiles":[{"name":"a","extra":[1,2,3],"from":"Ann <a@b.c>"}]}`,
		`{"version":1,"profiles":[{"name":"Fuzz-New"}]}`,
		`{"version":1,"profiles":[` + strings.Repeat("[", 100) + `]}`,
		"\ufeff{\"version\":1}",
	} {
		f.Add([]byte(s))
	}
	valid, _ := json.MarshalIndent(map[string]any{"version": 1, "profiles": []Profile{testGmailProfile(), testStoreProfile("work")}}, "", "  ")
	f.Add(valid)

	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewStore(t.TempDir())
		if err := os.WriteFile(s.Path(), data, 0o600); err != nil {
			t.Fatal(err)
		}
		list, err := s.List()
		if err != nil {
			if !errors.Is(err, ErrCorruptConfig) && !errors.Is(err, ErrConfigVersion) {
				t.Fatalf("List() = %v; want ErrCorruptConfig or ErrConfigVersion", err)
			}
			if !strings.Contains(err.Error(), s.Path()) {
				t.Fatalf("error %q does not name the file", err)
			}
			if serr := s.Save(testStoreProfile("fuzz-new")); serr == nil || serr.Error() != err.Error() {
				t.Fatalf("Save() over an unreadable file = %v; want %v", serr, err)
			}
			if got := readTestFile(t, s.Path()); !bytes.Equal(got, data) {
				t.Fatalf("the file changed after a refused write")
			}
			return
		}
		// A readable file takes a new profile and keeps every old one.
		if err := s.Save(testStoreProfile("fuzz-new")); err != nil {
			if errors.Is(err, ErrProfileExists) {
				return // a case variant of the name is in the file
			}
			t.Fatalf("Save() into a readable file: %v", err)
		}
		after, err := s.List()
		if err != nil {
			t.Fatalf("List() after Save: %v\nfile:\n%s", err, readTestFile(t, s.Path()))
		}
		want := map[string]Profile{"fuzz-new": testStoreProfile("fuzz-new")}
		for _, p := range list {
			if p.Name != "fuzz-new" {
				want[p.Name] = p
			}
		}
		if len(after) != len(want) {
			t.Fatalf("after Save: %d profiles, want %d", len(after), len(want))
		}
		for _, p := range after {
			if w, ok := want[p.Name]; !ok || w != p {
				t.Fatalf("after Save, profile %q = %+v; want %+v", p.Name, p, w)
			}
		}
	})
}
