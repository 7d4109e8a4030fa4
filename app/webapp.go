package app

import (
	"strings"

	"github.com/aquaml/aquaml/modules/auth"
	"github.com/aquaml/aquaml/modules/webapp"
	"github.com/labstack/echo/v4"
)

// webAccounts is auth as the web app needs it.
type webAccounts struct{ m *auth.Module }

func tokens(p auth.TokenPair, err error) (webapp.Tokens, error) {
	return webapp.Tokens{Access: p.AccessToken, Refresh: p.RefreshToken}, err
}

func (w webAccounts) SignIn(c echo.Context, name, password string) (webapp.Tokens, error) {
	return tokens(w.m.SignIn(c, name, password))
}

func (w webAccounts) Register(c echo.Context, email, username, password string) error {
	return w.m.Register(c, email, username, password)
}

func (w webAccounts) Refresh(c echo.Context, refresh string) (webapp.Tokens, error) {
	return tokens(w.m.Refresh(c, refresh))
}

func (w webAccounts) SignOut(c echo.Context, refresh string) error { return w.m.SignOut(c, refresh) }

// mountWebApp serves the browser app under /app/.
func (a *App) mountWebApp(accounts *auth.Module) error {
	web, err := webapp.New(webapp.Deps{
		Accounts: webAccounts{accounts},
		Identify: accounts.Identify(),
		Cookies: webapp.Cookies{Session: auth.SessionCookie, Refresh: auth.RefreshCookie,
			CSRF: auth.CSRFCookie, CSRFHeader: auth.CSRFHeader},
		APIPrefix:  a.cfg.API.V1Prefix,
		SessionTTL: a.cfg.Auth.RefreshTokenExpire,
		Name:       a.cfg.ProjectName,
		Logger:     a.log,
	})
	if err != nil {
		return err
	}
	web.Routes(a.HTTP.Echo)
	return nil
}

// wantsHTML reports whether a request is a browser's page load.
func wantsHTML(c echo.Context) bool {
	return strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/html")
}
