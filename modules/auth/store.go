package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/principal"
	"gorm.io/gorm"
)

// Store errors the service turns into API errors.
var (
	errNoRows        = errors.New("auth: no such row")
	errEmailTaken    = errors.New("auth: email already registered")
	errUsernameTaken = errors.New("auth: username already taken")
)

// store keeps accounts, refresh tokens and API keys in the database. It
// speaks portable SQL, so the same code runs on Postgres and SQLite.
type store struct {
	db  *gorm.DB
	now func() time.Time
}

func newStore(db *gorm.DB, now func() time.Time) *store {
	if now == nil {
		now = time.Now
	}
	return &store{db: db, now: now}
}

// timestamp is the store's clock, in UTC at the microsecond precision both
// databases keep, so what is written is what is read back.
func (s *store) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *store) tx(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// createUser inserts u and tells a duplicate email from a duplicate
// username, even when two registrations race for the same one.
func (s *store) createUser(ctx context.Context, u *User) error {
	now := s.timestamp()
	u.CreatedAt, u.UpdatedAt = now, now
	err := s.tx(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if taken, _ := s.exists(ctx, "lower(email) = ?", u.Email); taken {
			return errEmailTaken
		}
		return errUsernameTaken
	}
	if err != nil {
		return fmt.Errorf("auth: create user: %w", err)
	}
	return nil
}

func (s *store) exists(ctx context.Context, where string, args ...any) (bool, error) {
	var n int64
	err := s.tx(ctx).Model(&User{}).Where(where, args...).Limit(1).Count(&n).Error
	return n > 0, err
}

// taken reports which of email and username are already in use.
func (s *store) taken(ctx context.Context, email, username string) (emailTaken, usernameTaken bool, err error) {
	if emailTaken, err = s.exists(ctx, "lower(email) = ?", email); err != nil {
		return false, false, fmt.Errorf("auth: %w", err)
	}
	if usernameTaken, err = s.exists(ctx, "username = ?", username); err != nil {
		return false, false, fmt.Errorf("auth: %w", err)
	}
	return emailTaken, usernameTaken, nil
}

func (s *store) first(ctx context.Context, where string, args ...any) (User, error) {
	var u User
	err := s.tx(ctx).Where(where, args...).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, errNoRows
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: load user: %w", err)
	}
	return u, nil
}

func (s *store) userByID(ctx context.Context, id string) (User, error) {
	return s.first(ctx, "id = ?", id)
}

// userByLogin finds the account for a login name: an email when it has an
// @ (usernames cannot), the username otherwise.
func (s *store) userByLogin(ctx context.Context, login string) (User, error) {
	if strings.Contains(login, "@") {
		return s.first(ctx, "lower(email) = ?", normalizeEmail(login))
	}
	return s.first(ctx, "username = ?", login)
}

func (s *store) listUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	q := s.tx(ctx).Model(&User{})
	if f.IsActive != nil {
		q = q.Where("is_active = ?", *f.IsActive)
	}
	if f.Role != nil {
		q = q.Where("role = ?", *f.Role)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("auth: count users: %w", err)
	}
	var users []User
	err := q.Order("created_at, id").Offset(f.Page.Offset()).Limit(f.Page.Size).Find(&users).Error
	if err != nil {
		return nil, 0, fmt.Errorf("auth: list users: %w", err)
	}
	return users, total, nil
}

// updateUser sets the given columns (and updated_at) on one user.
func (s *store) updateUser(ctx context.Context, id string, set map[string]any) error {
	set["updated_at"] = s.timestamp()
	res := s.tx(ctx).Model(&User{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("auth: update user: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return errNoRows
	}
	return nil
}

// activeAdmins counts active admins other than exceptID.
func (s *store) activeAdmins(ctx context.Context, exceptID string) (int64, error) {
	var n int64
	err := s.tx(ctx).Model(&User{}).Where("role = ? AND is_active = ? AND id <> ?", principal.RoleAdmin, true, exceptID).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("auth: count admins: %w", err)
	}
	return n, nil
}
