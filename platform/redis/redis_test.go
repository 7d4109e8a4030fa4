package redis

import (
	"context"
	"testing"
	"time"
)

func TestInProcessServerExpiresKeys(t *testing.T) {
	r, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	c := r.Client
	if err := c.Do(ctx, c.B().Set().Key("short").Value("1").Px(300*time.Millisecond).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, c.B().Set().Key("long").Value("1").Ex(time.Hour).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := c.Do(ctx, c.B().Exists().Key("short").Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a key with a 300ms TTL still exists after 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := c.Do(ctx, c.B().Exists().Key("long").Build()).AsInt64(); n != 1 {
		t.Error("a key with an hour's TTL expired")
	}
}
