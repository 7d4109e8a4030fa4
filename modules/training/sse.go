package training

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Event stream timing: progress is read from the database (whichever
// worker trains) every sseInterval; a comment line keeps idle proxies
// from closing a quiet stream (an epoch may take minutes).
const (
	sseInterval  = 500 * time.Millisecond
	sseKeepAlive = 15 * time.Second
	sseWriteTime = 30 * time.Second
)

// events streams the job as Server-Sent Events: a progress event whenever
// it changes (a new epoch, a new status), then an end event with the final
// state, after which the stream closes. A stream also ends when the server
// shuts down; EventSource clients reconnect by themselves.
func (m *Module) events(c echo.Context) error {
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res := c.Response()
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	res.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(res)
	_ = rc.SetReadDeadline(time.Time{})
	send := func(event string, data []byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTime))
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
	tick := time.NewTicker(sseInterval)
	defer tick.Stop()
	var last []byte
	lastSent := time.Now()
	for {
		cur, err := m.store.get(ctx, j.ID)
		if err != nil {
			if ctx.Err() == nil {
				m.log.Warn("reading training progress", "job", j.ID, "error", err)
				_ = send("error", []byte(`{"code":"progress_unavailable","message":"progress could not be read; reconnect"}`))
			}
			return nil
		}
		v := m.view(cur, false)
		data, _ := json.Marshal(v)
		if string(data) != string(last) {
			if err := send("progress", data); err != nil {
				return nil
			}
			last, lastSent = data, time.Now()
		}
		if final(v.Status) {
			_ = send("end", data)
			return nil
		}
		if time.Since(lastSent) > sseKeepAlive {
			if err := send("", nil); err != nil {
				return nil
			}
			lastSent = time.Now()
		}
		if m.deps.Draining() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
