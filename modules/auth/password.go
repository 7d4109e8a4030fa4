package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// hasher hashes and checks passwords with bcrypt at one cost. Its dummy
// hash lets a login for an unknown account cost the same bcrypt work as a
// wrong password, so response time does not tell which accounts exist.
type hasher struct {
	cost  int
	dummy []byte
}

func newHasher(cost int) (*hasher, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d outside %d-%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(base64.RawURLEncoding.EncodeToString(b[:])), cost)
	if err != nil {
		return nil, fmt.Errorf("auth: dummy hash: %w", err)
	}
	return &hasher{cost: cost, dummy: dummy}, nil
}

// hash refuses passwords over bcrypt's 72-byte limit instead of letting
// them be truncated; callers validate first, so this is a second guard.
func (h *hasher) hash(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(b), nil
}

// check reports whether password matches hash. An empty hash means "no
// such account": the dummy hash is compared instead and the answer is no.
func (h *hasher) check(hash, password string) (bool, error) {
	if len(password) > maxPassword {
		// No stored password is this long, and comparing it would let
		// bcrypt silently look at its first 72 bytes only.
		return false, nil
	}
	target := []byte(hash)
	if hash == "" {
		target = h.dummy
	}
	err := bcrypt.CompareHashAndPassword(target, []byte(password))
	switch {
	case err == nil:
		return hash != "", nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, fmt.Errorf("auth: check password: %w", err)
	}
}
