package apptest

import (
	"bytes"
	"mime/multipart"
	"testing"
)

// Multipart encodes fields and one file (in fileField, when data is not
// nil) as multipart/form-data, returning the body and its Content-Type.
func Multipart(t testing.TB, fileField, fileName string, data []byte, fields map[string]string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if data != nil {
		fw, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// With returns headers plus the extra ones, leaving headers unchanged.
func With(headers map[string]string, extra ...string) map[string]string {
	out := make(map[string]string, len(headers)+len(extra)/2)
	for k, v := range headers {
		out[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		out[extra[i]] = extra[i+1]
	}
	return out
}
