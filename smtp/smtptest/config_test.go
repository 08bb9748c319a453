package smtptest_test

import (
	"testing"

	"github.com/smtpconf/smtpconf/smtp/smtptest"
)

func TestReplyString(t *testing.T) {
	r := smtptest.Reply{Code: 535, Enhanced: "5.7.8", Message: "Bad"}
	if got := r.String(); got != "535 5.7.8 Bad" {
		t.Fatal(got)
	}
	if got := (smtptest.Reply{Code: 421, Message: "Bye"}).String(); got != "421 Bye" {
		t.Fatal(got)
	}
}
