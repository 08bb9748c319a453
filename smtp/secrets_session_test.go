package smtp

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestSessionSecrets(t *testing.T) {
	s := NewSessionSecrets()
	if _, err := s.Get("work"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("Get of missing = %v, want ErrSecretNotFound", err)
	}
	if err := s.Set("work", "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("home", "other"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("work"); err != nil || v != "s3cret" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Set("work", "new"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("work"); v != "new" {
		t.Fatalf("Set did not overwrite: %q", v)
	}
	if err := s.Set("work", "bad\nsecret"); !errors.Is(err, ErrInvalidSecret) || strings.Contains(err.Error(), "bad") {
		t.Fatalf("Set with LF = %v", err)
	}
	if err := s.Set("work", strings.Repeat("x", MaxSecretSize+1)); !errors.Is(err, ErrSecretTooLarge) {
		t.Fatalf("Set too large = %v", err)
	}
	if err := s.Set("", "x"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Set with empty name = %v", err)
	}
	if err := s.Rename("work", "job"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("work"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatalf("old name still there after Rename: %v", err)
	}
	if v, _ := s.Get("job"); v != "new" {
		t.Fatalf("Rename lost the secret: %q", v)
	}
	if err := s.Rename("missing", "other"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("other"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Rename of a missing secret created one")
	}
	if err := s.Delete("job"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("job"); err != nil {
		t.Fatalf("Delete of missing = %v", err)
	}
	if _, err := s.Get("job"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Delete did not delete")
	}
	if v, _ := s.Get("home"); v != "other" {
		t.Fatal("profiles clash")
	}
	s.Clear()
	if _, err := s.Get("home"); !errors.Is(err, ErrSecretNotFound) {
		t.Fatal("Clear did not clear")
	}

	var zero SessionSecrets // the zero value works too
	if err := zero.Set("a", "b"); err != nil {
		t.Fatal(err)
	}
}

func TestSessionSecretsConcurrent(t *testing.T) {
	s := NewSessionSecrets()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := string(rune('a' + i))
			for range 200 {
				_ = s.Set(name, "v"+name)
				if v, err := s.Get(name); err != nil || v != "v"+name {
					t.Errorf("Get(%s) = %q, %v", name, v, err)
					return
				}
				_ = s.Delete(name)
			}
		}()
	}
	wg.Wait()
}
