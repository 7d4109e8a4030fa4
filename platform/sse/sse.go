// Package sse streams a resource's state as Server-Sent Events by polling
// it: the batch and training-job event streams, whose progress lives in
// the database whichever process does the work.
package sse

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	// KeepAlive is how often a comment line is sent on a quiet stream, so
	// idle proxies do not close it.
	KeepAlive = 15 * time.Second
	writeTime = 30 * time.Second
)

// Read returns the resource's current state as JSON and whether it is
// final.
type Read func(ctx context.Context) (data []byte, final bool, err error)

// Poll answers with an event stream: a progress event whenever read's data
// changes (read every interval), then an end event with the final state,
// after which the stream closes. It also ends when the client leaves or
// draining reports the server is shutting down (EventSource clients
// reconnect by themselves). When read fails, the client gets an error
// event and Poll returns read's error for the caller to log; every other
// ending returns nil.
func Poll(c echo.Context, interval time.Duration, draining func() bool, read Read) error {
	ctx := c.Request().Context()
	res := c.Response()
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would buffer the stream
	res.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(res)
	// The server's read and write timeouts are meant for requests, not for
	// a stream that lasts as long as the work: lift the read one, and give
	// every write its own deadline.
	_ = rc.SetReadDeadline(time.Time{})
	send := func(event string, data []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTime))
		if event != "" {
			if _, err := fmt.Fprintf(res, "event: %s\ndata: %s\n\n", event, data); err != nil {
				return err
			}
		} else if _, err := io.WriteString(res, ": keep-alive\n\n"); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send("", nil); err != nil {
		return nil
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var last []byte
	lastSent := time.Now()
	for {
		data, final, err := read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			_ = send("error", []byte(`{"code":"progress_unavailable","message":"progress could not be read; reconnect"}`))
			return err
		}
		if string(data) != string(last) {
			if err := send("progress", data); err != nil {
				return nil
			}
			last, lastSent = data, time.Now()
		}
		if final {
			_ = send("end", data)
			return nil
		}
		if time.Since(lastSent) > KeepAlive {
			if err := send("", nil); err != nil {
				return nil
			}
			lastSent = time.Now()
		}
		if draining() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
