// Package modelfile reads and writes AquaML model files: one self-describing,
// checksummed file per trained model.
//
// Layout (all integers little-endian):
//
//	magic     8 bytes  "AQUAMODL"
//	version   uint32   1
//	metaLen   uint64   length of the metadata JSON
//	metadata  metaLen bytes of JSON (Metadata)
//	weightLen uint64   length of the weights blob
//	weights   weightLen bytes
//	checksum  32 bytes SHA-256 of everything before it
//
// The weights blob is a uint32 tensor count followed by that many tensors:
//
//	nameLen uint32, name (UTF-8), rank uint32, rank x uint64 dims,
//	count uint64 (number of values), count x float32
//
// Reading never trusts a length: every length is capped before anything is
// allocated, buffers grow only as data actually arrives, the checksum is
// verified before the content is interpreted, and every failure is a
// *FormatError whose kind (ErrBadMagic, ErrVersion, ErrTruncated,
// ErrChecksum, ErrCorrupt, ErrShape, ErrInvalid) is testable with errors.Is.
package modelfile
