package imageio

import (
	"encoding/binary"
	"hash/crc32"
	"io"
)

// pngChunk returns the chunk at off after checking its CRC.
func pngChunk(data []byte, off int) (name string, body []byte, next int, err error) {
	if off+8 > len(data) {
		return "", nil, 0, newError(ErrCorrupt, FormatPNG, "truncated chunk", io.ErrUnexpectedEOF)
	}
	n := int64(binary.BigEndian.Uint32(data[off : off+4]))
	if n > 0x7fffffff || int64(off)+12+n > int64(len(data)) {
		return "", nil, 0, newError(ErrCorrupt, FormatPNG, "truncated chunk", io.ErrUnexpectedEOF)
	}
	end := off + 8 + int(n)
	if crc32.ChecksumIEEE(data[off+4:end]) != binary.BigEndian.Uint32(data[end:end+4]) {
		return "", nil, 0, pngFail("invalid checksum")
	}
	return string(data[off+4 : off+8]), data[off+8 : end], end + 4, nil
}

// idatReader presents the run of IDAT chunks starting at next as one
// stream, checking every CRC; it ends at the first other chunk.
type idatReader struct {
	data []byte
	next int    // offset of the next chunk to open
	body []byte // unread part of the current IDAT
	done bool
}

func (r *idatReader) Read(b []byte) (int, error) {
	for len(r.body) == 0 {
		if r.done {
			return 0, io.EOF
		}
		name, body, next, err := pngChunk(r.data, r.next)
		if err != nil {
			return 0, err
		}
		if name != "IDAT" {
			r.done = true
			return 0, io.EOF
		}
		r.body, r.next = body, next
	}
	n := copy(b, r.body)
	r.body = r.body[n:]
	return n, nil
}
