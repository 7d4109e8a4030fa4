// Package paging gives every listing the same paging: the query
// parameters page and page_size, their bounds and messages, and the shape
// of the page answered.
package paging

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxPage bounds page so an offset can never overflow or make the
// database skip billions of rows.
const MaxPage = 1_000_000

// Options are a listing's page sizes.
type Options struct {
	DefaultSize int // page_size when absent
	MaxSize     int // largest page_size accepted
	// SizeAliases are older names still accepted for page_size (per_page
	// on the user listing); a problem is reported under the name used.
	SizeAliases []string
	// Filters are the listing's other query parameters. When set, any
	// parameter that is neither one of them nor a paging one is refused,
	// so a misspelt filter is not silently ignored.
	Filters []string
	// Keyset lets the listing be walked with cursor (the next of the
	// previous page) and its total skipped with count=false, so deep
	// pages cost no more than the first.
	Keyset bool
}

// Request is the page a client asked for.
type Request struct {
	Page int // from 1
	Size int
	// After is the position the cursor parameter names: the page starts
	// after it. Zero when the client asked by page number.
	After Position
	// Count is whether the total is wanted (count=false skips it).
	Count bool
}

// Position is where a keyset page ends: the sort time and id of its last
// row, in a listing ordered by (time, id), newest first.
type Position struct {
	Time time.Time
	ID   string
}

// IsZero reports whether no cursor was given.
func (p Position) IsZero() bool { return p.ID == "" }

// Cursor encodes the position opaquely for the next parameter.
func (p Position) Cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.Time.UnixNano(), 10) + "." + p.ID))
}

func parseCursor(v string) (Position, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return Position{}, false
	}
	ns, id, ok := strings.Cut(string(raw), ".")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return Position{}, false
	}
	return Position{Time: time.Unix(0, n).UTC(), ID: id}, true
}

// Offset is how many rows precede the page.
func (r Request) Offset() int { return (r.Page - 1) * r.Size }

// Parse reads page and page_size from q. Each bad value adds a message to
// fields under the parameter's name; the caller answers 422 with them.
func Parse(q url.Values, opt Options, fields map[string]string) Request {
	r := Request{Page: 1, Size: opt.DefaultSize, Count: true}
	if opt.Filters != nil {
		unknown(q, opt, fields)
	}
	if opt.Keyset {
		parseKeyset(q, &r, fields)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPage {
			fields["page"] = "must be a whole number from 1 to " + strconv.Itoa(MaxPage)
		}
		r.Page = n
	}
	for _, name := range append([]string{"page_size"}, opt.SizeAliases...) {
		v := q.Get(name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > opt.MaxSize {
			fields[name] = "must be a whole number from 1 to " + strconv.Itoa(opt.MaxSize)
		}
		r.Size = n
		break
	}
	return r
}

func parseKeyset(q url.Values, r *Request, fields map[string]string) {
	if v := q.Get("count"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fields["count"] = "must be true or false"
		}
		r.Count = b
	}
	v := q.Get("cursor")
	if v == "" {
		return
	}
	if q.Has("page") {
		fields["cursor"] = "give either cursor or page, not both"
	}
	pos, ok := parseCursor(v)
	if !ok {
		fields["cursor"] = "must be the next value of an earlier page, unchanged"
	}
	r.After = pos
}

// unknown adds a message for every query parameter the listing does not
// read.
func unknown(q url.Values, opt Options, fields map[string]string) {
	known := append([]string{"page", "page_size"}, opt.SizeAliases...)
	if opt.Keyset {
		known = append(known, "cursor", "count")
	}
	known = append(known, opt.Filters...)
	for name := range q {
		if !slices.Contains(known, name) {
			fields[name] = "is not a parameter of this listing; it takes " + strings.Join(known, ", ")
		}
	}
}

// Page is one page of a listing, as every listing answers it. Total is
// absent when the client asked for no count; Next, when present, is the
// cursor of the following page (keyset listings only).
type Page[T any] struct {
	Items    []T    `json:"items"`
	Page     int    `json:"page,omitempty"`
	PageSize int    `json:"page_size"`
	Total    *int64 `json:"total,omitempty"`
	Next     string `json:"next,omitempty"`
}

// Of builds the page answered for r; items is never null in JSON.
func Of[T any](r Request, items []T, total int64) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Page: r.Page, PageSize: r.Size, Total: &total}
}

// Keyset builds a keyset page: items holds up to r.Size+1 rows (one more
// than the page, to learn whether another follows), last gives a row's
// position, and total is nil when not counted. A page asked by cursor has
// no page number.
func Keyset[T any](r Request, items []T, total *int64, last func(T) Position) Page[T] {
	p := Page[T]{Items: items, Page: r.Page, PageSize: r.Size, Total: total}
	if !r.After.IsZero() {
		p.Page = 0
	}
	if len(items) > r.Size {
		p.Items = items[:r.Size]
		p.Next = last(p.Items[r.Size-1]).Cursor()
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// OneOf reads the filter name from q: absent or empty it is "" (no
// filter); otherwise it must be one of allowed, or a message naming them,
// in their order, is added to fields under name.
func OneOf(q url.Values, name string, allowed []string, fields map[string]string) string {
	v := q.Get(name)
	if v != "" && !slices.Contains(allowed, v) {
		fields[name] = "must be one of " + strings.Join(allowed, ", ")
	}
	return v
}
