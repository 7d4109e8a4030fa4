package auth

import (
	"net"
	"net/http"
	"strconv"

	"github.com/aquaml/aquaml/platform/paging"
	"github.com/labstack/echo/v4"
)

// handler turns HTTP requests into service calls. It decodes, calls and
// encodes; errors go to the one error handler as they are.
type handler struct {
	svc *service
}

func contentType(c echo.Context) string { return c.Request().Header.Get(echo.HeaderContentType) }

// originOf is the request's client address as the server's IP extractor
// believes it (X-Forwarded-For only from trusted proxies) and its peer.
func originOf(c echo.Context) origin {
	peer, _, err := net.SplitHostPort(c.Request().RemoteAddr)
	if err != nil {
		peer = c.Request().RemoteAddr
	}
	if ip := net.ParseIP(peer); ip != nil {
		peer = ip.String() // the extractor's spelling, so an unproxied request compares equal
	}
	return origin{client: c.RealIP(), peer: peer}
}

func (h *handler) register(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	in, err := parseRegister(contentType(c), body)
	if err != nil {
		return err
	}
	u, err := h.svc.register(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u.View())
}

// tokenResponse follows RFC 6749 5.1: token answers must not be cached.
func tokenResponse(c echo.Context, p TokenPair) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
	return c.JSON(http.StatusOK, p)
}

// login is the OAuth2 token endpoint: the password grant starts a
// session, the refresh grant rotates a refresh token exactly as
// /auth/refresh does.
func (h *handler) login(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	req, err := parseTokenRequest(contentType(c), body)
	if err != nil {
		return err
	}
	var pair TokenPair
	if req.grant == grantRefresh {
		pair, err = h.svc.refresh(c.Request().Context(), req.refresh)
	} else {
		pair, err = h.svc.login(c.Request().Context(), originOf(c), req.name, req.password)
	}
	if err != nil {
		return err
	}
	return tokenResponse(c, pair)
}

func (h *handler) refresh(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	raw, err := parseRefresh(contentType(c), body)
	if err != nil {
		return err
	}
	pair, err := h.svc.refresh(c.Request().Context(), raw)
	if err != nil {
		return err
	}
	return tokenResponse(c, pair)
}

func (h *handler) logout(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var b refreshBody
	if len(body) > 0 {
		if err := decodeJSON(contentType(c), body, &b); err != nil {
			return err
		}
	}
	p, claims := caller(c)
	if err := h.svc.logout(c.Request().Context(), p, claims, b.RefreshToken); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *handler) me(c echo.Context) error {
	p, _ := caller(c)
	u, err := h.svc.me(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u.View())
}

func (h *handler) updateMe(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var b profileBody
	if err := decodeJSON(contentType(c), body, &b); err != nil {
		return err
	}
	p, claims := caller(c)
	u, err := h.svc.updateMe(c.Request().Context(), p, claims, originOf(c), ProfileChange(b))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u.View())
}

func (h *handler) createKey(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var b keyBody
	if err := decodeJSON(contentType(c), body, &b); err != nil {
		return err
	}
	p, _ := caller(c)
	k, err := h.svc.createKey(c.Request().Context(), p, b.Name, b.RateLimitPerMinute)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, k)
}

func (h *handler) listKeys(c echo.Context) error {
	p, _ := caller(c)
	keys, err := h.svc.listKeys(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, keys)
}

func (h *handler) deleteKey(c echo.Context) error {
	p, _ := caller(c)
	if err := h.svc.deleteKey(c.Request().Context(), p, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *handler) listUsers(c echo.Context) error {
	f, err := parseUserFilter(c)
	if err != nil {
		return err
	}
	page, err := h.svc.listUsers(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func parseUserFilter(c echo.Context) (UserFilter, error) {
	errs := fieldErrors{}
	f := UserFilter{Page: paging.Parse(c.QueryParams(), userPaging, errs)}
	if v := c.QueryParam("is_active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.add("is_active", "must be true or false")
		}
		f.IsActive = &b
	}
	if v := c.QueryParam("role"); v != "" {
		errs.add("role", checkRole(v))
		f.Role = &v
	}
	return f, errs.err()
}

func (h *handler) updateUser(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var b accountBody
	if err := decodeJSON(contentType(c), body, &b); err != nil {
		return err
	}
	u, err := h.svc.updateUser(c.Request().Context(), c.Param("id"), AccountChange(b))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u.View())
}
