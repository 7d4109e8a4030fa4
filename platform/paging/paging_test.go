package paging

import (
	"net/url"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	opt := Options{DefaultSize: 20, MaxSize: 100, SizeAliases: []string{"per_page"}}
	cases := []struct {
		query     string
		want      Request
		badFields []string
	}{
		{"", Request{Page: 1, Size: 20, Count: true}, nil},
		{"page=3&page_size=50", Request{Page: 3, Size: 50, Count: true}, nil},
		{"per_page=7", Request{Page: 1, Size: 7, Count: true}, nil},
		{"page_size=5&per_page=7", Request{Page: 1, Size: 5, Count: true}, nil},
		{"page=0", Request{}, []string{"page"}},
		{"page=x", Request{}, []string{"page"}},
		{"page=9223372036854775807", Request{}, []string{"page"}},
		{"page=1000001", Request{}, []string{"page"}},
		{"page_size=101", Request{}, []string{"page_size"}},
		{"page_size=0", Request{}, []string{"page_size"}},
		{"per_page=101", Request{}, []string{"per_page"}},
	}
	for _, c := range cases {
		q, _ := url.ParseQuery(c.query)
		fields := map[string]string{}
		got := Parse(q, opt, fields)
		if len(fields) != len(c.badFields) {
			t.Errorf("%q: fields %v, want problems with %v", c.query, fields, c.badFields)
			continue
		}
		for _, f := range c.badFields {
			if fields[f] == "" {
				t.Errorf("%q: no message for %s in %v", c.query, f, fields)
			}
		}
		if len(c.badFields) == 0 && got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.query, got, c.want)
		}
	}
}

func TestOffsetAndEmptyPage(t *testing.T) {
	if got := (Request{Page: 3, Size: 20}).Offset(); got != 40 {
		t.Errorf("offset of page 3 by 20 = %d, want 40", got)
	}
	if p := Of[int](Request{Page: 1, Size: 20, Count: true}, nil, 0); p.Items == nil {
		t.Error("an empty page must list no items, not null")
	}
}

func TestKeysetParameters(t *testing.T) {
	opt := Options{DefaultSize: 2, MaxSize: 10, Keyset: true, Filters: []string{"label"}}
	at := Position{Time: time.Date(2026, 11, 30, 8, 0, 0, 123456000, time.UTC), ID: "p-9"}
	for _, c := range []struct {
		query     string
		want      Request
		badFields []string
	}{
		{"label=perch&count=false", Request{Page: 1, Size: 2}, nil},
		{"cursor=" + at.Cursor(), Request{Page: 1, Size: 2, Count: true, After: at}, nil},
		{"cursor=" + at.Cursor() + "&page=2", Request{}, []string{"cursor"}},
		{"cursor=not-a-cursor", Request{}, []string{"cursor"}},
		{"count=maybe", Request{}, []string{"count"}},
		{"lable=perch", Request{}, []string{"lable"}},
	} {
		q, _ := url.ParseQuery(c.query)
		fields := map[string]string{}
		got := Parse(q, opt, fields)
		if len(fields) != len(c.badFields) {
			t.Errorf("%q: fields %v, want problems with %v", c.query, fields, c.badFields)
			continue
		}
		for _, f := range c.badFields {
			if fields[f] == "" {
				t.Errorf("%q: no message for %s in %v", c.query, f, fields)
			}
		}
		if len(c.badFields) == 0 && got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.query, got, c.want)
		}
	}
}

func TestKeysetPage(t *testing.T) {
	type row struct{ id string }
	pos := func(r row) Position { return Position{ID: r.id} }
	r := Request{Page: 1, Size: 2}
	p := Keyset(r, []row{{"c"}, {"b"}, {"a"}}, nil, pos)
	if len(p.Items) != 2 || p.Next == "" || p.Total != nil {
		t.Fatalf("a full page with more after it: %+v", p)
	}
	if next, ok := parseCursor(p.Next); !ok || next.ID != "b" {
		t.Errorf("next points at %+v, want after b", next)
	}
	if last := Keyset(r, []row{{"a"}}, nil, pos); last.Next != "" || len(last.Items) != 1 {
		t.Errorf("the last page has a next cursor: %+v", last)
	}
}

func TestOneOf(t *testing.T) {
	allowed := []string{"queued", "done"}
	for _, c := range []struct {
		query, want, message string
	}{
		{"", "", ""},
		{"status=", "", ""},
		{"status=done", "done", ""},
		{"status=Done", "Done", "must be one of queued, done"},
		{"status=%27%3B--", "';--", "must be one of queued, done"},
	} {
		q, _ := url.ParseQuery(c.query)
		fields := map[string]string{}
		if got := OneOf(q, "status", allowed, fields); got != c.want || fields["status"] != c.message || len(fields) > 1 {
			t.Errorf("%q: got %q, fields %v; want %q and message %q", c.query, got, fields, c.want, c.message)
		}
	}
}
