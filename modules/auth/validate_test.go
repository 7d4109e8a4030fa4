package auth

import (
	"strings"
	"testing"
)

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"fish@example.com", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"", false},
		{"fish", false},
		{"fish@", false},
		{"@example.com", false},
		{"fish@localhost", false},
		{"fish@example..com", false},
		{"fish@.example.com", false},
		{"fish@example.com.", false},
		{"Fish <fish@example.com>", false},
		{"fish@example.com, b@example.com", false},
		{"fïsh@example.com", false},
		{"fish @example.com", false},
		{"fish@exa\nmple.com", false},
		{strings.Repeat("a", 250) + "@b.co", false},
	}
	for _, tt := range tests {
		if got := checkEmail(tt.email) == ""; got != tt.ok {
			t.Errorf("checkEmail(%q) ok = %v, want %v (%s)", tt.email, got, tt.ok, checkEmail(tt.email))
		}
	}
}

func TestCheckUsername(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"fish_farm-2.north", true},
		{strings.Repeat("a", 50), true},
		{"ab", false},
		{strings.Repeat("a", 51), false},
		{"Fish", false},
		{"fish farm", false},
		{"fish@farm", false},
		{"ﬁsh", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := checkUsername(tt.name) == ""; got != tt.ok {
			t.Errorf("checkUsername(%q) ok = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, password, want string
	}{
		{"8 ASCII characters", "abcdefgh", ""},
		{"72 bytes", strings.Repeat("p", 72), ""},
		{"8 two-byte characters", strings.Repeat("é", 8), ""},
		{"7 characters", "abcdefg", "must be at least 8 characters"},
		{"7 two-byte characters (14 bytes)", strings.Repeat("é", 7), "must be at least 8 characters"},
		{"73 bytes", strings.Repeat("p", 73), "must be at most 72 bytes (bcrypt's limit)"},
		{"19 four-byte characters (76 bytes)", strings.Repeat("🐟", 19), "must be at most 72 bytes (bcrypt's limit)"},
		{"invalid UTF-8", "abcdefgh\xff", "must be valid UTF-8"},
		{"empty", "", "is required"},
	}
	for _, tt := range tests {
		if got := checkPassword(tt.password); got != tt.want {
			t.Errorf("%s: checkPassword = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestValidateNewUserNormalisesAndReportsEveryField(t *testing.T) {
	in := NewUser{Email: "  Fish@Example.COM ", Username: "fish", Password: "long-enough", FullName: "  Nemo  "}
	if err := validateNewUser(&in); err != nil {
		t.Fatal(err)
	}
	if in.Email != "fish@example.com" || in.FullName != "Nemo" {
		t.Errorf("normalised to %q %q", in.Email, in.FullName)
	}
	bad := NewUser{Email: "nope", Username: "X", Password: "short", FullName: "a\x00b"}
	err := validateNewUser(&bad)
	e, ok := asAppErr(err)
	if !ok || len(e.Fields) != 4 {
		t.Fatalf("want four field errors, got %v", err)
	}
}

func TestUsernameFromEmail(t *testing.T) {
	tests := map[string]string{
		"ops@farm.example":                     "ops",
		"Jane.Doe+admin@x.example":             "jane.doe_admin",
		"a@x.example":                          "admin",
		strings.Repeat("b", 70) + "@x.example": strings.Repeat("b", 50),
	}
	for email, want := range tests {
		got := usernameFrom(email)
		if got != want || checkUsername(got) != "" {
			t.Errorf("usernameFrom(%q) = %q, want %q (valid)", email, got, want)
		}
	}
}
