package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aquaml/aquaml/platform/queue"
	"github.com/aquaml/aquaml/platform/testkit/redistest"
)

// A reconciler must leave alone a task that is waiting or that a live
// worker took within the lease, and hand back one that is gone or that
// has been active for longer than the lease (its worker may be dead).
func TestTaskWillRun(t *testing.T) {
	r := redistest.New(t)
	q := queue.New(queue.Options{Addr: r.Addr, Username: r.Username, Password: r.Password, DB: r.DB, TLS: r.TLS,
		Queues: map[string]int{"work": 1}})
	t.Cleanup(func() { q.Close() })
	const lease = time.Minute
	now := time.Now()

	waiting, err := q.Client.Enqueue(asynq.NewTask("wait", nil), asynq.Queue("work"), asynq.ProcessIn(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := queue.TaskWillRun(q.Inspector, "work", waiting.ID, now, now, lease); err != nil || !ok {
		t.Errorf("a scheduled task: will run %v, %v; want true", ok, err)
	}
	if ok, err := queue.TaskWillRun(q.Inspector, "work", "no-such-task", now, now, lease); err != nil || ok {
		t.Errorf("a task Redis lost: will run %v, %v; want false", ok, err)
	}
	if ok, err := queue.TaskWillRun(q.Inspector, "nowhere", waiting.ID, now, now, lease); err != nil || ok {
		t.Errorf("a queue Redis lost: will run %v, %v; want false", ok, err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	q.Mux.HandleFunc("hold", func(context.Context, *asynq.Task) error {
		close(held)
		<-release
		return nil
	})
	active, err := q.Client.Enqueue(asynq.NewTask("hold", nil), asynq.Queue("work"))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Stop)
	defer close(release)
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker never took the task")
	}
	if ok, err := queue.TaskWillRun(q.Inspector, "work", active.ID, now, now, lease); err != nil || !ok {
		t.Errorf("a task taken within the lease: will run %v, %v; want true", ok, err)
	}
	if ok, err := queue.TaskWillRun(q.Inspector, "work", active.ID, now.Add(-2*lease), now, lease); err != nil || ok {
		t.Errorf("a task active for twice the lease: will run %v, %v; want false", ok, err)
	}
}
