package paging

import (
	"net/url"
	"testing"
)

func TestParse(t *testing.T) {
	opt := Options{DefaultSize: 20, MaxSize: 100, SizeAliases: []string{"per_page"}}
	cases := []struct {
		query     string
		want      Request
		badFields []string
	}{
		{"", Request{1, 20}, nil},
		{"page=3&page_size=50", Request{3, 50}, nil},
		{"per_page=7", Request{1, 7}, nil},
		{"page_size=5&per_page=7", Request{1, 5}, nil},
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
	if p := Of[int](Request{1, 20}, nil, 0); p.Items == nil {
		t.Error("an empty page must list no items, not null")
	}
}
