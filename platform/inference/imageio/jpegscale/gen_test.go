package jpegscale

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"testing"
)

var writePPM = flag.String("write-ppm", "", "write the synthetic test photo as a PPM to this path (used by testdata/gen.sh)")

func TestWritePPM(t *testing.T) {
	if *writePPM == "" {
		return
	}
	img := photo(203, 147, 1)
	f, err := os.Create(*writePPM)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "P6\n%d %d\n255\n", 203, 147)
	for i := 0; i < len(img.Pix); i += 4 {
		w.Write(img.Pix[i : i+3])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
