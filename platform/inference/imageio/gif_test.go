package imageio

import (
	"bytes"
	"image"
	"image/gif"
	"testing"
)

func encodeAnimated(t *testing.T, frames ...*image.Paletted) []byte {
	t.Helper()
	var buf bytes.Buffer
	g := &gif.GIF{Image: frames, Delay: make([]int, len(frames))}
	if err := gif.EncodeAll(&buf, g); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
