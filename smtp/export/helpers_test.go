package export

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inCI reports a CI run (CI=true), where a missing tool fails the test
// instead of skipping it: CI installs every tool (Makefile TEST_PKGS).
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "0" && v != "false"
}

// needTool returns the path of a program the test runs. Missing, it skips
// the test with what to install, or fails it in CI.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if inCI() {
			t.Fatalf("%s not found; CI must have it (apt install %s, see TEST_PKGS in the Makefile)", name, pkg)
		}
		t.Skipf("%s not found (apt install %s); skipping", name, pkg)
	}
	return p
}

// keyringAvailable reports a private test keyring (.ci/with-keyring.sh).
func keyringAvailable() bool { return os.Getenv("SMTPCONF_KEYRING_TEST") == "1" }

// runTool runs a command with a deadline and returns its output; it fails
// the test when the command fails.
func runTool(t *testing.T, dir string, env []string, stdin string, name string, args ...string) string {
	t.Helper()
	out, errOut, err := tryTool(t, dir, env, stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// tryTool runs a command with a deadline and returns stdout, stderr and
// the error.
func tryTool(t *testing.T, dir string, env []string, stdin string, name string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// withoutEnv is os.Environ() less the named variables, for a child that
// must not inherit them (SMTP_PASSWORD when the keyring is under test).
func withoutEnv(names ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		keep := true
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				keep = false
			}
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// postfixDir is a Postfix configuration directory holding mainCF as
// main.cf and an empty master.cf. The file is dated a minute back: Postfix
// waits for a main.cf changed within the last second to settle, which
// would cost two seconds a call.
func postfixDir(t *testing.T, mainCF string) string {
	t.Helper()
	d := t.TempDir()
	old := time.Now().Add(-time.Minute)
	for name, content := range map[string]string{"main.cf": mainCF, "master.cf": ""} {
		f := filepath.Join(d, name)
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	return d
}
