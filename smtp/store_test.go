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
