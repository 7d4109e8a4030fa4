package auth

import (
	"time"

	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
)

// User is an account. The password hash never leaves the package: handlers
// answer with UserView.
type User struct {
	ID           string `gorm:"primaryKey"`
	Email        string
	Username     string
	FullName     string
	PasswordHash string
	IsActive     bool
	Role         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TableName maps User to its table.
func (User) TableName() string { return "users" }

// IsAdmin reports whether the user has the admin role.
func (u User) IsAdmin() bool { return u.Role == principal.RoleAdmin }

// session is one login: every access token names it (the sid claim) and
// every refresh token descends from it (its family). The row, not Redis,
// says whether the session is over.
type session struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

func (session) TableName() string { return "sessions" }

// refreshToken is one link of a rotation chain. Only the SHA-256 of the
// token is stored; the family groups every token descended from one login.
type refreshToken struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	FamilyID   string
	TokenHash  string
	ExpiresAt  time.Time
	Revoked    bool
	ReplacedBy *string
	CreatedAt  time.Time
}

func (refreshToken) TableName() string { return "refresh_tokens" }

// apiKey is a long-lived credential for cameras and scripts. The prefix is
// public (it is how the key is found and how people recognise it); only
// the SHA-256 of the whole key is stored.
type apiKey struct {
	ID         string `gorm:"primaryKey"`
	UserID     string
	Name       string
	Prefix     string
	SecretHash string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	Revoked    bool
	// RateLimitPerMinute is the key's API budget; nil is the default.
	RateLimitPerMinute *int
}

func (apiKey) TableName() string { return "api_keys" }

// UserView is a user as the API shows it.
type UserView struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Username  string    `json:"username"`
	FullName  string    `json:"full_name"`
	Role      string    `json:"role"`
	IsActive  bool      `json:"is_active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// View returns the public fields of u.
func (u User) View() UserView {
	return UserView{ID: u.ID, Email: u.Email, Username: u.Username, FullName: u.FullName, Role: u.Role,
		IsActive: u.IsActive, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// APIKeyView is an API key as listed; Key is set only in the creation
// response, the one time the secret is shown.
type APIKeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Key        string     `json:"key,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	// RateLimitPerMinute is the key's API budget, the default included.
	RateLimitPerMinute int `json:"rate_limit_per_minute"`
}

// view shows k with its effective budget, rate(stored value).
func (k apiKey) view(rate func(int) int) APIKeyView {
	stored := 0
	if k.RateLimitPerMinute != nil {
		stored = *k.RateLimitPerMinute
	}
	return APIKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt,
		RateLimitPerMinute: rate(stored)}
}

// TokenPair is the answer to a login or a refresh.
type TokenPair struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"` // seconds
	RefreshToken string `json:"refresh_token"`
}

// UserPage is one page of the admin user listing. PerPage repeats
// page_size under the name this listing answered first.
type UserPage struct {
	paging.Page[UserView]
	PerPage int `json:"per_page"`
}

// userPaging is the user listing's page sizes; per_page is its first name
// for page_size, still accepted.
var userPaging = paging.Options{DefaultSize: 20, MaxSize: 100, SizeAliases: []string{"per_page"},
	Filters: []string{"is_active", "role"}}

// UserFilter narrows the admin listing; nil fields do not filter.
type UserFilter struct {
	IsActive *bool
	Role     *string
	Page     paging.Request
}

// NewUser is what registration and the user command provide.
type NewUser struct {
	Email    string
	Username string
	Password string
	FullName string
	Admin    bool
}

// ProfileChange is a PATCH /auth/me body; nil fields stay as they are.
type ProfileChange struct {
	FullName        *string
	Password        *string
	CurrentPassword *string
}

// AccountChange is an admin's PATCH /users/:id body.
type AccountChange struct {
	IsActive *bool
	Role     *string
}
