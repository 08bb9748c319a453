package cli_test

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With --json every failure is exactly one JSON object on standard output,
// with the exit code (issue 15, defect 18): a damaged profiles file, a
// damaged outbox, bad usage.
func TestJSONFailuresPrintOneObject(t *testing.T) {
	env := []string{"SMTPCONF_LANG=en"}
	damaged := func(t *testing.T, file string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, file), []byte("{bad"), 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cases := []struct {
		file string
		args []string
	}{
		{"profiles.json", []string{"profile", "list", "--json"}},
		{"profiles.json", []string{"profile", "show", "a", "--json"}},
		{"profiles.json", []string{"profile", "default", "--json"}},
		{"profiles.json", []string{"check", "a", "--json"}},
		{"profiles.json", []string{"test", "a", "--json"}},
		{"profiles.json", []string{"oauth", "status", "a", "--json"}},
		{"outbox.json", []string{"queue", "list", "--json"}},
		{"outbox.json", []string{"queue", "run", "--json"}},
		{"", []string{"queue", "list", "--json", "--bogus"}},
		{"", []string{"profile", "list", "--json", "extra"}},
		{"", []string{"presets", "--json", "extra"}},
		{"", []string{"check", "--json"}},
		{"", []string{"test", "a", "b", "--json"}},
		{"", []string{"relay", "credentials", "--json", "x"}},
		{"", []string{"detect", "--json"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			if c.file != "" {
				dir = damaged(t, c.file)
			}
			r := run(t, dir, "", env, c.args...)
			if r.code == 0 {
				t.Fatalf("exit 0; stdout %q", r.stdout)
			}
			dec := json.NewDecoder(strings.NewReader(r.stdout))
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				t.Fatalf("exit %d, stdout is not one JSON object (%v):\n%s\nstderr: %s", r.code, err, r.stdout, r.stderr)
			}
			var more any
			if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
				t.Errorf("more than one JSON document on stdout:\n%s", r.stdout)
			}
			if ok, has := obj["ok"]; has && ok != false {
				t.Errorf("ok = %v", ok)
			}
			msg, _ := obj["message"].(string)
			if e, _ := obj["error"].(string); msg == "" && e == "" {
				t.Errorf("no message: %s", r.stdout)
			}
		})
	}
}
