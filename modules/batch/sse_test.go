package batch_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

type sseEvent struct {
	name string
	data batchJSON
}

// stream opens a batch's event stream and delivers its events on a
// channel, closed when the stream ends.
func stream(t *testing.T, ta *apptest.TestApp, s apptest.Session, id string) (*http.Response, <-chan sseEvent) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", ta.URL+ta.API("/batches/"+id+"/events"), nil)
	req.Header.Set("Authorization", "Bearer "+s.AccessToken)
	req.Header.Set("Accept", "text/event-stream")
	// Asked for explicitly, so the client does not decompress behind our
	// back: the answer must not be gzip-buffered.
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	events := make(chan sseEvent, 1000)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(res.Body)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- sseEvent{name: name, data: decode[batchJSON](t, []byte(strings.TrimPrefix(line, "data: ")))}
			}
		}
	}()
	return res, events
}

func next(t *testing.T, events <-chan sseEvent, within time.Duration) (sseEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-events:
		return ev, ok
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
		return sseEvent{}, false
	}
}

// TestEventsFollowProgressToTheEnd: progress events while a worker runs
// the batch, counts that only grow, then the end event and the close.
func TestEventsFollowProgressToTheEnd(t *testing.T) {
	ta := apptest.New(t, withWorker(func(c *config.Config) { c.Batch.ChunkSize = 4 }))
	alice := ta.NewUser("alice")
	b := submitPhotos(t, ta, alice, photos(t, 40, 48), nil)
	res, events := stream(t, ta, alice, b.ID)
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" || res.Header.Get("Content-Encoding") != "" {
		t.Fatalf("content type %q, encoding %q", ct, res.Header.Get("Content-Encoding"))
	}
	var last batchJSON
	progress := 0
	for {
		ev, ok := next(t, events, 30*time.Second)
		if !ok {
			t.Fatal("the stream closed without an end event")
		}
		if ev.data.ID != b.ID || ev.data.Done < last.Done {
			t.Fatalf("event %s: %+v after %+v", ev.name, ev.data, last)
		}
		last = ev.data
		if ev.name == "progress" {
			progress++
			continue
		}
		if ev.name != "end" || ev.data.Status != "completed" || ev.data.Done != 40 {
			t.Fatalf("final event %s %+v", ev.name, ev.data)
		}
		break
	}
	if progress < 1 {
		t.Errorf("%d progress events", progress)
	}
	if _, ok := <-events; ok {
		t.Error("the stream stayed open after the end event")
	}
}

// TestEventsOutliveTheWriteTimeout: a stream lasts as long as its batch,
// not WRITE_TIMEOUT; cancelling the batch ends it.
func TestEventsOutliveTheWriteTimeout(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) {
		c.HTTP.WriteTimeout, c.HTTP.ReadTimeout = time.Second, time.Second
	})
	alice := ta.NewUser("alice")
	b := submitPhotos(t, ta, alice, photos(t, 3, 32), nil)
	opened := time.Now()
	_, events := stream(t, ta, alice, b.ID)
	if ev, _ := next(t, events, 10*time.Second); ev.name != "progress" || ev.data.Status != "queued" {
		t.Fatalf("first event %+v", ev)
	}
	// The scenario itself: stay connected past both server timeouts.
	time.Sleep(2*time.Second - time.Since(opened) + 500*time.Millisecond)
	ta.Do("POST", ta.API("/batches/"+b.ID+"/cancel"), nil, alice.Auth()).Want(http.StatusOK)
	for {
		ev, ok := next(t, events, 10*time.Second)
		if !ok {
			t.Fatalf("the stream was cut %v after it opened, before the batch ended", time.Since(opened))
		}
		if ev.name == "end" {
			if ev.data.Status != "cancelled" || ev.data.Skipped != 3 {
				t.Errorf("end %+v", ev.data)
			}
			return
		}
	}
}
