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
// sequential files, Adobe RGB and Adobe CMYK (APP14 transform 0, any
// sampling). Refused with ErrUnsupported: arithmetic coding, lossless and
// hierarchical frames, 12-bit samples, YCCK and unmarked four-component
// files. The result is an *image.YCbCr, *image.Gray, *image.RGBA (Adobe
// RGB) or *image.CMYK; EXIF orientation is left to the caller.
//
// # Memory
//
// Declared dimensions are checked against MaxPixels before anything is
// allocated (DecodeConfig reads them without decoding). A file whose first
// scan is sequential and holds every component streams block by block
// straight into the output: besides the output (ceil(w/s) x ceil(h/s) per
// plane) the decoder holds about 25 KB of tables and buffers.
//
// Progressive and multi-scan sequential files keep coefficients until the
// last scan. Each 8x8 block of each component stores a 64-bit mask of its
// non-zero coefficients (refinement scans need that history for all 64)
// and int16 values only for the coefficients the scaled transform reads:
// 10 bytes per block at 1/8, 16 at 1/4, 40 at 1/2 and 136 at full scale
// (16 and 40 at 1/8 and 1/4 for 4:2:0 chroma, which is decoded at twice the
// luma transform size). For a 12-megapixel 4:2:0 photo that is 3.4 MB at
// 1/8 and 6.8 MB at 1/4, against 38 MB at full scale.
// TestScaledDecodeAllocatesNoFullSizeBuffer checks that a 1600x1200
// progressive file decoded at 1/8 allocates less than one full-size plane.
//
// # Accuracy
//
// Compared with image/jpeg's full decode followed by an s x s box average,
// the mean absolute difference per RGB channel, worst channel over all test
// files, is:
//
//	full scale  0.03   (different IDCT rounding only)
//	1/2         3.3    (grey files alone: 2.3)
//	1/4         4.2    (3.0)
//	1/8         4.2    (0.4)
//
// The files: a 203x147 synthetic photo with hard colour edges and pixel
// noise in every sampling, scan order and colour space cjpeg makes
// (quality 85) plus image/jpeg's own 4:2:0 encodes at quality 50 and 90,
// and Go's video-001 / video-005 test images (4:1:0, 2x2/1x2/1x2 sampling,
// separate DC progression, Adobe RGB and CMYK). A smooth 1600x1200
// progressive gradient stays under 0.25 at every scale. The largest figures
// come from hard chroma edges: the reduced transform drops high frequencies
// that a box average keeps. The tests bound full scale at 1.0 and the
// reduced scales at 5.0.
//
// # Speed
//
// CPU time per 1920x1080 quality-90 4:2:0 decode (BenchmarkDecodeScaled,
// BenchmarkStdDecodeFull, GOMAXPROCS=1, Intel Xeon Processor, a shared
// 2-core VM, so take the ratios rather than the absolute figures):
//
//	                      1/8     1/4     1/2    full   image/jpeg full
//	smooth (318 KB)     8.2 ms  13.0 ms 20.9 ms 28.4 ms    26.6 ms
//	noisy  (760 KB)    18.1 ms  19.5 ms 28.6 ms 43.8 ms    41.3 ms
//
// (one run; runs differ by up to 15% on this machine.)
//
// Entropy decoding is the floor at every scale, as every coefficient must be
// read. At full scale image/jpeg's integer IDCT is slightly faster than the
// float one here.
package jpegscale
