package auth

import (
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
	"golang.org/x/crypto/bcrypt"
)

func asAppErr(err error) (*apperr.Error, bool) { return apperr.As(err) }

func TestAPIKeyFormat(t *testing.T) {
	key, prefix, hash, err := newAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(key) != keyLen || !strings.HasPrefix(key, prefix+"_") || !looksLikeAPIKey(key) {
		t.Fatalf("key %q prefix %q", key, prefix)
	}
	if got, ok := splitAPIKey(key); !ok || got != prefix {
		t.Errorf("splitAPIKey = %q %v, want %q", got, ok, prefix)
	}
	tampered := key[:len(key)-1] + "a"
	if key[len(key)-1] == 'a' {
		tampered = key[:len(key)-1] + "b"
	}
	if !sameDigest(key, hash) || sameDigest(tampered, hash) {
		t.Error("the stored digest does not identify exactly this key")
	}
	other, _, _, _ := newAPIKey()
	if other == key {
		t.Error("two keys are equal")
	}
	for _, bad := range []string{"", key[:len(key)-1], key + "a", strings.Replace(key, "aqk_", "aqx_", 1),
		key[:keyPrefixLen] + "-" + key[keyPrefixLen+1:], "aqk_ZZZZZZZZZZZZ" + key[keyPrefixLen:],
		key[:keyPrefixLen+1] + strings.Repeat("1", keySecretLen)} {
		if _, ok := splitAPIKey(bad); ok {
			t.Errorf("splitAPIKey accepted %q", bad)
		}
	}
}

func TestRefreshTokensAreRandomAndHashed(t *testing.T) {
	a, ha, err := newRefreshToken()
	if err != nil {
		t.Fatal(err)
	}
	b, hb, _ := newRefreshToken()
	if a == b || ha == hb || ha == a || len(a) != 43 {
		t.Errorf("tokens %q %q hashes %q %q", a, b, ha, hb)
	}
	if digest(a) != ha {
		t.Error("stored hash is not the digest of the token")
	}
}

func TestHasher(t *testing.T) {
	h, err := newHasher(bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	// The dummy must cost what a real hash costs, or timing tells unknown
	// accounts from wrong passwords.
	if c, err := bcrypt.Cost(h.dummy); err != nil || c != bcrypt.MinCost {
		t.Errorf("dummy hash cost %d (%v), want %d", c, err, bcrypt.MinCost)
	}
	hash, err := h.hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := bcrypt.Cost([]byte(hash)); c != bcrypt.MinCost {
		t.Errorf("hash cost %d", c)
	}
	long := strings.Repeat("x", 72)
	longHash, err := h.hash(long)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, hash, password string
		want                 bool
	}{
		{"right password", hash, "correct horse", true},
		{"wrong password", hash, "correct horsE", false},
		{"no account", "", "correct horse", false},
		{"no account, empty password", "", "", false},
		{"72 bytes", longHash, long, true},
		{"same 72 bytes and more", longHash, long + "y", false},
	}
	for _, tt := range tests {
		got, err := h.check(tt.hash, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("%s: check = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if _, err := h.hash(long + "y"); err == nil {
		t.Error("hashing 73 bytes succeeded; bcrypt would have truncated it")
	}
	if _, err := newHasher(3); err == nil {
		t.Error("cost 3 accepted")
	}
}
