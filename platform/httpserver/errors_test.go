package httpserver

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestFullDiskAnswers507: a write that meets ENOSPC (a photo to the blob
// store, a batch upload) tells the caller the server is out of storage.
func TestFullDiskAnswers507(t *testing.T) {
	s := New(Options{})
	s.Echo.POST("/photos", func(echo.Context) error {
		return fmt.Errorf("store photo: %w", &fs.PathError{Op: "write", Path: "/data/images/ab/cd", Err: syscall.ENOSPC})
	})
	rec := httptest.NewRecorder()
	s.Echo.ServeHTTP(rec, httptest.NewRequest("POST", "/photos", nil))
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusInsufficientStorage || body.Error.Code != "insufficient_storage" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
