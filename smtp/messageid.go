package smtp

// NewMessageID returns a new, globally unique Message-ID (with its angle
// brackets) in the domain of the address from ("localhost" when it has
// none), in the same form as the test message's.
func NewMessageID(from string) string {
	return "<" + newMessageID(from) + ">"
}
