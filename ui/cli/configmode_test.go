package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A config directory left readable by others is tightened, and said so
// once, by any command, a reading one too (issue 15, defect 21).
func TestLooseConfigDirIsTightenedByAnyCommand(t *testing.T) {
	env := []string{"SMTPCONF_LANG=en"}
	for _, args := range [][]string{{"profile", "list"}, {"profile", "list", "--json"}, {"test", "a", "--json"}, {"queue", "list"}} {
		dir := t.TempDir()
		if r := run(t, dir, "", env, "profile", "save", "a", "--host", "127.0.0.1", "--port", "1", "--auth", "none", "--from", "a@example.com"); r.code != 0 {
			t.Fatalf("save: %d %s", r.code, r.stderr)
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, "profiles.json"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := run(t, dir, "", env, args...)
		if n := strings.Count(r.stderr, "it is now 0700"); n != 1 {
			t.Errorf("%v: the tightening is said %d times:\n%s", args, n, r.stderr)
		}
		if !strings.Contains(r.stderr, "it is now 0600") {
			t.Errorf("%v: the profiles file's tightening is not said:\n%s", args, r.stderr)
		}
		for p, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "profiles.json"): 0o600} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
				t.Errorf("%v: %s has mode %v, want %v", args, p, fi.Mode().Perm(), want)
			}
		}
		if r := run(t, dir, "", env, args...); strings.Contains(r.stderr, "it is now") {
			t.Errorf("%v: said again on the next run:\n%s", args, r.stderr)
		}
	}
}
