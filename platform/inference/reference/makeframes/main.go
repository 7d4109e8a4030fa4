// Command makeframes is make_frames.py without Python: it takes every n-th
// photo of a class tree (SRC/<class>/<file>), enlarges it to W x H with a
// Catmull-Rom (bicubic) filter and writes it as a quality-90 4:2:0 JPEG
// under DST/<class>/, making the camera frames of BENCHMARKS.md.
//
//	go run ./platform/inference/reference/makeframes SRC DST W H N
package main

import (
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // some shared photos are PNGs
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/image/draw"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "makeframes:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 5 {
		return fmt.Errorf("usage: makeframes SRC DST W H N")
	}
	src, dst := args[0], args[1]
	var nums [3]int
	for i, a := range args[2:] {
		v, err := strconv.Atoi(a)
		if err != nil || v <= 0 {
			return fmt.Errorf("%q is not a positive number", a)
		}
		nums[i] = v
	}
	w, h, n := nums[0], nums[1], nums[2]
	classes, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	type photo struct{ class, name string }
	var photos []photo
	for _, c := range classes {
		if !c.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(src, c.Name()))
		if err != nil {
			return err
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, name := range names {
			photos = append(photos, photo{c.Name(), name})
		}
	}
	step := max(1, len(photos)/n)
	for i, made := 0, 0; i < len(photos) && made < n; i, made = i+step, made+1 {
		p := photos[i]
		out := filepath.Join(dst, p.class, strings.TrimSuffix(p.name, filepath.Ext(p.name))+".jpg")
		if err := frame(filepath.Join(src, p.class, p.name), out, w, h); err != nil {
			return err
		}
	}
	return nil
}

func frame(in, out string, w, h int) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	img, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	big := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(big, big.Bounds(), img, img.Bounds(), draw.Src, nil)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(o, big, &jpeg.Options{Quality: 90}); err != nil {
		o.Close()
		return err
	}
	return o.Close()
}
