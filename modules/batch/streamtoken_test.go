package batch_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/golang-jwt/jwt/v5"
)

type streamToken struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	URL       string `json:"url"`
}

func newStreamToken(t *testing.T, ta *apptest.TestApp, s apptest.Session, id string) streamToken {
	t.Helper()
	var st streamToken
	ta.Do("POST", ta.API("/batches/"+id+"/stream-token"), nil, s.Auth()).Want(http.StatusOK).JSON(&st)
	return st
}

// openAsBrowser opens an event stream the way EventSource does: a plain
// GET of a URL, no Authorization header. It returns the first event's
// name and data line, then hangs up.
func openAsBrowser(t *testing.T, ta *apptest.TestApp, path string) (event, data string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ta.URL+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			event = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			return event, v
		}
	}
	t.Fatalf("GET %s: the stream ended without an event", path)
	return "", ""
}

func wantRefused(t *testing.T, r *apptest.Response, status int, code string) {
	t.Helper()
	r.Want(status)
	if got := r.Error().Code; got != code {
		t.Errorf("code %q, want %q", got, code)
	}
}

// TestStreamTokenOpensOnlyItsBatchStream: a browser opens its batch's
// event stream with a stream token in the URL; the token opens nothing
// else, and an access token in a URL opens nothing at all.
func TestStreamTokenOpensOnlyItsBatchStream(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	mine := submitPhotos(t, ta, alice, photos(t, 2, 32), nil)
	other := submitPhotos(t, ta, alice, photos(t, 2, 32), nil)
	bobs := submitPhotos(t, ta, bob, photos(t, 2, 32), nil)

	st := newStreamToken(t, ta, alice, mine.ID)
	if st.ExpiresIn < 10 || st.ExpiresIn > 120 || st.Token == "" || st.Token == alice.AccessToken {
		t.Fatalf("stream token %+v", st)
	}
	events := ta.API("/batches/" + mine.ID + "/events")
	if st.URL != events+"?stream_token="+st.Token {
		t.Errorf("url %q", st.URL)
	}
	if ev, data := openAsBrowser(t, ta, st.URL); ev != "progress" || !strings.Contains(data, mine.ID) {
		t.Fatalf("first event %s %s", ev, data)
	}
	// A token lasts its minute, not one connection: EventSource reconnects.
	openAsBrowser(t, ta, st.URL)

	q := "?stream_token=" + url.QueryEscape(st.Token)
	for _, tc := range []struct {
		name, method, path string
		headers            map[string]string
		status             int
		code               string
	}{
		{"another batch's stream", "GET", "/batches/" + other.ID + "/events" + q, nil, 401, "invalid_stream_token"},
		{"the batch itself", "GET", "/batches/" + mine.ID + q, nil, 401, "invalid_stream_token"},
		{"the batch's results", "GET", "/batches/" + mine.ID + "/results" + q, nil, 401, "invalid_stream_token"},
		{"cancelling the batch", "POST", "/batches/" + mine.ID + "/cancel" + q, nil, 401, "invalid_stream_token"},
		{"who am I", "GET", "/auth/me" + q, nil, 401, "invalid_stream_token"},
		{"as a bearer token", "GET", "/batches/" + mine.ID + "/events", apptest.Bearer(st.Token), 401, "invalid_token"},
		{"an access token as stream token", "GET", "/batches/" + mine.ID + "/events?stream_token=" + alice.AccessToken, nil, 401, "invalid_stream_token"},
		{"an access token in the query", "GET", "/batches/" + mine.ID + "/events?access_token=" + alice.AccessToken, nil, 401, "not_authenticated"},
		{"a spoiled token", "GET", "/batches/" + mine.ID + "/events?stream_token=" + st.Token + "x", nil, 401, "invalid_stream_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefused(t, ta.Do(tc.method, ta.API(tc.path), nil, tc.headers), tc.status, tc.code)
		})
	}

	// A token for somebody else's batch opens nothing: the stream is
	// still only for the batch's owner.
	stolen := newStreamToken(t, ta, alice, bobs.ID)
	wantRefused(t, ta.Do("GET", stolen.URL, nil, nil), 404, "batch_not_found")

	// API keys send headers; they get no stream tokens.
	var key struct {
		Key string `json:"key"`
	}
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "cam"}, alice.Auth()).Want(201).JSON(&key)
	wantRefused(t, ta.Do("POST", ta.API("/batches/"+mine.ID+"/stream-token"), nil, apptest.Bearer(key.Key)), 403, "token_required")
	wantRefused(t, ta.Do("POST", ta.API("/batches/"+mine.ID+"/stream-token"), nil, nil), 401, "not_authenticated")

	// Signing out ends the session's stream tokens with it.
	ta.Do("POST", ta.API("/auth/logout"), nil, alice.Auth()).Want(http.StatusNoContent)
	wantRefused(t, ta.Do("GET", st.URL, nil, nil), 401, "token_revoked")
}

// TestStreamTokenExpires signs stream tokens with the App's own key: the
// same claims open the stream while fresh, and are refused once expired.
func TestStreamTokenExpires(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	b := submitPhotos(t, ta, alice, photos(t, 2, 32), nil)
	genuine := newStreamToken(t, ta, alice, b.ID)
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(genuine.Token, claims); err != nil {
		t.Fatal(err)
	}
	sign := func(issued time.Time) string {
		c := jwt.MapClaims{}
		for k, v := range claims {
			c[k] = v
		}
		c["iat"], c["nbf"], c["exp"] = issued.Unix(), issued.Unix(), issued.Add(time.Minute).Unix()
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(ta.Config().Auth.JWTSecretKey))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	events := ta.API("/batches/" + b.ID + "/events?stream_token=")
	openAsBrowser(t, ta, events+sign(time.Now()))
	wantRefused(t, ta.Do("GET", events+sign(time.Now().Add(-2*time.Minute)), nil, nil), 401, "stream_token_expired")
	// A token altered after signing is refused.
	wantRefused(t, ta.Do("GET", events+sign(time.Now())+"A", nil, nil), 401, "invalid_stream_token")
}
