// Package kernels holds the numeric kernels of the inference and training engine:
// a single-precision matrix product (Sgemm), 2-D convolution forward and backward,
// max and global average pooling, batch normalisation, ReLU and dense layers, all
// on plain []float32 slices in NCHW layout with PyTorch's weight layouts (OIHW for
// convolutions, out x in for dense layers).
//
// # Calling convention
//
// Kernels write their outputs in place and never allocate in steady state: the
// convolutions take a caller-owned workspace (Conv.WorkspaceLen), and parallel
// work runs on a fixed set of helper goroutines fed through pooled task records.
// Geometry errors are reported by Conv.Validate and Pool.Validate; passing an
// invalid geometry or a slice that is too short to a kernel is a programming error
// and panics, as in BLAS.
//
// # Design
//
// Everything heavy is a matrix product computed by one micro-kernel: an mr x nr
// tile of C accumulated from a packed A panel (kc x mr, A's column p at [p*mr:])
// and a packed B panel (kc x nr, B's row p at [p*nr:]), then stored, added,
// biased and clamped at zero as the caller asks. Sgemm blocks the product for the
// caches (KC = 256 deep, MC = 192 rows of A, NC = 2048 columns of B) and splits
// the larger of m and n across goroutines for large products.
//
// A convolution is y (OutC x OutH*OutW) = w (OutC x InC*KH*KW) * col, where col is
// the im2col matrix of an image. col is never materialised: each nr-column panel
// of it is gathered from the image straight into packed form (contiguous copies
// for stride 1), and every weight row panel is multiplied against it while it is
// in L1. Because w is the left operand, the product is already in NCHW order, and
// bias and activation are applied in the same pass that stores a tile. Images are
// spread across goroutines; a batch smaller than twice the goroutine count also
// splits each image's column panels. The backward pass computes
// dw += dy * col^T per image into per-goroutine partial sums that are added at the
// end, and dx one column panel at a time as w^T * dy, scattered (col2im) into dx.
//
// The micro-kernel is chosen at start-up from the CPU's features (see kernels()):
// an AVX-512 or AVX2/FMA assembly kernel on amd64, or a portable Go kernel, which
// is the only one built with the purego tag or on other architectures.
package kernels
