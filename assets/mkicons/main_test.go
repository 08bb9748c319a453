package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Every size is written where the hicolor theme looks for it, at its size,
// with transparent corners (the rounded square) and the blue background
// inside, so a broken rendering (shapes cut short or strokes too wide at
// small sizes, as oksvg draws when it renders small) is caught.
func TestIcons(t *testing.T) {
	out := t.TempDir()
	if err := run(out, "32,48,64,128,256,512", "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "scalable", "apps", "app.svg")); err != nil {
		t.Error(err)
	}
	for _, n := range []int{32, 48, 64, 128, 256, 512} {
		f, err := os.Open(filepath.Join(out, sizeDir(n), "apps", "app.png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != n || b.Dy() != n {
			t.Errorf("%d px icon is %v", n, b)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a > 0x1000 {
			t.Errorf("%d px icon: corner not transparent (alpha %#x)", n, a)
		}
		// Left of the envelope, half way down: the blue square (#2563eb).
		r, g, b, a := img.At(n*40/512, n/2).RGBA()
		if a < 0xf000 || b>>8 < 0xd0 || r>>8 > 0x50 || g>>8 > 0x80 {
			t.Errorf("%d px icon: background is %02x%02x%02x/%02x, want about 2563eb", n, r>>8, g>>8, b>>8, a>>8)
		}
		// The middle of the check badge's green disc, below the tick.
		r, g, b, _ = img.At(n*378/512, n*440/512).RGBA()
		if g>>8 < 0x80 || r>>8 > 0x60 || b>>8 > 0x80 {
			t.Errorf("%d px icon: badge is %02x%02x%02x, want about 16a34a", n, r>>8, g>>8, b>>8)
		}
	}
}
