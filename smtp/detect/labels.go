package detect

import "github.com/smtpconf/smtpconf/smtp/l10n"

// Name says where an answer came from, for people, as a phrase inside a
// sentence ("the domain's MX record"); JSON keeps the contract's values.
func (s Source) Name() string {
	switch s {
	case SourcePreset:
		return l10n.L("a built-in preset")
	case SourceMX:
		return l10n.L("the domain's MX record")
	case SourceSRV:
		return l10n.L("the domain's SRV record")
	case SourceAutoconfig:
		return l10n.L("the provider's autoconfig file")
	case SourceProbe:
		return l10n.L("probing the usual servers")
	}
	return string(s)
}
