package queue

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hibiken/asynq"
)

// A killed worker's tasks come back with ErrLeaseExpired; they must not
// count as failed today, while every error a handler returns does.
func TestKilledWorkersTasksAreNotFailures(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"handler error", errors.New("write results: connection refused"), true},
		{"handed back", fmt.Errorf("batch x chunk 1: %d photos handed back for a retry", 3), true},
		{"worker killed", asynq.ErrLeaseExpired, false},
		{"worker killed, wrapped", fmt.Errorf("recover: %w", asynq.ErrLeaseExpired), false},
		{"no error", nil, false},
	}
	for _, c := range cases {
		if got := isFailure(c.err); got != c.want {
			t.Errorf("%s: isFailure(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
