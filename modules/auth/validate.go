package auth

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/principal"
)

// Limits on account fields. bcrypt reads at most 72 bytes of a password;
// longer ones are refused rather than silently truncated, so two passwords
// that share their first 72 bytes never unlock the same account.
const (
	minPassword    = 8  // characters
	maxPassword    = 72 // bytes
	minUsername    = 3
	maxUsername    = 50
	maxEmail       = 254
	maxFullName    = 200 // characters
	maxKeyName     = 100 // characters
	maxKeysPerUser = 50
	maxLoginField  = 320 // bytes; longer identifiers cannot match any account
)

// fieldErrors collects per-field messages; the first message per field
// wins, so the client sees the most basic problem first.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok && msg != "" {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return apperr.Validation(f)
}

// normalizeEmail lower-cases the address so uniqueness and look-ups agree
// on both databases (SQLite's lower() only folds ASCII).
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkEmail(email string) string {
	switch {
	case email == "":
		return "is required"
	case len(email) > maxEmail:
		return "must be at most 254 characters"
	}
	for i := 0; i < len(email); i++ {
		if email[i] >= utf8.RuneSelf || email[i] <= ' ' {
			return "must be a plain ASCII address like name@example.com"
		}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return "is not a valid email address"
	}
	at := strings.LastIndexByte(email, '@')
	if domain := email[at+1:]; !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "is not a valid email address"
	}
	return ""
}

func checkUsername(u string) string {
	if u == "" {
		return "is required"
	}
	if len(u) < minUsername || len(u) > maxUsername {
		return "must be 3 to 50 characters"
	}
	for i := 0; i < len(u); i++ {
		ch := u[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '.' || ch == '-') {
			return "may contain only a-z, 0-9, '_', '.' and '-'"
		}
	}
	return ""
}

func checkPassword(p string) string {
	switch {
	case p == "":
		return "is required"
	case len(p) > maxPassword:
		return "must be at most 72 bytes (bcrypt's limit)"
	case !utf8.ValidString(p):
		return "must be valid UTF-8"
	case utf8.RuneCountInString(p) < minPassword:
		return "must be at least 8 characters"
	}
	return ""
}

// checkText accepts printable single-line text up to max characters.
func checkText(s string, max int) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8"
	}
	if utf8.RuneCountInString(s) > max {
		return "is too long"
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "must not contain control characters"
		}
	}
	return ""
}

func checkRole(r string) string {
	if r != principal.RoleUser && r != principal.RoleAdmin {
		return "must be user or admin"
	}
	return ""
}

// validateNewUser normalises and checks a registration.
func validateNewUser(in *NewUser) error {
	in.Email = normalizeEmail(in.Email)
	in.FullName = strings.TrimSpace(in.FullName)
	f := fieldErrors{}
	f.add("email", checkEmail(in.Email))
	f.add("username", checkUsername(in.Username))
	f.add("password", checkPassword(in.Password))
	f.add("full_name", checkText(in.FullName, maxFullName))
	return f.err()
}
