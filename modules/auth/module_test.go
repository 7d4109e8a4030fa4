package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/aquaml/aquaml/platform/testkit/dbtest"
	"gorm.io/gorm"
)

func testAuthConfig() config.Auth {
	return config.Auth{JWTSecretKey: testSecret, JWTAlgorithm: "HS256", JWTExpire: 30 * time.Minute,
		RefreshTokenExpire: 7 * 24 * time.Hour, BcryptCost: 4, LoginRatePerMinute: 10}
}

func newTestModule(t *testing.T, db *gorm.DB, edit func(*config.Auth)) *Module {
	t.Helper()
	cfg := testAuthConfig()
	if edit != nil {
		edit(&cfg)
	}
	m, err := New(Deps{DB: db, Auth: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func admins(t *testing.T, m *Module) []User {
	t.Helper()
	var us []User
	if err := m.svc.store.db.Where("role = ?", principal.RoleAdmin).Find(&us).Error; err != nil {
		t.Fatal(err)
	}
	return us
}

func TestBootstrapCreatesTheFirstAdminOnce(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t).DB
	first := func(c *config.Auth) { c.FirstAdminEmail, c.FirstAdminPassword = "Ops@Farm.example", "first-admin-pw" }
	m := newTestModule(t, db, first)
	for range 2 {
		if err := m.Bootstrap(ctx); err != nil {
			t.Fatal(err)
		}
	}
	as := admins(t, m)
	if len(as) != 1 || as[0].Email != "ops@farm.example" || as[0].Username != "ops" || !as[0].IsActive {
		t.Fatalf("admins after two starts: %+v", as)
	}
	if ok, _ := m.svc.hash.check(as[0].PasswordHash, "first-admin-pw"); !ok {
		t.Error("the admin's password is not FIRST_ADMIN_PASSWORD")
	}
	// Another email later does not add a second admin: one exists.
	other := newTestModule(t, db, func(c *config.Auth) { c.FirstAdminEmail, c.FirstAdminPassword = "new@farm.example", "first-admin-pw" })
	if err := other.Bootstrap(ctx); err != nil || len(admins(t, m)) != 1 {
		t.Errorf("second bootstrap: %v, %d admins", err, len(admins(t, m)))
	}
}

func TestBootstrapCases(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		existing  []NewUser
		email, pw string
		wantErr   string
		wantAdmin string // username of the admin afterwards, "" for none
	}{
		{name: "nothing configured", wantAdmin: ""},
		{name: "username taken by someone else", existing: []NewUser{{Email: "ops@other.example", Username: "ops", Password: "password-1"}},
			email: "ops@farm.example", pw: "first-admin-pw", wantAdmin: "ops-2"},
		{name: "the email belongs to a user, who is not promoted", existing: []NewUser{{Email: "boss@farm.example", Username: "boss", Password: "password-1"}},
			email: "boss@farm.example", pw: "first-admin-pw", wantAdmin: ""},
		{name: "password too short", email: "ops@farm.example", pw: "short", wantErr: "password"},
		{name: "invalid email", email: "not-an-email", pw: "first-admin-pw", wantErr: "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestModule(t, dbtest.New(t).DB, func(c *config.Auth) { c.FirstAdminEmail, c.FirstAdminPassword = tt.email, tt.pw })
			for _, u := range tt.existing {
				if _, err := m.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			err := m.Bootstrap(ctx)
			if tt.wantErr != "" {
				e, ok := asAppErr(err)
				if !ok || e.Fields[tt.wantErr] == "" {
					t.Fatalf("Bootstrap = %v, want an error about %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			as := admins(t, m)
			switch {
			case tt.wantAdmin == "" && len(as) != 0:
				t.Errorf("an admin was made: %+v", as)
			case tt.wantAdmin != "" && (len(as) != 1 || as[0].Username != tt.wantAdmin):
				t.Errorf("admins %+v, want %s", as, tt.wantAdmin)
			}
		})
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	db := dbtest.New(t).DB
	for name, edit := range map[string]func(*config.Auth){
		"algorithm none": func(c *config.Auth) { c.JWTAlgorithm = "none" },
		"RS256":          func(c *config.Auth) { c.JWTAlgorithm = "RS256" },
		"empty secret":   func(c *config.Auth) { c.JWTSecretKey = "" },
		"bcrypt cost 3":  func(c *config.Auth) { c.BcryptCost = 3 },
	} {
		cfg := testAuthConfig()
		edit(&cfg)
		if _, err := New(Deps{DB: db, Auth: cfg}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(Deps{Auth: testAuthConfig()}); err == nil || !strings.Contains(err.Error(), "database") {
		t.Errorf("no database: %v", err)
	}
}
