package classification_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
)

type historyPage struct {
	Items []struct {
		ID      string `json:"id"`
		Label   string `json:"label"`
		Unknown bool   `json:"unknown"`
	} `json:"items"`
	Page     int `json:"page"`
	PageSize int `json:"page_size"`
	Total    int `json:"total"`
}

func TestHistoryIsPrivateAndFiltered(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	var ids []string
	labels := map[string]int{}
	for i := range 5 {
		var got classification
		classify(t, ta, alice, apptest.Photo(t, 20+i, 40, 40, "png"), nil).Want(200).JSON(&got)
		ids = append(ids, got.PredictionID)
		labels[got.Predictions[0].Label]++
	}
	var bobs classification
	classify(t, ta, bob, apptest.Photo(t, 99, 40, 40, "png"), nil).Want(200).JSON(&bobs)

	var p historyPage
	ta.Do("GET", ta.API("/predictions?page_size=2"), nil, alice.Auth()).Want(200).JSON(&p)
	if p.Total != 5 || len(p.Items) != 2 || p.Page != 1 || p.PageSize != 2 {
		t.Fatalf("first page %+v", p)
	}
	if p.Items[0].ID != ids[4] || p.Items[1].ID != ids[3] {
		t.Errorf("not newest first: %v vs %v", p.Items, ids)
	}
	ta.Do("GET", ta.API("/predictions?page=3&page_size=2"), nil, alice.Auth()).Want(200).JSON(&p)
	if len(p.Items) != 1 || p.Items[0].ID != ids[0] {
		t.Errorf("last page %+v", p)
	}
	for label, n := range labels {
		ta.Do("GET", ta.API("/predictions?label="+label), nil, alice.Auth()).Want(200).JSON(&p)
		if p.Total != n {
			t.Errorf("label %s: %d, want %d", label, p.Total, n)
		}
	}
	ta.Do("GET", ta.API("/predictions?unknown=true"), nil, alice.Auth()).Want(200).JSON(&p)
	unknown := p.Total
	ta.Do("GET", ta.API("/predictions?unknown=false"), nil, alice.Auth()).Want(200).JSON(&p)
	if unknown+p.Total != 5 {
		t.Errorf("unknown %d + known %d != 5", unknown, p.Total)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format(time.DateOnly)
	ta.Do("GET", ta.API("/predictions?from="+today+"&to="+today), nil, alice.Auth()).Want(200).JSON(&p)
	if p.Total != 5 {
		t.Errorf("today: %d", p.Total)
	}
	ta.Do("GET", ta.API("/predictions?from="+tomorrow), nil, alice.Auth()).Want(200).JSON(&p)
	if p.Total != 0 {
		t.Errorf("from tomorrow: %d", p.Total)
	}
	// Bob sees only his own.
	ta.Do("GET", ta.API("/predictions"), nil, bob.Auth()).Want(200).JSON(&p)
	if p.Total != 1 || p.Items[0].ID != bobs.PredictionID {
		t.Errorf("bob's history %+v", p)
	}

	for _, tc := range []struct {
		who    apptest.Session
		id     string
		status int
	}{
		{alice, ids[0], 200},
		{bob, ids[0], 404}, // another user's prediction does not exist for bob
		{alice, bobs.PredictionID, 404},
		{ta.Admin(), ids[0], 200}, // admins see all
		{alice, "no-such-id", 404},
	} {
		res := ta.Do("GET", ta.API("/predictions/"+tc.id), nil, tc.who.Auth())
		if res.Status != tc.status {
			t.Errorf("GET %s as %v: %d, want %d", tc.id, tc.who, res.Status, tc.status)
		}
	}
	nf1 := ta.Do("GET", ta.API("/predictions/"+ids[0]), nil, bob.Auth()).Error()
	nf2 := ta.Do("GET", ta.API("/predictions/no-such-id"), nil, bob.Auth()).Error()
	if nf1.Code != nf2.Code || nf1.Message != nf2.Message {
		t.Errorf("another user's id is distinguishable from a missing one: %+v vs %+v", nf1, nf2)
	}
}

func TestHistoryRejectsBadQueries(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	for _, q := range []string{"page=0", "page=x", "page_size=101", "page_size=0", "unknown=maybe", "from=yesterday", "to=2026-13-45"} {
		res := ta.Do("GET", ta.API("/predictions?"+q), nil, alice.Auth())
		if res.Status != http.StatusUnprocessableEntity || res.Error().Code != "validation_error" {
			t.Errorf("%s: %d %s", q, res.Status, res.Body)
		}
	}
}

func TestFeedbackRules(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	var got classification
	classify(t, ta, alice, apptest.Photo(t, 31, 40, 40, "png"), nil).Want(200).JSON(&got)
	predicted := got.Predictions[0].Label
	other := got.Predictions[1].Label
	url := ta.API("/predictions/" + got.PredictionID + "/feedback")

	cases := []struct {
		name   string
		who    apptest.Session
		body   any
		status int
	}{
		{"not the owner", bob, map[string]string{"correct_label": other}, 404},
		{"label the model does not know", alice, map[string]string{"correct_label": "shark"}, 422},
		{"missing label", alice, map[string]string{"note": "hm"}, 422},
		{"note too long", alice, map[string]string{"correct_label": other, "note": string(make([]byte, 1001))}, 422},
		{"not json", alice, "correct_label=x", 400},
		{"unknown field", alice, map[string]string{"correct_label": other, "label": "x"}, 400},
		{"first feedback", alice, map[string]string{"correct_label": other, "note": "stripes"}, 201},
		{"updated", alice, map[string]string{"correct_label": predicted}, 200},
		{"none of the species", alice, map[string]string{"correct_label": "unknown"}, 200},
	}
	for _, c := range cases {
		res := ta.Do("POST", url, c.body, c.who.Auth())
		if res.Status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, res.Status, c.status, res.Body)
		}
	}
	var view struct {
		Feedback struct {
			CorrectLabel string `json:"correct_label"`
			Note         string `json:"note"`
		} `json:"feedback"`
	}
	ta.Do("GET", ta.API("/predictions/"+got.PredictionID), nil, alice.Auth()).Want(200).JSON(&view)
	if view.Feedback.CorrectLabel != "unknown" || view.Feedback.Note != "stripes" {
		t.Errorf("feedback %+v; one per prediction, latest label wins, a note sent once stays", view.Feedback)
	}
	ta.Do("POST", url, map[string]string{"correct_label": other, "note": ""}, alice.Auth()).Want(200)
	ta.Do("GET", ta.API("/predictions/"+got.PredictionID), nil, alice.Auth()).Want(200).JSON(&view)
	if view.Feedback.Note != "" {
		t.Errorf("an empty note did not clear the note: %+v", view.Feedback)
	}
	var n int64
	ta.DB.Table("prediction_feedback").Count(&n)
	if n != 1 {
		t.Errorf("%d feedback rows, want 1", n)
	}
}

