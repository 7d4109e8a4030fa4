package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// API keys look like aqk_3f9c2a71d0b4_<52 base32 characters>: a fixed
// marker (so leaked keys are easy to grep for and tell from JWTs), a public
// 12-hex-digit prefix used to find the key, and a 256-bit secret.
const (
	keyMarker    = "aqk_"
	keyPrefixLen = len(keyMarker) + 12
	keySecretLen = 52 // base32 of 32 bytes, no padding
	keyLen       = keyPrefixLen + 1 + keySecretLen
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("auth: random: %w", err)
	}
	return b, nil
}

// newRefreshToken returns an opaque 256-bit token and its stored hash.
func newRefreshToken() (token, hash string, err error) {
	b, err := randomBytes(32)
	if err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, digest(token), nil
}

// newAPIKey returns a full key, its public prefix and the stored hash.
func newAPIKey() (key, prefix, hash string, err error) {
	p, err := randomBytes(6)
	if err != nil {
		return "", "", "", err
	}
	s, err := randomBytes(32)
	if err != nil {
		return "", "", "", err
	}
	prefix = keyMarker + hex.EncodeToString(p)
	key = prefix + "_" + keyEncoding.EncodeToString(s)
	return key, prefix, digest(key), nil
}

// looksLikeAPIKey tells an API key from a JWT in an Authorization header.
func looksLikeAPIKey(s string) bool { return strings.HasPrefix(s, keyMarker) }

// splitAPIKey returns the prefix of a well-formed key.
func splitAPIKey(key string) (prefix string, ok bool) {
	if len(key) != keyLen || !strings.HasPrefix(key, keyMarker) || key[keyPrefixLen] != '_' {
		return "", false
	}
	for _, ch := range key[len(keyMarker):keyPrefixLen] {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f') {
			return "", false
		}
	}
	if _, err := keyEncoding.DecodeString(key[keyPrefixLen+1:]); err != nil {
		return "", false
	}
	return key[:keyPrefixLen], true
}

// digest is the stored form of a high-entropy secret. A fast hash is
// enough: with 256 random bits there is nothing to brute-force, and the
// check runs on every request.
func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func sameDigest(secret, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(digest(secret)), []byte(stored)) == 1
}
