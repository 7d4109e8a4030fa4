package auth

import "strconv"

// Per-key API budgets. A key's budget is chosen when the key is made; a
// key made without one gets DefaultKeyRatePerMinute, sized for a camera:
// 2 photos a second is 120 requests a minute, and 300 leaves room for
// retries, status polls and a burst after a network gap. Users' access
// tokens keep RATE_LIMIT_PER_MINUTE, which is sized for a person; where
// an operator raised that above 300, keys without a budget get it too, so
// no camera gets less than it had before keys had budgets.
const (
	// DefaultKeyRatePerMinute is the least budget of a key made without
	// one (RATE_LIMIT_PER_MINUTE when that is higher).
	DefaultKeyRatePerMinute = 300
	// MaxKeyRatePerMinute bounds what a key may be given: 100 requests
	// a second, more than one process classifies.
	MaxKeyRatePerMinute = 6000
)

// checkKeyRate validates a requested budget; nil (not given) is fine.
func checkKeyRate(v *int) string {
	if v != nil && (*v < 1 || *v > MaxKeyRatePerMinute) {
		return "must be between 1 and " + strconv.Itoa(MaxKeyRatePerMinute) + " (requests per minute)"
	}
	return ""
}

// keyRate is the budget a key's stored value stands for: 0 (NULL in the
// database) is the default.
func (s *service) keyRate(stored int) int {
	if stored <= 0 {
		return s.keyDefault
	}
	return stored
}
