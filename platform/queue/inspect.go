package queue

import (
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TaskWillRun asks Redis whether a task is waiting to run, or being run by
// a worker that took it less than lease ago. A task active for longer may
// belong to a worker that died holding it (asynq keeps it active until its
// own lease on the task runs out), so a reconciler treats it as lost and
// hands its work to a new task.
func TaskWillRun(in *asynq.Inspector, queue, id string, enqueued, now time.Time, lease time.Duration) (bool, error) {
	info, err := in.GetTaskInfo(queue, id)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("inspect task %s: %w", id, err)
	}
	switch info.State {
	case asynq.TaskStatePending, asynq.TaskStateScheduled, asynq.TaskStateRetry, asynq.TaskStateAggregating:
		return true, nil
	case asynq.TaskStateActive:
		return enqueued.After(now.Add(-lease)), nil
	}
	return false, nil
}
