package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/google/uuid"
)

func (s *service) me(ctx context.Context, p principal.Principal) (User, error) {
	u, err := s.store.userByID(ctx, p.ID)
	if errors.Is(err, errNoRows) {
		return User{}, errUserNotFound
	}
	return u, err
}

// updateMe changes the caller's own profile. A new password needs the
// current one and a signed-in session (an API key must not be able to take
// the account over), and it signs out every other session.
func (s *service) updateMe(ctx context.Context, p principal.Principal, claims *Claims, from origin, ch ProfileChange) (User, error) {
	u, err := s.me(ctx, p)
	if err != nil {
		return User{}, err
	}
	f := fieldErrors{}
	set := map[string]any{}
	if ch.FullName != nil {
		name := strings.TrimSpace(*ch.FullName)
		f.add("full_name", checkText(name, maxFullName))
		set["full_name"] = name
	}
	if ch.Password != nil {
		f.add("password", checkPassword(*ch.Password))
		if ch.CurrentPassword == nil || *ch.CurrentPassword == "" {
			f.add("current_password", "is required to change the password")
		}
	}
	if err := f.err(); err != nil {
		return User{}, err
	}
	if ch.Password != nil {
		if claims == nil {
			return User{}, errTokenRequired
		}
		// Guessing the current password with a stolen token is a login
		// attempt like any other.
		if err := s.limitAccount(ctx, "user:"+u.ID, from); err != nil {
			return User{}, err
		}
		ok, err := s.hash.check(u.PasswordHash, *ch.CurrentPassword)
		if err != nil {
			return User{}, err
		}
		if !ok {
			return User{}, invalidField("current_password", "is incorrect")
		}
		if set["password_hash"], err = s.hash.hash(*ch.Password); err != nil {
			return User{}, err
		}
	}
	if len(set) == 0 {
		return u, nil
	}
	var keep *string
	if ch.Password != nil {
		keep = &claims.SessionID
	}
	ended, err := s.store.updateProfile(ctx, u.ID, set, keep)
	if errors.Is(err, errNoRows) {
		return User{}, errUserNotFound
	}
	if err != nil {
		return User{}, err
	}
	s.state.endSessions(ctx, ended, s.endedTTL())
	return s.me(ctx, p)
}

// createKey makes an API key for the caller and returns it with its
// secret, which is never shown again.
func (s *service) createKey(ctx context.Context, p principal.Principal, name string, rate *int) (APIKeyView, error) {
	if p.Method != principal.MethodToken {
		return APIKeyView{}, errTokenRequired
	}
	name = strings.TrimSpace(name)
	msg := checkText(name, maxKeyName)
	if name == "" {
		msg = "is required"
	}
	f := fieldErrors{}
	f.add("name", msg)
	f.add("rate_limit_per_minute", checkKeyRate(rate))
	if err := f.err(); err != nil {
		return APIKeyView{}, err
	}
	n, err := s.store.countKeys(ctx, p.ID)
	if err != nil {
		return APIKeyView{}, err
	}
	if n >= maxKeysPerUser {
		return APIKeyView{}, errTooManyKeys
	}
	// A 48-bit prefix practically never collides; retry if it does.
	for attempt := 0; ; attempt++ {
		key, prefix, hash, err := newAPIKey()
		if err != nil {
			return APIKeyView{}, err
		}
		k := apiKey{ID: uuid.NewString(), UserID: p.ID, Name: name, Prefix: prefix, SecretHash: hash,
			RateLimitPerMinute: rate}
		err = s.store.insertKey(ctx, &k)
		if err == nil {
			v := k.view(s.keyRate)
			v.Key = key
			return v, nil
		}
		if attempt == 2 {
			return APIKeyView{}, err
		}
	}
}

func (s *service) listKeys(ctx context.Context, p principal.Principal) ([]APIKeyView, error) {
	keys, err := s.store.listKeys(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := make([]APIKeyView, len(keys))
	for i, k := range keys {
		out[i] = k.view(s.keyRate)
	}
	return out, nil
}

// deleteKey revokes one of the caller's keys (anybody else's is 404), in
// the database and then in the cache every replica reads.
func (s *service) deleteKey(ctx context.Context, p principal.Principal, id string) error {
	k, err := s.store.revokeKey(ctx, p.ID, id)
	if errors.Is(err, errNoRows) {
		return errKeyNotFound
	}
	if err != nil {
		return err
	}
	k.IsActive, k.Role = true, p.Role // the caller is signed in, so active
	s.state.set(ctx, "revoke API key", false, keyEntry(k.Prefix, &k))
	return nil
}

func (s *service) listUsers(ctx context.Context, f UserFilter) (UserPage, error) {
	users, total, err := s.store.listUsers(ctx, f)
	if err != nil {
		return UserPage{}, err
	}
	items := make([]UserView, len(users))
	for i, u := range users {
		items[i] = u.View()
	}
	return UserPage{Page: paging.Of(f.Page, items, total), PerPage: f.Page.Size}, nil
}

// updateUser is an admin activating, deactivating or changing the role of
// an account. Deactivation ends every session and revokes every API key of
// the account, for good: reactivation brings none of them back. Changes
// are made in the database first, then overwrite the cached state, so they
// hold on every replica from the account's next request.
func (s *service) updateUser(ctx context.Context, id string, ch AccountChange) (User, error) {
	if ch.Role != nil {
		if msg := checkRole(*ch.Role); msg != "" {
			return User{}, invalidField("role", msg)
		}
	}
	if ch.IsActive == nil && ch.Role == nil {
		u, err := s.store.userByID(ctx, id)
		if errors.Is(err, errNoRows) {
			return User{}, errUserNotFound
		}
		return u, err
	}
	res, err := s.store.changeAccount(ctx, id, ch.IsActive, ch.Role)
	if errors.Is(err, errNoRows) {
		return User{}, errUserNotFound
	}
	if err != nil {
		return User{}, err
	}
	u := res.user
	entries := []entry{userEntry(u.ID, accountState{active: u.IsActive, role: u.Role})}
	for _, sid := range res.ended {
		entries = append(entries, sessionEntry(sid, sessionState{ended: true}, s.endedTTL()))
	}
	for i := range res.keys {
		entries = append(entries, keyEntry(res.keys[i].Prefix, &res.keys[i]))
	}
	s.state.set(ctx, "account change", false, entries...)
	return u, nil
}

// isConflict reports whether err is a 409 (the account already exists).
func isConflict(err error) bool { return apperr.KindOf(err) == apperr.Conflict }
