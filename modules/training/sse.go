package training

import (
	"context"
	"encoding/json"
	"time"

	"github.com/aquaml/aquaml/platform/sse"
	"github.com/labstack/echo/v4"
)

// sseInterval is how often a stream reads the job's progress from the
// database (whichever worker trains); an epoch may take minutes, so the
// stream's keep-alive comments carry most quiet stretches.
const sseInterval = 500 * time.Millisecond

// events streams the job as Server-Sent Events: a progress event whenever
// it changes (a new epoch, a new status), then an end event with the final
// state, after which the stream closes.
func (m *Module) events(c echo.Context) error {
	j, err := m.readable(c)
	if err != nil {
		return err
	}
	err = sse.Poll(c, sseInterval, m.deps.Draining, func(ctx context.Context) ([]byte, bool, error) {
		cur, err := m.store.get(ctx, j.ID)
		if err != nil {
			return nil, false, err
		}
		v := m.view(cur, false)
		data, _ := json.Marshal(v)
		return data, final(v.Status), nil
	})
	if err != nil {
		m.log.Warn("reading training progress", "job", j.ID, "error", err)
	}
	return nil
}
