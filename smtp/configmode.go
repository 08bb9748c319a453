package smtp

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/smtpconf/smtpconf/smtp/l10n"
)

// SecureConfigDir checks the modes of an existing config directory and its
// profiles file, whatever the command (a reading one too: a directory left
// 0777 must not stay so until the next save). What others may read is
// tightened (0700, 0600) when this user owns it; otherwise it is left and
// warned about. It returns the sentences to tell the person, once; it
// creates nothing.
func SecureConfigDir(dir string) []string {
	var notes []string
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode()&os.ModeSticky != 0 {
		return nil // nothing yet, or a shared directory such as /tmp: EnsureConfigDir decides
	}
	if fi.Mode().Perm()&0o077 != 0 {
		notes = append(notes, tighten(dir, fi, 0o700,
			"The config directory was readable by others; it is now 0700.",
			"Warning: the config directory {{.Dir}} has mode {{.Mode}} and can be read by other users, but it is not yours to change ({{.Error}}); choose a private one with {{.Flag}}."))
	}
	p := filepath.Join(dir, ProfilesFile)
	if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0 {
		notes = append(notes, tighten(p, fi, 0o600,
			"The profiles file was readable by others; it is now 0600.",
			"Warning: the profiles file {{.Dir}} has mode {{.Mode}} and can be read by other users, but it is not yours to change ({{.Error}}); choose a private config directory with {{.Flag}}."))
	}
	return notes
}

// tighten sets path's mode to mode when this user owns it, and says what
// happened: done, or failed (with why).
func tighten(path string, fi os.FileInfo, mode os.FileMode, done, failed string) string {
	err := os.ErrPermission
	if ownedByMe(fi) {
		if err = os.Chmod(path, mode); err == nil {
			return l10n.L(done)
		}
	}
	return l10n.L(failed, args{"Dir": path, "Mode": fmt.Sprintf("%04o", fi.Mode().Perm()), "Error": err.Error(), "Flag": "--config-dir"})
}
