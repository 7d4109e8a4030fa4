package auth

import (
	"testing"
	"time"
)

// TestCacheEntriesRoundTrip: what is cached reads back the same, and a
// value that does not parse (another version's, a corrupted one) counts
// as not cached, so the database is asked instead of guessing.
func TestCacheEntriesRoundTrip(t *testing.T) {
	exp := time.UnixMilli(1_796_156_789_123)
	for _, st := range []sessionState{{ended: true}, {userID: "3f0c-user", expires: exp}} {
		got, ok := decodeSession(st.encode())
		if !ok || got.ended != st.ended || got.userID != st.userID || !got.expires.Equal(st.expires) {
			t.Errorf("session %+v read back as %+v, %v", st, got, ok)
		}
	}
	for _, v := range []string{"", "1", "2", "1abc user", "1123", "1123 ", "x123 user"} {
		if _, ok := decodeSession(v); ok {
			t.Errorf("session %q parsed", v)
		}
	}
	for _, k := range []keyOwner{
		{ID: "k1", UserID: "u1", SecretHash: "ab12", IsActive: true, Role: "admin"},
		{ID: "k2", UserID: "u2", SecretHash: "cd34", Revoked: true, Role: "user", RateLimitPerMinute: 240},
	} {
		got, found, ok := decodeKey(encodeKey(&k))
		if !ok || !found || got != k {
			t.Errorf("key %+v read back as %+v, %v, %v", k, got, found, ok)
		}
	}
	if _, found, ok := decodeKey(encodeKey(nil)); !ok || found {
		t.Errorf("no such key read back as found=%v ok=%v", found, ok)
	}
	for _, v := range []string{"", "l", "l1", "l1user", "l1user,k", "l1user,k,u", "l1user,,u,h", "z1user,k,u,h", "l2user,k,u,h",
		"l1user,k,u,h", "l1user,k,u,h,", "l1user,k,u,h,-3", "l1user,k,u,h,x"} {
		if _, _, ok := decodeKey(v); ok {
			t.Errorf("key %q parsed", v)
		}
	}
}
