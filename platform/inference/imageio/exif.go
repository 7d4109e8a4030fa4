package imageio

import (
	"bytes"
	"encoding/binary"
)

const (
	orientationTag = 0x0112
	maxJPEGMarkers = 256 // a real header has a handful; bounds the scan on hostile input
)

// jpegOrientation returns the EXIF orientation (1-8) of a JPEG, or 1 when the
// file has no usable Exif IFD0 Orientation tag. Malformed metadata never
// rejects an image: the pixels are still decodable, only upright-ness is lost.
func jpegOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	pos := 2
	for range maxJPEGMarkers {
		// Markers may be preceded by any number of 0xFF fill bytes.
		for pos < len(data) && data[pos] == 0xFF && pos+1 < len(data) && data[pos+1] == 0xFF {
			pos++
		}
		if pos+4 > len(data) || data[pos] != 0xFF {
			return 1
		}
		marker := data[pos+1]
		if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			pos += 2 // standalone markers carry no length
			continue
		}
		if marker == 0xDA || marker == 0xD9 {
			return 1 // start of scan or end of image: metadata comes before
		}
		length := int(binary.BigEndian.Uint16(data[pos+2 : pos+4]))
		if length < 2 || pos+2+length > len(data) {
			return 1
		}
		segment := data[pos+4 : pos+2+length]
		if marker == 0xE1 && bytes.HasPrefix(segment, []byte("Exif\x00\x00")) {
			if o := exifOrientation(segment[6:]); o != 0 {
				return o
			}
		}
		pos += 2 + length
	}
	return 1
}

// exifOrientation reads the Orientation tag from IFD0 of a TIFF structure, or
// returns 0 when it is absent or invalid.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(order.Uint32(tiff[4:8]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 0
	}
	count := int64(order.Uint16(tiff[ifd : ifd+2]))
	entries := ifd + 2
	for i := range count {
		e := entries + 12*i
		if e+12 > int64(len(tiff)) {
			return 0
		}
		if order.Uint16(tiff[e:e+2]) != orientationTag {
			continue
		}
		const typeShort = 3
		if order.Uint16(tiff[e+2:e+4]) != typeShort || order.Uint32(tiff[e+4:e+8]) != 1 {
			return 0
		}
		if v := int(order.Uint16(tiff[e+8 : e+10])); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}
