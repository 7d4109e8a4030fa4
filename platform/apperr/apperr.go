// Package apperr is the error vocabulary shared by services and the HTTP
// layer: a service says what kind of failure happened, and the one HTTP
// error handler decides the status code.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failure the caller can act on.
type Kind int

// Kinds of errors, each mapped to one HTTP status by the error handler.
const (
	Internal     Kind = iota // anything unexpected: 500, details only in logs
	BadRequest               // malformed request: 400
	Unauthorized             // missing or bad credentials: 401
	Forbidden                // authenticated but not allowed: 403
	NotFound                 // no such object, or not the caller's: 404
	Conflict                 // duplicate or wrong state: 409
	TooLarge                 // body or image too large: 413
	Unsupported              // unsupported media type: 415
	Invalid                  // well-formed but invalid input: 422
	RateLimited              // too many requests: 429
	Unavailable              // overloaded or dependency down: 503
	NoSpace                  // the disk or database is full: 507
)

// Error is a failure with a stable machine-readable code and a message safe
// to show to the caller.
type Error struct {
	Kind    Kind
	Code    string            // e.g. "not_found", "email_taken"
	Message string            // human readable, safe to return
	Fields  map[string]string // per-field validation messages
	// RetryAfter, when set, becomes the Retry-After header.
	RetryAfter time.Duration
	Err        error // cause, logged, never returned to the caller
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error of the kind with a code and message.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Wrap is New with a cause kept for the logs.
func Wrap(kind Kind, code, message string, cause error) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: cause}
}

// Validation returns a 422 error carrying per-field messages.
func Validation(fields map[string]string) *Error {
	return &Error{Kind: Invalid, Code: "validation_error", Message: "the request has invalid fields", Fields: fields}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of err, Internal when it carries none.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}
