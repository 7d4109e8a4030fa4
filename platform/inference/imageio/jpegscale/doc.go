// Package jpegscale decodes JPEG images at 1/8, 1/4, 1/2 or full scale in
// the DCT domain, written from ITU-T T.81.
//
//	img, scale, err := jpegscale.DecodeScaled(r, 224, 224)
//
// DecodeScaled picks the smallest scale whose output still covers the
// requested size and never builds the full-size image when a smaller one
// will do: at 1/8 each 8x8 block becomes its DC value, at 1/4 and 1/2 a 2x2
// or 4x4 inverse DCT runs on the block's top-left coefficients (the
// approach of libjpeg's reduced IDCTs). Subsampled chroma gets a transform
// twice or four times larger when the scale leaves room, so a scaled 4:2:0
// image comes out with chroma at the output's own resolution.
//
// Covered: baseline and extended sequential Huffman (SOF0, SOF1) and
// progressive Huffman (SOF2, spectral selection and successive
// approximation), 8-bit samples, grayscale and YCbCr with 4:4:4, 4:2:2,
// 4:2:0, 4:4:0, 4:1:1 and 4:1:0 sampling, restart intervals, multi-scan
// sequential files. Refused with ErrUnsupported: arithmetic coding,
// lossless and hierarchical frames, 12-bit samples, four-component
// (CMYK / YCCK) and Adobe RGB (APP14 transform 0) files. The result is an
// *image.YCbCr or *image.Gray; EXIF orientation is left to the caller.
//
// # Memory
//
// Declared dimensions are checked against MaxPixels before anything is
// allocated. A file whose first scan is sequential and holds every
// component streams block by block straight into the output: besides the
// output (ceil(w/s) x ceil(h/s) per plane) the decoder holds a few KB.
// Progressive and multi-scan sequential files must keep every coefficient
// until the last scan: 64 int16 per 8x8 block per component, i.e. 2 bytes
// per luma pixel plus 2 per chroma sample (3 bytes per pixel at 4:2:0,
// 6 at 4:4:4; 36 MB for a 12-megapixel 4:2:0 photo), independent of the
// output scale because refinement scans need every coefficient's history.
//
// # Accuracy
//
// Compared with image/jpeg's full decode followed by an s x s box average,
// on a 203x147 synthetic photo with hard colour edges and noise (the test
// files in testdata, made by libjpeg-turbo's cjpeg at quality 85, and
// image/jpeg's own 4:2:0 encodes at quality 50 and 90), the mean absolute
// difference per RGB channel, worst channel over all files, is:
//
//	full scale  0.03   (different IDCT rounding only)
//	1/2         3.3    (luma and grey alone: 1.7)
//	1/4         3.7    (1.3)
//	1/8         4.2    (1.1)
//
// The largest figures are in the blue channel of 4:2:0 files: the reduced
// transform drops the chroma edges' high frequencies that a box average
// keeps, and blue carries chroma with the largest weight. The tests bound
// full scale at 1.0 and the reduced scales at 5.0.
//
// # Speed
//
// BenchmarkDecodeScaled and BenchmarkStdDecodeFull decode a 1920x1080
// quality-90 4:2:0 file (760 KB, a noisy image, so entropy decoding
// dominates); see the figures in the commit that added them. Entropy
// decoding is the floor at every scale, as every coefficient must be read.
package jpegscale
