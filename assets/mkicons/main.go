// Command mkicons renders the app icon (assets/icon.svg) to the PNG sizes
// that desktops look up in the hicolor icon theme, with the same SVG
// renderer as the window (Fyne's oksvg and rasterx), so the PNGs are made
// from their one source at build time instead of being kept beside it.
//
//	go run ./assets/mkicons -out DIR [-sizes 32,48,64,128,256,512] [-name ID]
//
// writes DIR/NxN/apps/ID.png for each size, and DIR/scalable/apps/ID.svg.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
	"golang.org/x/image/draw"

	"github.com/smtpconf/smtpconf/assets"
)

func main() {
	out := flag.String("out", "", "icon theme directory to write into (e.g. share/icons/hicolor)")
	sizes := flag.String("sizes", "32,48,64,128,256,512", "comma-separated pixel sizes")
	name := flag.String("name", "io.github.smtpconf.smtpconf", "icon name (the app ID)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "mkicons: -out is required")
		os.Exit(2)
	}
	if err := run(*out, *sizes, *name); err != nil {
		fmt.Fprintln(os.Stderr, "mkicons:", err)
		os.Exit(1)
	}
}

func run(out, sizes, name string) error {
	svgDir := filepath.Join(out, "scalable", "apps")
	if err := os.MkdirAll(svgDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(svgDir, name+".svg"), assets.IconSVG, 0o644); err != nil {
		return err
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		img, err := render(assets.IconSVG, n)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return err
		}
		dir := filepath.Join(out, sizeDir(n), "apps")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// render draws the SVG into an n×n image. oksvg draws strokes and curves
// well only at the size of the view box (at a quarter of it, the strokes keep
// their full width), so the icon is drawn at that size and scaled down with
// a Catmull-Rom filter, which also gives the small sizes smooth edges.
func render(svg []byte, n int) (image.Image, error) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(svg))
	if err != nil {
		return nil, err
	}
	w, h := int(icon.ViewBox.W), int(icon.ViewBox.H)
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("the SVG has no view box")
	}
	full := image.NewNRGBA(image.Rect(0, 0, w, h))
	icon.SetTarget(0, 0, float64(w), float64(h))
	icon.Draw(rasterx.NewDasher(w, h, rasterx.NewScannerGV(w, h, full, full.Bounds())), 1)
	if w == n && h == n {
		return full, nil
	}
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(img, img.Bounds(), full, full.Bounds(), draw.Src, nil)
	return img, nil
}

// sizeDir is the hicolor directory of the n px icons.
func sizeDir(n int) string { return fmt.Sprintf("%dx%d", n, n) }
