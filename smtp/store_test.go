package smtp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testStoreProfile is a valid profile with the given name.
func testStoreProfile(name string) Profile {
	return Profile{
		Name:     name,
		Preset:   "custom",
		Host:     "mail.example.com",
		Port:     587,
		Security: SecuritySTARTTLS,
		Auth:     AuthPlain,
		Username: name + "@example.com",
		From:     "Ann <ann@example.com>",
		Timeout:  Duration(45 * time.Second),
	}
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeDirEntries lists a directory's names, without the lock file.
func storeDirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		if e.Name() != lockFileName {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestStoreRoundTrip(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "cfg"))
	if got := s.Path(); got != filepath.Join(s.Dir, "profiles.json") {
		t.Fatalf("Path() = %q", got)
	}
	list, err := s.List()
	if err != nil || len(list) != 0 {
		t.Fatalf("List() on a missing file = %v, %v; want empty, nil", list, err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("List() created the directory: %v", err)
	}

	work := testStoreProfile("work")
	home := testStoreProfile("Home")
	gm := testGmailProfile()
	gm.HELO, gm.CAFile, gm.InsecureSkipVerify, gm.FromName = "client.example.org", writeSelfSignedCA(t), true, "Ann <Admin> & Co"
	for _, p := range []Profile{work, home, gm} {
		if err := s.Save(p); err != nil {
			t.Fatalf("Save(%s): %v", p.Name, err)
		}
	}
	list, err = s.List()
	if err != nil {
		t.Fatal(err)
	}
	if want := []Profile{gm, home, work}; !reflect.DeepEqual(list, want) {
		t.Fatalf("List() =\n%+v\nwant\n%+v", list, want)
	}
	for _, p := range []Profile{work, home, gm} {
		got, err := s.Get(p.Name)
		if err != nil || got != p {
			t.Fatalf("Get(%q) = %+v, %v; want %+v", p.Name, got, err, p)
		}
	}

	// Replace by name.
	work.Port, work.Security = 465, SecurityTLS
	if err := s.Save(work); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("work"); got != work {
		t.Fatalf("after replace, Get = %+v, want %+v", got, work)
	}
	if list, _ := s.List(); len(list) != 3 {
		t.Fatalf("replace added a profile: %d profiles", len(list))
	}

	// The file format.
	data := readTestFile(t, s.Path())
	if !bytes.HasPrefix(data, []byte("{\n  \"version\": 1,\n  \"profiles\": [\n    {\n")) || !bytes.HasSuffix(data, []byte("}\n")) {
		t.Errorf("unexpected file layout:\n%s", data)
	}
	if !bytes.Contains(data, []byte(`"from": "Ann <ann@example.com>"`)) {
		t.Errorf("HTML characters were escaped:\n%s", data)
	}
	if bytes.Contains(bytes.ToLower(data), []byte("password")) {
		t.Errorf("the file mentions a password:\n%s", data)
	}
	var doc struct {
		Version  int              `json:"version"`
		Profiles []map[string]any `json:"profiles"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version != SchemaVersion || len(doc.Profiles) != 3 {
		t.Fatalf("file does not decode as the documented format: %v\n%s", err, data)
	}
	if doc.Profiles[2]["timeout"] != "45s" {
		t.Errorf("timeout written as %v, want \"45s\"", doc.Profiles[2]["timeout"])
	}
	if got := storeDirEntries(t, s.Dir); !slices.Equal(got, []string{ProfilesFile}) {
		t.Errorf("directory holds %q, want only %s (and the lock file)", got, ProfilesFile)
	}
}

func TestStoreGetMissing(t *testing.T) {
	s := NewStore(t.TempDir())
	if err := s.Save(testStoreProfile("Work")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Get("personal")
	if !errors.Is(err, ErrNoSuchProfile) || !strings.Contains(err.Error(), `"personal"`) || !strings.Contains(err.Error(), "profile list") {
		t.Errorf("Get(missing) = %v; want ErrNoSuchProfile naming the profile and how to list names", err)
	}
	_, err = s.Get("work")
	if !errors.Is(err, ErrNoSuchProfile) || !strings.Contains(err.Error(), `did you mean "Work"`) {
		t.Errorf("Get(wrong case) = %v; want a hint at the right name", err)
	}
}

func TestStorePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "a", "smtpconf")
	s := NewStore(dir)
	if err := s.Save(testStoreProfile("work")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("directory mode = %04o, want 0700", perm)
	}
	fi, err = os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %04o, want 0600", perm)
	}

	// A file loosened by hand is 0600 again after the next write.
	if err := os.Chmod(s.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(testStoreProfile("home")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(s.Path()); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode after rewrite = %04o, want 0600", fi.Mode().Perm())
	}
}

func TestStoreTightensDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	for _, mode := range []os.FileMode{0o755, 0o777, 0o750} {
		t.Run(fmt.Sprintf("%04o", mode), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cfg")
			if err := os.Mkdir(dir, mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, mode); err != nil { // undo the umask
				t.Fatal(err)
			}
			if err := NewStore(dir).Save(testStoreProfile("work")); err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm != 0o700 {
				t.Errorf("directory mode = %04o, want 0700", perm)
			}
		})
	}
}

func TestEnsureConfigDirSharedDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	// A shared sticky directory (like /tmp) is never chmod-ed.
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	err := EnsureConfigDir(dir)
	if err == nil || !strings.Contains(err.Error(), "other users") {
		t.Errorf("EnsureConfigDir(sticky 1777 dir) = %v; want a refusal", err)
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o777 {
		t.Errorf("shared directory was changed to %04o", fi.Mode().Perm())
	}

	file := writeTestFile(t, "notadir", "x")
	if err := EnsureConfigDir(file); err == nil {
		t.Error("EnsureConfigDir(a file) = nil, want an error")
	}
}

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

func TestStoreInvalidProfileNotWritten(t *testing.T) {
	s := NewStore(filepath.Join(t.TempDir(), "cfg"))
	bad := testStoreProfile("work")
	bad.Host = "smtp.example.com:587"
	if err := s.Save(bad); !errors.Is(err, ErrInvalidHost) {
		t.Fatalf("Save(invalid) = %v; want ErrInvalidHost", err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an invalid Save created the directory: %v", err)
	}

	if err := s.Save(testStoreProfile("work")); err != nil {
		t.Fatal(err)
	}
	before := readTestFile(t, s.Path())
	for _, p := range []Profile{bad, {Name: "x/y"}, {}} {
		if err := s.Save(p); err == nil {
			t.Errorf("Save(%+v) = nil; want an error", p)
		}
	}
	if got := readTestFile(t, s.Path()); !bytes.Equal(got, before) {
		t.Errorf("file changed after invalid saves:\n%s", got)
	}
}

func TestStoreRenameDelete(t *testing.T) {
	s := NewStore(t.TempDir())
	for _, n := range []string{"work", "home", "Gmail"} {
		if err := s.Save(testStoreProfile(n)); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		list, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, p := range list {
			ns = append(ns, p.Name)
		}
		return ns
	}
	steps := []struct {
		name  string
		do    func() error
		want  error
		names []string
	}{
		{"rename", func() error { return s.Rename("work", "office") }, nil, []string{"Gmail", "home", "office"}},
		{"rename missing", func() error { return s.Rename("work", "x") }, ErrNoSuchProfile, []string{"Gmail", "home", "office"}},
		{"rename onto existing", func() error { return s.Rename("office", "home") }, ErrProfileExists, []string{"Gmail", "home", "office"}},
		{"rename onto existing, other case", func() error { return s.Rename("office", "gmail") }, ErrProfileExists, []string{"Gmail", "home", "office"}},
		{"rename invalid", func() error { return s.Rename("office", "a/b") }, ErrInvalidName, []string{"Gmail", "home", "office"}},
		{"rename to itself", func() error { return s.Rename("office", "office") }, nil, []string{"Gmail", "home", "office"}},
		{"rename case only", func() error { return s.Rename("Gmail", "gmail") }, nil, []string{"gmail", "home", "office"}},
		{"save case variant", func() error { return s.Save(testStoreProfile("HOME")) }, ErrProfileExists, []string{"gmail", "home", "office"}},
		{"delete", func() error { return s.Delete("home") }, nil, []string{"gmail", "office"}},
		{"delete missing", func() error { return s.Delete("home") }, ErrNoSuchProfile, []string{"gmail", "office"}},
		{"delete wrong case", func() error { return s.Delete("OFFICE") }, ErrNoSuchProfile, []string{"gmail", "office"}},
		{"delete all", func() error { s.Delete("gmail"); return s.Delete("office") }, nil, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			err := st.do()
			if st.want == nil && err != nil || st.want != nil && !errors.Is(err, st.want) {
				t.Fatalf("got %v, want %v", err, st.want)
			}
			if got := names(); !slices.Equal(got, st.names) {
				t.Errorf("names = %q, want %q", got, st.names)
			}
		})
	}
	// The renamed profile kept its settings.
	if err := s.Save(testStoreProfile("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename("a", "b"); err != nil {
		t.Fatal(err)
	}
	want := testStoreProfile("a")
	want.Name = "b"
	if got, err := s.Get("b"); err != nil || got != want {
		t.Errorf("renamed profile = %+v, %v; want %+v", got, err, want)
	}
	if data := readTestFile(t, s.Path()); !bytes.Contains(data, []byte(`"profiles": [`)) {
		t.Errorf("file after deletes:\n%s", data)
	}
}

// storeHelperEnv tells TestStoreHelperProcess what to do.
const storeHelperEnv = "SMTPCONF_TEST_STORE_HELPER"

// TestStoreHelperProcess is not a test: TestStoreConcurrentSave runs it in
// child processes to save profiles into a shared directory.
func TestStoreHelperProcess(t *testing.T) {
	spec := os.Getenv(storeHelperEnv)
	if spec == "" {
		t.Skip("helper for TestStoreConcurrentSave")
	}
	dir, prefix, _ := strings.Cut(spec, "|")
	s := NewStore(dir)
	for i := range 10 {
		if err := s.Save(testStoreProfile(fmt.Sprintf("%s-%02d", prefix, i))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStoreConcurrentSave(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	s := NewStore(dir)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var children []*exec.Cmd
	var outputs []*bytes.Buffer
	for _, prefix := range []string{"proc1", "proc2"} {
		cmd := exec.Command(exe, "-test.run=^TestStoreHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), storeHelperEnv+"="+dir+"|"+prefix)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, cmd)
		outputs = append(outputs, out)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			errs <- s.Save(testStoreProfile(fmt.Sprintf("goroutine-%02d", i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for i, cmd := range children {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outputs[i])
		}
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range list {
		got[p.Name] = true
	}
	var missing []string
	for _, prefix := range []string{"goroutine", "proc1", "proc2"} {
		n := 10
		if prefix == "goroutine" {
			n = 20
		}
		for i := range n {
			if name := fmt.Sprintf("%s-%02d", prefix, i); !got[name] {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 || len(list) != 40 {
		t.Errorf("%d profiles saved, want 40; missing %q", len(list), missing)
	}
	if got := storeDirEntries(t, dir); !slices.Equal(got, []string{ProfilesFile}) {
		t.Errorf("directory holds %q; temporary files were left behind", got)
	}
}

func TestStoreRemovesStaleTemp(t *testing.T) {
	s := NewStore(t.TempDir())
	stale := filepath.Join(s.Dir, tempPrefix+"123")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	// A fresh one may belong to a writer at work (where locks are per
	// process only) and is kept.
	fresh := filepath.Join(s.Dir, tempPrefix+"456")
	if err := os.WriteFile(fresh, []byte("busy"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(testStoreProfile("work")); err != nil {
		t.Fatal(err)
	}
	if got, want := storeDirEntries(t, s.Dir), []string{tempPrefix + "456", ProfilesFile}; !slices.Equal(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
}

func TestWriteProfilesAtomicFailure(t *testing.T) {
	dir := t.TempDir()
	// The target is a non-empty directory, so the rename fails.
	if err := os.MkdirAll(filepath.Join(dir, "target", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeProfilesAtomic(dir, "target", []byte("data")); err == nil {
		t.Fatal("writeProfilesAtomic over a directory = nil, want an error")
	}
	if got := storeDirEntries(t, dir); !slices.Equal(got, []string{"target"}) {
		t.Errorf("directory holds %q; the temporary file was left behind", got)
	}
	if err := writeProfilesAtomic(filepath.Join(dir, "missing"), "f", []byte("data")); err == nil {
		t.Error("writeProfilesAtomic into a missing directory = nil, want an error")
	}
}

func TestConfigDir(t *testing.T) {
	base := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(base, "xdg"))
	t.Setenv("HOME", filepath.Join(base, "home"))
	t.Setenv("AppData", filepath.Join(base, "appdata"))
	userDir, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	flagDir := filepath.Join(base, "flag")
	envDir := filepath.Join(base, "env")
	tests := []struct {
		name, flag, env, want string
	}{
		{"flag wins", flagDir, envDir, flagDir},
		{"flag without env", flagDir, "", flagDir},
		{"env", "", envDir, envDir},
		{"default", "", "", filepath.Join(userDir, "smtpconf")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvConfigDir, tt.env)
			got, err := ConfigDir(tt.flag)
			if err != nil || got != tt.want {
				t.Errorf("ConfigDir(%q) with %s=%q = %q, %v; want %q", tt.flag, EnvConfigDir, tt.env, got, err, tt.want)
			}
		})
	}
	t.Run("relative flag becomes absolute", func(t *testing.T) {
		got, err := ConfigDir("rel")
		if err != nil || !filepath.IsAbs(got) || filepath.Base(got) != "rel" {
			t.Errorf("ConfigDir(rel) = %q, %v", got, err)
		}
	})
	t.Run("no home", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("depends on how the OS finds the config directory")
		}
		t.Setenv(EnvConfigDir, "")
		t.Setenv("XDG_CONFIG_HOME", "")
		t.Setenv("HOME", "")
		if _, err := ConfigDir(""); err == nil || !strings.Contains(err.Error(), "--config-dir") {
			t.Errorf("ConfigDir without a home = %v; want an error suggesting --config-dir", err)
		}
	})
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
