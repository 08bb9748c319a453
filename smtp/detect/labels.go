package detect

import "github.com/smtpconf/smtpconf/smtp"

// sourceNames say where an answer came from, as a phrase inside a sentence.
var sourceNames = smtp.Names[Source]{
	SourcePreset:     "a built-in preset",
	SourceMX:         "the domain's MX record",
	SourceSRV:        "the domain's SRV record",
	SourceAutoconfig: "the provider's autoconfig file",
	SourceProbe:      "probing the usual servers",
}

// Name says where an answer came from, for people, as a phrase inside a
// sentence ("the domain's MX record"); JSON keeps the contract's values.
func (s Source) Name() string { return sourceNames.Of(s) }
