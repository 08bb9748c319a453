package smtp

import (
	"errors"
	"strings"
)

// ErrInvalidFromPolicy: a profile's from_policy is not one of the policies.
var ErrInvalidFromPolicy = errors.New("invalid From policy")

// FromPolicy says how a message that another program hands to the relay or
// the sendmail command is adapted to the account it is sent through.
// Providers differ: Gmail rewrites a foreign From by itself, while Outlook
// (5.2.252 SendAsDenied), QQ, 163 and 126 (501/553) and Yahoo refuse a
// sender that is not the signed-in account.
type FromPolicy string

// The policies. The empty value means the preset's default
// (DefaultFromPolicy).
const (
	// FromKeep sends the envelope sender and the From header as given.
	FromKeep FromPolicy = "keep"
	// FromEnvelope sets the envelope sender (MAIL FROM) to the account's
	// address and leaves the From header alone.
	FromEnvelope FromPolicy = "envelope"
	// FromHeader does what FromEnvelope does and also rewrites a From
	// header that names another address to the account's address, keeping
	// the original in Reply-To so replies still reach it.
	FromHeader FromPolicy = "header"
)

// FromPolicyChoices lists the policies for messages and flags.
const FromPolicyChoices = "keep, envelope, header"

// ParseFromPolicy reads a policy name (case-insensitive); "" is the
// preset's default.
func ParseFromPolicy(s string) (FromPolicy, bool) {
	switch p := FromPolicy(strings.ToLower(strings.TrimSpace(s))); p {
	case FromKeep, FromEnvelope, FromHeader, "":
		return p, true
	}
	return "", false
}

// headerPolicyPresets are the providers known to refuse a From header that
// differs from the account: Outlook.com and Microsoft 365 (550 5.7.60 /
// 5.2.252 SendAsDenied), QQ, NetEase 163, 126 and yeah.net (501/553 "mail
// from address must be same as authorization user"), and Yahoo (553/554).
var headerPolicyPresets = map[string]bool{
	"outlook": true, "microsoft365": true, "qq": true, "163": true, "126": true, "yeah": true,
	"yahoo": true, "yahoo-japan": true,
}

// DefaultFromPolicy is the policy of a profile made from the preset with
// this id: header for providers that refuse a foreign From, envelope for
// the others (Gmail rewrites the From header itself; a sending service
// such as SendGrid checks only the domain, which the envelope carries).
func DefaultFromPolicy(presetID string) FromPolicy {
	if headerPolicyPresets[presetID] {
		return FromHeader
	}
	return FromEnvelope
}

// EffectiveFromPolicy is the profile's policy: its own, else its preset's
// default.
func (p Profile) EffectiveFromPolicy() FromPolicy {
	if p.FromPolicy != "" {
		return p.FromPolicy
	}
	return DefaultFromPolicy(p.Preset)
}

// AccountAddress is the address the profile sends as: its From address,
// else a user name that is an address, else "".
func (p Profile) AccountAddress() string {
	if p.From != "" {
		if _, a, err := ParseAddress(p.From); err == nil {
			return a
		}
	}
	if strings.Contains(p.Username, "@") {
		if _, a, err := ParseAddress(p.Username); err == nil {
			return a
		}
	}
	return ""
}

func validateFromPolicy(p FromPolicy) error {
	switch p {
	case "", FromKeep, FromEnvelope, FromHeader:
		return nil
	}
	return invalid(ErrInvalidFromPolicy, "{{.Value}} is not a From policy; choose {{.Choices}}", args{"Value": q(string(p)), "Choices": FromPolicyChoices})
}
