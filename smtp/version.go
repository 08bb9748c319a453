package smtp

import "runtime/debug"

// Commit is the revision the binary was built from. Release builds (make
// package, make cross) stamp it, with Version, through
// -ldflags "-X github.com/smtpconf/smtpconf/smtp.Commit=...". Left empty, the
// revision that the Go toolchain records by itself for a `go build` in a
// clone is used, so a developer's build still says what it is.
var Commit = ""

// VersionLine is the version followed by the commit in parentheses when it is
// known ("0.1.0 (1a2b3c4d5e6f)"): what `smtpconf --version` prints and the
// About dialog shows, so a bug report names the exact build.
func VersionLine() string {
	if c := commitOf(Commit, debug.ReadBuildInfo); c != "" {
		return Version + " (" + c + ")"
	}
	return Version
}

// commitOf is the stamped commit, else the one in the build info (12 hex
// digits, "-dirty" when the tree had changes), else "".
func commitOf(stamped string, read func() (*debug.BuildInfo, bool)) string {
	if stamped != "" {
		return stamped
	}
	info, ok := read()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev[:min(len(rev), 12)] + dirty
}
