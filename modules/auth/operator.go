package auth

import (
	"context"
	"errors"
	"strings"

	"github.com/aquaml/aquaml/platform/paging"
)

// What the `aquaml user` commands do directly in the database, for an
// operator on the server (no HTTP, no admin token needed).

// Users lists accounts, oldest first, a page at a time.
func (m *Module) Users(ctx context.Context, f UserFilter) (UserPage, error) {
	if f.Page.Page < 1 {
		f.Page.Page = 1
	}
	if f.Page.Size < 1 {
		f.Page.Size = userPaging.MaxSize
	}
	return m.svc.listUsers(ctx, f)
}

// AllUsers lists every account, oldest first.
func (m *Module) AllUsers(ctx context.Context, f UserFilter) ([]UserView, error) {
	var all []UserView
	for page := 1; ; page++ {
		f.Page = paging.Request{Page: page, Size: userPaging.MaxSize}
		p, err := m.Users(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, p.Items...)
		if len(p.Items) < f.Page.Size {
			return all, nil
		}
	}
}

// SetPassword gives the account named by login (its username or email) a
// new password and ends every session of it, as a password change does:
// whoever knew the old password is signed out. It returns the account
// and how many sessions it ended. Without Redis (the command line), other
// processes stop accepting those sessions' access tokens when their
// cached copy expires, within seconds.
func (m *Module) SetPassword(ctx context.Context, login, password string) (UserView, int, error) {
	s := m.svc
	login = strings.TrimSpace(login)
	if msg := checkPassword(password); msg != "" {
		return UserView{}, 0, invalidField("password", msg)
	}
	u, err := s.store.userByLogin(ctx, login)
	if errors.Is(err, errNoRows) {
		return UserView{}, 0, errUserNotFound
	}
	if err != nil {
		return UserView{}, 0, err
	}
	hash, err := s.hash.hash(password)
	if err != nil {
		return UserView{}, 0, err
	}
	none := ""
	ended, err := s.store.updateProfile(ctx, u.ID, map[string]any{"password_hash": hash}, &none)
	if errors.Is(err, errNoRows) {
		return UserView{}, 0, errUserNotFound
	}
	if err != nil {
		return UserView{}, 0, err
	}
	s.state.endSessions(ctx, ended, s.endedTTL())
	u, err = s.store.userByID(ctx, u.ID)
	if err != nil {
		return UserView{}, 0, err
	}
	return u.View(), len(ended), nil
}
