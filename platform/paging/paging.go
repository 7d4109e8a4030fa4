// Package paging gives every listing the same paging: the query
// parameters page and page_size, their bounds and messages, and the shape
// of the page answered.
package paging

import (
	"net/url"
	"strconv"
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
}

// Request is the page a client asked for.
type Request struct {
	Page int // from 1
	Size int
}

// Offset is how many rows precede the page.
func (r Request) Offset() int { return (r.Page - 1) * r.Size }

// Parse reads page and page_size from q. Each bad value adds a message to
// fields under the parameter's name; the caller answers 422 with them.
func Parse(q url.Values, opt Options, fields map[string]string) Request {
	r := Request{Page: 1, Size: opt.DefaultSize}
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

// Page is one page of a listing, as every listing answers it.
type Page[T any] struct {
	Items    []T   `json:"items"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
	Total    int64 `json:"total"`
}

// Of builds the page answered for r; items is never null in JSON.
func Of[T any](r Request, items []T, total int64) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Page: r.Page, PageSize: r.Size, Total: total}
}
