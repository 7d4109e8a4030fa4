package batch_test

import (
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestCallbackURLRefusedWhenPrivate: without WEBHOOK_ALLOW_PRIVATE a
// callback that resolves to loopback, link-local or private addresses is
// refused at submission, before anything is stored.
func TestCallbackURLRefusedWhenPrivate(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	hook := newReceiver(t)
	img := photos(t, 1, 32)
	for _, tc := range []struct{ url, code string }{
		{hook.URL, "callback_url_forbidden"},
		{"http://localhost:8080/hook", "callback_url_forbidden"},
		{"http://[::1]/hook", "callback_url_forbidden"},
		{"http://[::ffff:127.0.0.1]/hook", "callback_url_forbidden"},
		{"http://[::127.0.0.1]/hook", "callback_url_forbidden"},
		{"http://[::ffff:0:127.0.0.1]/hook", "callback_url_forbidden"},
		{"http://[64:ff9b::127.0.0.1]/hook", "callback_url_forbidden"},
		{"http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "callback_url_forbidden"},
		{"http://[2002:7f00:1::1]/hook", "callback_url_forbidden"},
		{"http://[2002:c0a8:10a::]/hook", "callback_url_forbidden"},
		{"http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook", "callback_url_forbidden"},
		{"http://10.1.2.3/hook", "callback_url_forbidden"},
		{"http://172.16.0.9/hook", "callback_url_forbidden"},
		{"https://192.168.1.10/hook", "callback_url_forbidden"},
		{"http://169.254.169.254/latest/meta-data/", "callback_url_forbidden"},
		{"http://100.64.0.1/hook", "callback_url_forbidden"},
		{"http://0.0.0.0:8000/", "callback_url_forbidden"},
		{"ftp://example.com/hook", "validation_error"},
		{"http://user:secret@example.com/hook", "validation_error"},
		{"/relative/hook", "validation_error"},
	} {
		body, ct := form(t, img, map[string]string{"callback_url": tc.url})
		res := submit(t, ta, alice, body, ct)
		if res.Status != http.StatusUnprocessableEntity || res.Error().Code != tc.code {
			t.Errorf("%s: %d %s, want 422 %s", tc.url, res.Status, res.Body, tc.code)
		}
	}
	var n int64
	ta.DB.Table("batches").Count(&n)
	if n != 0 || len(hook.deliveries()) != 0 {
		t.Errorf("%d batches stored, %d deliveries", n, len(hook.deliveries()))
	}
}
