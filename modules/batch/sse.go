package batch

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aquaml/aquaml/platform/sse"
	"github.com/labstack/echo/v4"
)

// sseInterval is how often a stream reads the batch's progress from the
// database (whichever process does the work).
const sseInterval = 250 * time.Millisecond

// events streams the batch's progress as Server-Sent Events: a progress
// event whenever the counts change, then an end event with the final
// state, after which the stream closes.
//
// A browser's EventSource cannot send headers: it authenticates with a
// short-lived stream token in the query string, which the auth
// middleware accepts on this route alone. The caller it names must still
// own the batch, checked here as for any other credential.
func (m *Module) events(c echo.Context) error {
	b, err := m.readable(c)
	if err != nil {
		return err
	}
	err = sse.Poll(c, sseInterval, m.deps.Draining, func(ctx context.Context) ([]byte, bool, error) {
		v, err := m.current(ctx, b.ID)
		if err != nil {
			return nil, false, err
		}
		data, _ := json.Marshal(v)
		return data, final(v.Status), nil
	})
	if err != nil {
		m.log.Warn("reading batch progress", "batch", b.ID, "error", err)
	}
	return nil
}
