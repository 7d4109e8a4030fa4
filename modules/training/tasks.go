package training

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

const taskTrain = "training:job"

type trainPayload struct {
	JobID string `json:"job_id"`
}

// taskID names a job's task; the suffix makes a re-enqueued task a new
// one while the lost one may linger in a dead worker's list.
func taskID(jobID string) string { return "training:" + jobID + ":" + newToken()[:8] }

// enqueue puts a job's task on the training queue. Asynq's own retry is a
// backstop: the reconciler is what resumes a job a dead worker held.
func (m *Module) enqueue(ctx context.Context, jobID, id string) error {
	payload, _ := json.Marshal(trainPayload{JobID: jobID})
	_, err := m.deps.Client.EnqueueContext(ctx, asynq.NewTask(taskTrain, payload),
		asynq.Queue(Queue), asynq.TaskID(id), asynq.MaxRetry(3), asynq.Timeout(7*24*time.Hour))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// handleTrain runs one job to its end: claimed, trained (resuming from a
// checkpoint when one is there), registered. A job it cannot claim is
// another worker's, or over.
func (m *Module) handleTrain(ctx context.Context, t *asynq.Task) error {
	var p trainPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.JobID == "" {
		return fmt.Errorf("training: bad payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	token := newToken()
	ok, err := m.store.claim(ctx, p.JobID, token, m.worker, time.Now().UTC(), m.cfg.Lease)
	if err != nil {
		return fmt.Errorf("training job %s: claim: %w", p.JobID, err)
	}
	if !ok {
		return nil
	}
	j, err := m.store.get(ctx, p.JobID)
	if err != nil {
		return fmt.Errorf("training job %s: %w", p.JobID, err)
	}
	return m.train(ctx, j, token)
}