func TestFeedbackSummary(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	var modelID string
	agree, disagree := 0, 0
	for i := range 6 {
		var got classification
		classify(t, ta, alice, apptest.Photo(t, 40+i, 36, 36, "png"), nil).Want(200).JSON(&got)
		modelID = got.Model.ID
		correct := got.Predictions[0].Label
		if i%3 == 0 {
			correct = "unknown"
			disagree++
		} else {
			agree++
		}
		ta.Do("POST", ta.API("/predictions/"+got.PredictionID+"/feedback"), map[string]string{"correct_label": correct}, alice.Auth()).Want(201)
	}
	ta.Do("GET", ta.API("/models/"+modelID+"/feedback-summary"), nil, alice.Auth()).Want(403)
	var sum struct {
		Reviewed, Confirmed int
		Agreement           float64
		Labels              []struct {
			Label       string
			Reviewed    int
			Confirmed   int
			Corrections map[string]int
		}
	}
	ta.Do("GET", ta.API("/models/"+modelID+"/feedback-summary"), nil, ta.Admin().Auth()).Want(200).JSON(&sum)
	if sum.Reviewed != 6 || sum.Confirmed != agree || fmt.Sprintf("%.3f", sum.Agreement) != fmt.Sprintf("%.3f", float64(agree)/6) {
		t.Errorf("summary %+v", sum)
	}
	corrections := 0
	for _, l := range sum.Labels {
		corrections += l.Corrections["unknown"]
	}
	if corrections != disagree {
		t.Errorf("corrections to unknown: %d, want %d", corrections, disagree)
	}
	ta.Do("GET", ta.API("/models/nope/feedback-summary"), nil, ta.Admin().Auth()).Want(404)
}

// TestHistoryKeysetWalk walks the history by cursor, as a client scrolling
// a long history does: every prediction once, newest first, no count
// when it asks for none, and photos classified meanwhile do not shift the
// pages it has yet to read.
func TestHistoryKeysetWalk(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	var ids []string
	for i := range 5 {
		var got classification
		classify(t, ta, alice, apptest.Photo(t, 40+i, 40, 40, "png"), nil).Want(200).JSON(&got)
		ids = append([]string{got.PredictionID}, ids...) // newest first
	}
	type page struct {
		Items []struct{ ID string }
		Total *int
		Next  string
	}
	var seen []string
	next := "/predictions?page_size=2&count=false"
	for n := 0; next != ""; n++ {
		var p page
		ta.Do("GET", ta.API(next), nil, alice.Auth()).Want(200).JSON(&p)
		if p.Total != nil {
			t.Errorf("count=false answered a total: %d", *p.Total)
		}
		for _, it := range p.Items {
			seen = append(seen, it.ID)
		}
		if n == 0 { // a new photo lands on top, not in the pages still to come
			classify(t, ta, alice, apptest.Photo(t, 60, 40, 40, "png"), nil).Want(200)
		}
		next = ""
		if p.Next != "" {
			next = "/predictions?page_size=2&count=false&cursor=" + p.Next
		}
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Errorf("walked %v, want %v", seen, ids)
	}
	for _, q := range []string{"lable=perch", "cursor=bogus", "page=2&cursor=" + "MTAwLng", "count=sometimes"} {
		if res := ta.Do("GET", ta.API("/predictions?"+q), nil, alice.Auth()); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("?%s: %d %s, want 422", q, res.Status, res.Body)
		}
	}
}
