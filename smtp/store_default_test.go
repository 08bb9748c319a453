package smtp

import (
	"os"
	"strings"
	"testing"
)

func TestStoreDefault(t *testing.T) {
	st := NewStore(t.TempDir())
	for _, n := range []string{"a", "b"} {
		if err := st.Save(Profile{Name: n, Host: "smtp.example.com", Port: 587, Security: SecuritySTARTTLS, Auth: AuthNone}); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := st.Default(); err != nil || d != "" {
		t.Fatalf("fresh default %q %v", d, err)
	}
	if err := st.SetDefault("nope"); err == nil {
		t.Fatal("unknown profile made the default")
	}
	if err := st.SetDefault("a"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(st.Path())
	if !strings.Contains(string(data), `"default": "a"`) {
		t.Errorf("not in the file:\n%s", data)
	}
	// Renaming keeps it; a save keeps it; deleting clears it.
	if err := st.Rename("a", "c"); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Default(); d != "c" {
		t.Errorf("after rename: %q", d)
	}
	p, _ := st.Get("c")
	if err := st.Save(p); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Default(); d != "c" {
		t.Errorf("after save: %q", d)
	}
	if err := st.Delete("b"); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Default(); d != "c" {
		t.Errorf("after deleting another: %q", d)
	}
	if err := st.Delete("c"); err != nil {
		t.Fatal(err)
	}
	if d, _ := st.Default(); d != "" {
		t.Errorf("after delete: %q", d)
	}
	data, _ = os.ReadFile(st.Path())
	if strings.Contains(string(data), `"default"`) {
		t.Errorf("dangling default in the file:\n%s", data)
	}
}

func TestFromPolicyDefaults(t *testing.T) {
	for id, want := range map[string]FromPolicy{"gmail": FromEnvelope, "outlook": FromHeader, "microsoft365": FromHeader,
		"qq": FromHeader, "163": FromHeader, "126": FromHeader, "yeah": FromHeader, "yahoo": FromHeader, "custom": FromEnvelope, "": FromEnvelope} {
		if got := (Profile{Preset: id}).EffectiveFromPolicy(); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if got := (Profile{Preset: "qq", FromPolicy: FromKeep}).EffectiveFromPolicy(); got != FromKeep {
		t.Errorf("own policy ignored: %s", got)
	}
	p := Profile{Name: "x", Host: "smtp.example.com", Port: 587, Security: SecuritySTARTTLS, Auth: AuthNone, FromPolicy: "rewrite"}
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "From policy") {
		t.Errorf("invalid policy accepted: %v", err)
	}
}
