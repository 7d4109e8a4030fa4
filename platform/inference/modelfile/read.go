package modelfile

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Read decodes one model from r, verifying its checksum before interpreting
// the content. It consumes exactly the model's bytes; ReadFile additionally
// rejects trailing data.
func Read(r io.Reader) (*Model, error) {
	h := sha256.New()
	tr := io.TeeReader(r, h)

	var magic [8]byte
	if n, err := io.ReadFull(tr, magic[:]); err != nil {
		if n > 0 && bytes.HasPrefix([]byte(Magic), magic[:n]) {
			return nil, formatErr(ErrTruncated, err, "in magic")
		}
		return nil, formatErr(ErrBadMagic, err, "%d bytes", n)
	}
	if string(magic[:]) != Magic {
		return nil, formatErr(ErrBadMagic, nil, "starts with %q", magic[:])
	}
	var hdr [12]byte
	if _, err := io.ReadFull(tr, hdr[:]); err != nil {
		return nil, formatErr(ErrTruncated, err, "in header")
	}
	if v := binary.LittleEndian.Uint32(hdr[:4]); v != Version {
		return nil, formatErr(ErrVersion, nil, "version %d, this build reads %d", v, Version)
	}
	meta, err := readSection(tr, binary.LittleEndian.Uint64(hdr[4:]), MaxMetadataBytes, "metadata")
	if err != nil {
		return nil, err
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(tr, lenBuf[:]); err != nil {
		return nil, formatErr(ErrTruncated, err, "in weights length")
	}
	blob, err := readSection(tr, binary.LittleEndian.Uint64(lenBuf[:]), MaxWeightsBytes, "weights")
	if err != nil {
		return nil, err
	}
	var sum [sha256.Size]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return nil, formatErr(ErrTruncated, err, "in checksum")
	}
	if !bytes.Equal(sum[:], h.Sum(nil)) {
		return nil, formatErr(ErrChecksum, nil, "stored %x", sum[:8])
	}

	m := &Model{}
	if err := json.Unmarshal(meta, &m.Meta); err != nil {
		return nil, formatErr(ErrCorrupt, err, "metadata JSON")
	}
	if m.Tensors, err = parseWeights(blob); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// readSection reads n bytes, refusing n above limit and growing the buffer
// only as data arrives, so a lying length cannot force a large allocation.
func readSection(r io.Reader, n, limit uint64, what string) ([]byte, error) {
	if n > limit {
		return nil, formatErr(ErrCorrupt, nil, "%s length %d exceeds %d", what, n, limit)
	}
	const chunk = 1 << 20
	var buf []byte
	for uint64(len(buf)) < n {
		step := int(min(n-uint64(len(buf)), chunk))
		start := len(buf)
		buf = append(buf, make([]byte, step)...)
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, formatErr(ErrTruncated, err, "%s declared %d bytes", what, n)
		}
	}
	return buf, nil
}

// ReadFile reads the model file at path and rejects bytes after its checksum.
func ReadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("modelfile: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	m, err := Read(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, formatErr(ErrCorrupt, err, "data after the checksum"))
	}
	return m, nil
}

// Checksum returns the hex SHA-256 of the whole file at path, the identity a
// model registry records.
func Checksum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("modelfile: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("modelfile: checksum %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
