package smtp

import "testing"

// TestRemedyStringRoundTrip: what the outbox stores reads back the same,
// and a name from a newer version reads as no remedy (the plain hint shows).
func TestRemedyStringRoundTrip(t *testing.T) {
	for _, r := range []Remedy{
		{},
		{Action: RemedyStorePassword},
		{Action: RemedyChooseProfile},
		{Action: RemedySignIn, Provider: "google", ProviderName: "Google"},
		{Action: RemedyRegisterOAuthClient, Provider: "microsoft", ProviderName: "Microsoft"},
	} {
		if got := ParseRemedy(r.String()); got != r {
			t.Errorf("%+v: stored %q, read back %+v", r, r.String(), got)
		}
	}
	if (Remedy{}).String() != "" {
		t.Errorf("no remedy stored as %q", Remedy{}.String())
	}
	if got := ParseRemedy("switch-port:587"); got != (Remedy{}) {
		t.Errorf("an unknown action read as %+v", got)
	}
}
