package auth

import (
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

// bcryptAlphabet is the base64 alphabet of bcrypt hash strings.
const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func newHasher(cost int) (*hasher, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: bcrypt cost %d outside %d-%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	// The dummy is a well-formed hash with a random salt at the same cost,
	// written out rather than computed: comparing against it costs a full
	// bcrypt run, making it does not (cost 12 would add a quarter second to
	// every start). No password matches it on purpose; check says no
	// whenever it is used anyway.
	b, err := randomBytes(53)
	if err != nil {
		return nil, err
	}
	for i := range b {
		b[i] = bcryptAlphabet[int(b[i])%len(bcryptAlphabet)]
	}
	dummy := fmt.Appendf(nil, "$2a$%02d$%s", cost, b)
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
