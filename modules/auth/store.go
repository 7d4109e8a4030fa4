package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aquaml/aquaml/platform/principal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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

// updateProfile is updateUser that, with endOthers, also ends every other
// session of the user (keeping the one named) in the same transaction: a
// new password and the sign-out it implies happen together or not at all.
// It returns the sessions it ended.
func (s *store) updateProfile(ctx context.Context, id string, set map[string]any, endOthers *string) ([]string, error) {
	var ended []string
	now := s.timestamp()
	set["updated_at"] = now
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", id).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errNoRows
		}
		if endOthers == nil {
			return nil
		}
		var err error
		ended, err = endSessions(tx, id, *endOthers, now)
		return err
	})
	if errors.Is(err, errNoRows) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("auth: update user: %w", err)
	}
	return ended, nil
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

// accountChange is what an admin's change did to an account.
type accountChange struct {
	user  User       // as it is now
	ended []string   // sessions ended by a deactivation
	keys  []keyOwner // keys whose cached state changed: revoked now, or every key of the account
}

// changeAccount sets is_active and/or role of user id (nil leaves a
// column as it is) in one transaction that cannot leave the service
// without an active admin, however many admins change each other at the
// same moment. On Postgres the transaction locks every active admin row
// (in id order, so two of them cannot deadlock) before reading the target,
// and a concurrent change to one of them waits and is then judged on what
// that change left; on SQLite transactions take the write lock when they
// begin (_txlock=immediate), so they run one after the other. A
// deactivation also ends every session and revokes every API key of the
// account, for good. errNoRows when there is no such user; errLastAdmin
// when the change would leave no active admin.
func (s *store) changeAccount(ctx context.Context, id string, active *bool, role *string) (accountChange, error) {
	var out accountChange
	deactivate := active != nil && !*active
	demote := role != nil && *role != principal.RoleAdmin
	now := s.timestamp()
	err := s.tx(ctx).Transaction(func(tx *gorm.DB) error {
		lock := func(q *gorm.DB) *gorm.DB {
			if tx.Dialector.Name() == "postgres" {
				return q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate})
			}
			return q
		}
		var admins []string
		if deactivate || demote {
			q := tx.Model(&User{}).Where("role = ? AND is_active = ?", principal.RoleAdmin, true).Order("id")
			if err := lock(q).Pluck("id", &admins).Error; err != nil {
				return err
			}
		}
		var u User
		if err := lock(tx.Where("id = ?", id)).Take(&u).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return errNoRows
			}
			return err
		}
		if u.IsActive && u.IsAdmin() && (deactivate || demote) && !slices.ContainsFunc(admins, func(a string) bool { return a != id }) {
			return errLastAdmin
		}
		set := map[string]any{"updated_at": now}
		if active != nil {
			set["is_active"], u.IsActive = *active, *active
		}
		if role != nil {
			set["role"], u.Role = *role, *role
		}
		if err := tx.Model(&User{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return err
		}
		u.UpdatedAt = now
		out.user = u
		var err error
		if deactivate {
			if out.ended, err = endSessions(tx, id, "", now); err != nil {
				return err
			}
		}
		out.keys, err = keysOf(tx, id, deactivate)
		return err
	})
	if errors.Is(err, errNoRows) || errors.Is(err, errLastAdmin) {
		return accountChange{}, err
	}
	if err != nil {
		return accountChange{}, fmt.Errorf("auth: change account: %w", err)
	}
	for i := range out.keys {
		out.keys[i].IsActive, out.keys[i].Role = out.user.IsActive, out.user.Role
	}
	return out, nil
}
