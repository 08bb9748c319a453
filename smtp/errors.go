package smtp

import "errors"

// Sentinel errors for invalid settings. Callers test them with errors.Is;
// wrapped errors add the offending value.
var (
	ErrInvalidName     = errors.New("invalid profile name")
	ErrInvalidHost     = errors.New("invalid host name")
	ErrInvalidPort     = errors.New("invalid port")
	ErrInvalidSecurity = errors.New("invalid security mode")
	ErrInvalidAuth     = errors.New("invalid authentication method")
	ErrInvalidAddress  = errors.New("invalid email address")
	ErrNeedsSMTPUTF8   = errors.New("address needs SMTPUTF8")
	ErrHeaderInjection = errors.New("line break in a header field")
	ErrInvalidTimeout  = errors.New("invalid timeout")
	ErrInvalidHELO     = errors.New("invalid HELO name")
	ErrCAFile          = errors.New("unusable CA file")
	ErrNoSuchPreset    = errors.New("no such preset")
	ErrMissingField    = errors.New("missing field")
	ErrInvalidUsername = errors.New("invalid user name")
	ErrInvalidFromName = errors.New("invalid sender name")

	ErrNoSuchProfile = errors.New("no such profile")
	ErrProfileExists = errors.New("profile already exists")
	ErrCorruptConfig = errors.New("corrupt profiles file")
	ErrConfigVersion = errors.New("profiles file from a newer version")
)
