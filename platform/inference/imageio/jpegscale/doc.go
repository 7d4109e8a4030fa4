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
// image comes out with chroma at the output's own resolution, unless the
// caller asks for less (Options).
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
// A caller that shrinks the output again can say so (DecodeScaledWith,
// Options.ChromaW/H): at 1/8 a 4:2:0, 4:2:2 or 4:4:0 file then keeps its
// own subsampling and each chroma block only its DC, its exact mean, and
// the chroma transforms are skipped. Halved afterwards, the output is as
// close to a full decode as with full chroma (MAD within 0.2 of it on the
// test files, TestReducedChromaMatchesStdAtHalfTheOutput), and the decode
// of a camera frame at 1/8 costs a fifth less (Intel Xeon family 6 model
// 207: 1920x1080 2.3-2.7 ms -> 1.9-2.2 ms, 4000x3000 9.7-10.2 -> 7.3-8.5
// ms, go test -bench DecodeScaledCamera, three runs each). Reduced 2x2 and
// 4x4 chroma transforms at 1/4 and 1/2 were measured up to three times
// further from a full decode than the larger ones, so those scales always
// bring chroma to the output's resolution.
//
// # Speed
//
// The sequential hot loop (seqBlock) keeps a 64-bit bit accumulator in
// registers, refilled from one 8-byte load whenever none of the eight bytes
// is 0xFF (stuffing and markers take a byte-by-byte path). One 10-bit
// lookup gives a code's length, its symbol and, when they fit, its
// sign-extended magnitude. Coefficients the scale does not read are decoded
// only to find the block's end: past the last one the output needs (DC at
// 1/8, the 2x2 or 4x4 corner at 1/4 and 1/2) the loop stores nothing. 2x2
// transforms (1/8 chroma, 1/4 luma) run in integers. Progressive refinement
// scans visit only the coefficients already non-zero inside an EOB run.
//
// CPU time per decode (go test -bench, GOMAXPROCS=1 per benchmark), AMD EPYC
// (family 23 model 1, AVX2, no AVX-512), a shared 2-core KVM guest under a
// load average of about 20, so take the ratios rather than the absolute
// figures; "before" is the previous version of this package in the same run:
//
//	1920x1080 q90 4:2:0               1/8      1/4      1/2     full
//	camera frame (130 KB)   before   9.0 ms  17.0 ms  27.3 ms
//	                        after    3.3 ms   9.2 ms  21.9 ms
//	smooth (318 KB)         before  13.3 ms  21.3 ms  34.5 ms  46.2 ms
//	                        after    5.6 ms  11.7 ms  26.0 ms  33.7 ms
//	noisy  (760 KB)         before  23.8 ms  32.1 ms  46.6 ms  65.2 ms
//	                        after   12.7 ms  18.9 ms  34.5 ms  45.5 ms
//	4000x3000 camera frame  before  43.5 ms  86.6 ms   144 ms
//	                        after   13.9 ms  45.4 ms   117 ms
//	1600x1200 progressive   before  17.9 ms  23.2 ms  34.5 ms
//	                        after    5.4 ms   9.6 ms  23.2 ms
//
// image/jpeg's full decode takes 40.6 ms (smooth) and 63.7 ms (noisy) in
// the same runs. On the camera frames of BENCHMARKS.md libjpeg (PIL with
// draft(), which also converts to RGB) takes 3.15 ms per 1080p frame and
// 14.7 ms per 12 MP frame at 1/8, this package 3.0 ms and 12.3 ms.
package jpegscale
