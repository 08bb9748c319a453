package ui

// RunOptions are what main passes to Run besides the config directory. This
// file has no build tag: the headless build's Run takes them too.
type RunOptions struct {
	// ForcedLanguage is set when the language was chosen on the command
	// line (smtpconf --lang zh, or $SMTPCONF_LANG), and main already
	// switched to it: the language saved in the Settings is then not
	// applied at start. The Settings still save a choice made in the
	// window, and switch to it at once.
	ForcedLanguage bool
}
