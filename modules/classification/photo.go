package classification

import (
	"net/http"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// photoTypes maps the formats a classified photo may have to the types
// it is served as; the format was read from the bytes when the photo
// was decoded, never taken from the client.
var photoTypes = map[string]string{
	"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "bmp": "image/bmp", "webp": "image/webp",
}

var errPhotoNotKept = apperr.New(apperr.NotFound, "photo_not_found", "the photo of this prediction is not kept (STORE_IMAGES is off, or it was removed)")

// withStored marks a prediction whose photo is kept, so a page shows a
// thumbnail instead of asking for a photo that is not there.
func (m *Module) withStored(c echo.Context, v predictionView) predictionView {
	if v.Image.SHA256 != "" {
		v.Image.Stored = m.service.images.Has(c.Request().Context(), v.Image.SHA256)
	}
	return v
}

// predictionImage serves the stored photo of one of the caller's
// predictions. Another user's prediction is 404 like any unknown id
// (admins see all, as for the prediction itself).
func (m *Module) predictionImage(c echo.Context) error {
	ctx := c.Request().Context()
	p, err := m.service.ownPrediction(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	ctype, ok := photoTypes[p.ImageFormat]
	if !ok || p.ImageSHA256 == "" {
		return errPhotoNotKept
	}
	data, err := m.service.StoredPhoto(ctx, p.ImageSHA256)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	// The photo never changes under its id, but it is a user's own: no
	// shared cache keeps it.
	h.Set(echo.HeaderCacheControl, "private, max-age=3600")
	h.Set(echo.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, ctype, data)
}
