package smtp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

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

func TestReadConfigJSON(t *testing.T) {
	errKind := errors.New("invalid test settings")
	type settings struct {
		A string `json:"a"`
		B int    `json:"b"`
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "test.json")

	// A missing file is no error and keeps the defaults.
	v := settings{A: "default", B: 1}
	if err := ReadConfigJSON(dir, "test.json", errKind, &v); err != nil || v != (settings{A: "default", B: 1}) {
		t.Fatalf("missing file: %+v, %v; want the defaults and no error", v, err)
	}

	// Fields the file leaves out keep their default.
	if err := os.WriteFile(path, []byte(`{"b": 2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ReadConfigJSON(dir, "test.json", errKind, &v); err != nil || v != (settings{A: "default", B: 2}) {
		t.Fatalf("partial file: %+v, %v", v, err)
	}

	// Unknown fields, wrong types and broken JSON are errors of the kind,
	// naming the file.
	for _, data := range []string{`{"b": 2, "c": 3}`, `{"b": "2"}`, `{"a":`} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		err := ReadConfigJSON(dir, "test.json", errKind, &settings{})
		if !errors.Is(err, errKind) || !strings.HasPrefix(err.Error(), errKind.Error()+": "+path+": ") {
			t.Errorf("%s: error %v; want %q wrapped, naming %s", data, err, errKind, path)
		}
	}

	// A file that cannot be read (here a directory) is an error of the kind.
	if err := os.Mkdir(filepath.Join(dir, "dir.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := ReadConfigJSON(dir, "dir.json", errKind, &settings{}); !errors.Is(err, errKind) {
		t.Errorf("unreadable: %v; want %q wrapped", err, errKind)
	}
}
