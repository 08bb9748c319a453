package smtp

import (
	"os"
	"regexp"
	"runtime/debug"
	"testing"
)

// The version a plain `go build` reports is the one in FyneApp.toml, which
// the packages and `make package` use when there is no tag: the two must
// not drift apart.
func TestVersionMatchesFyneApp(t *testing.T) {
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Version\s*=\s*"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no Version in FyneApp.toml")
	}
	if string(m[1]) != Version {
		t.Errorf("smtp.Version = %q, FyneApp.toml says %q", Version, m[1])
	}
}

func TestVersionLine(t *testing.T) {
	oldV, oldC := Version, Commit
	t.Cleanup(func() { Version, Commit = oldV, oldC })
	Version, Commit = "0.2.0-3-gabc1234", "abc1234def56"
	if got := VersionLine(); got != "0.2.0-3-gabc1234 (abc1234def56)" {
		t.Errorf("VersionLine() = %q", got)
	}
}

func TestCommitOf(t *testing.T) {
	info := func(settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) { return &debug.BuildInfo{Settings: settings}, true }
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123456789abcdef0123"}
	for _, c := range []struct {
		name, stamped string
		read          func() (*debug.BuildInfo, bool)
		want          string
	}{
		{"stamped wins", "abc", info(rev), "abc"},
		{"from the build info", "", info(rev), "0123456789ab"},
		{"changed tree", "", info(rev, debug.BuildSetting{Key: "vcs.modified", Value: "true"}), "0123456789ab-dirty"},
		{"no revision", "", info(), ""},
		{"no build info", "", func() (*debug.BuildInfo, bool) { return nil, false }, ""},
	} {
		if got := commitOf(c.stamped, c.read); got != c.want {
			t.Errorf("%s: commitOf = %q, want %q", c.name, got, c.want)
		}
	}
}
