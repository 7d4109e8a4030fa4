package httpserver

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// ErrorBody is the JSON every error response carries.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes one error for API clients.
type ErrorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	Fields    map[string]string `json:"fields,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

var kindStatus = map[apperr.Kind]int{
	apperr.Internal:     http.StatusInternalServerError,
	apperr.BadRequest:   http.StatusBadRequest,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.TooLarge:     http.StatusRequestEntityTooLarge,
	apperr.Unsupported:  http.StatusUnsupportedMediaType,
	apperr.Invalid:      http.StatusUnprocessableEntity,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.NoSpace:      http.StatusInsufficientStorage,
}

// statusCode gives Echo's own errors (404, 405, 413 from the router and
// middleware) stable codes of the same style as the services' ones.
var statusCode = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "body_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "validation_error",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
	http.StatusInsufficientStorage:   "insufficient_storage",
}

// StatusClientClosedRequest is the status recorded (nginx's convention)
// for a request whose client went away before the answer: nobody reads
// it, and it is no fault of the server.
const StatusClientClosedRequest = 499

// Fault recognises, in an error no service classified, a failure of a
// dependency that is not the server's bug (the database is unreachable), and
// returns the error the caller should get instead, or nil.
type Fault func(error) *apperr.Error

// ErrorHandler is the one place errors become responses. Known errors keep
// their message; a full disk and the failures faults recognise get their
// own status; anything else is logged with the request id and becomes a
// bare 500 so internals never leak.
func ErrorHandler(log *slog.Logger, faults ...Fault) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if c.Request().Context().Err() != nil {
			// The client hung up, so whatever failed failed for that
			// reason (a cancelled query, a cut upload): no 500, no
			// ERROR line, and the metrics count it apart.
			log.Debug("client went away", "request_id", RequestIDOf(c), "route", c.Path(), "error", err)
			_ = c.NoContent(StatusClientClosedRequest)
			return
		}
		err = recognise(err, faults)
		status, detail, retryAfter := classify(err)
		detail.RequestID = RequestIDOf(c)
		if status >= 500 && status != http.StatusServiceUnavailable {
			log.Error("request failed", "request_id", detail.RequestID, "method", c.Request().Method,
				"route", c.Path(), "error", err)
		}
		if retryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		var werr error
		if c.Request().Method == http.MethodHead {
			werr = c.NoContent(status)
		} else {
			werr = c.JSON(status, ErrorBody{Error: detail})
		}
		if werr != nil {
			log.Warn("writing error response", "request_id", detail.RequestID, "error", werr)
		}
	}
}

// recognise turns an unclassified err into the error a fault names, if
// any. A full disk is recognised here because any writer (the database,
// a blob store, a batch upload) may meet it.
func recognise(err error, faults []Fault) error {
	if ae, ok := apperr.As(err); ok && ae.Kind != apperr.Internal {
		return err
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return apperr.Wrap(apperr.NoSpace, "insufficient_storage",
			"the server is out of storage space; nothing was saved, try again once an operator has freed some", err)
	}
	for _, f := range faults {
		if e := f(err); e != nil {
			return e
		}
	}
	return err
}

func classify(err error) (int, ErrorDetail, int) {
	if ae, ok := apperr.As(err); ok {
		status := kindStatus[ae.Kind]
		if ae.Kind == apperr.Internal {
			return status, ErrorDetail{Code: "internal_error", Message: "internal server error"}, 0
		}
		code := ae.Code
		if code == "" {
			code = statusCode[status]
		}
		secs := 0
		if ae.RetryAfter > 0 {
			secs = int((ae.RetryAfter + 999_999_999) / 1_000_000_000)
		}
		return status, ErrorDetail{Code: code, Message: ae.Message, Fields: ae.Fields}, secs
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && (he.Code < 500 || he.Code == http.StatusServiceUnavailable) {
		msg := strings.ToLower(http.StatusText(he.Code))
		if m, ok := he.Message.(string); ok && m != "" && he.Internal == nil && m != http.StatusText(he.Code) {
			msg = m
		}
		code := statusCode[he.Code]
		if code == "" {
			code = "http_" + strconv.Itoa(he.Code)
		}
		return he.Code, ErrorDetail{Code: code, Message: msg}, 0
	}
	return http.StatusInternalServerError, ErrorDetail{Code: "internal_error", Message: "internal server error"}, 0
}

// Describe gives the status, error detail and Retry-After seconds the
// error handler would answer err with, for the routes whose protocol
// wants another body shape.
func Describe(err error) (status int, detail ErrorDetail, retryAfter int) {
	return classify(err)
}
