package classification

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// unknownLabel is the feedback for a photo that is none of the model's
// species.
const unknownLabel = "unknown"

const maxNoteRunes = 1000

func validNote(note string) bool {
	return utf8.ValidString(note) && utf8.RuneCountInString(note) <= maxNoteRunes
}

type feedbackView struct {
	PredictionID string    `json:"prediction_id"`
	CorrectLabel string    `json:"correct_label"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func feedbackViewOf(f feedback) feedbackView {
	return feedbackView{f.PredictionID, f.CorrectLabel, f.Note, f.CreatedAt, f.UpdatedAt}
}

// feedbackRequest is a feedback body. Note is a pointer because absent
// and empty differ: feedback sent again without a note keeps the earlier
// one, while "note": "" clears it.
type feedbackRequest struct {
	CorrectLabel string  `json:"correct_label"`
	Note         *string `json:"note"`
}

func (m *Module) putFeedback(c echo.Context) error {
	ctx := c.Request().Context()
	// The prediction is checked before the body, so another user's id is
	// "not found" whatever the body says.
	p, err := m.service.ownPrediction(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	var req feedbackRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return apperr.Wrap(apperr.BadRequest, "bad_json", "the body must be JSON: {\"correct_label\": \"...\", \"note\": \"...\"}", err)
	}
	f, created, err := m.service.putFeedback(ctx, p, strings.TrimSpace(req.CorrectLabel), req.Note)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, feedbackViewOf(f))
}

type labelAgreement struct {
	Label       string         `json:"label"`
	Reviewed    int            `json:"reviewed"`  // predictions of this label with feedback
	Confirmed   int            `json:"confirmed"` // feedback agreed
	Agreement   float64        `json:"agreement"`
	Corrections map[string]int `json:"corrections,omitempty"` // what users said it was instead
}

type feedbackSummary struct {
	ModelID   string           `json:"model_id"`
	Reviewed  int              `json:"reviewed"`
	Confirmed int              `json:"confirmed"`
	Agreement float64          `json:"agreement"`
	Labels    []labelAgreement `json:"labels"`
}

func (m *Module) feedbackSummary(c echo.Context) error {
	out, err := m.service.feedbackSummary(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// feedbackSummary shows, per predicted label, how often users agreed, so an
// operator sees where the model is wrong in the field.
func (s *Service) feedbackSummary(ctx context.Context, modelID string) (feedbackSummary, error) {
	rec, err := s.store.model(ctx, modelID)
	if err != nil {
		return feedbackSummary{}, err
	}
	rows, err := s.store.verdicts(ctx, rec.ID)
	if err != nil {
		return feedbackSummary{}, err
	}
	byLabel := map[string]*labelAgreement{}
	out := feedbackSummary{ModelID: rec.ID, Labels: []labelAgreement{}}
	for _, r := range rows {
		la := byLabel[r.Predicted]
		if la == nil {
			la = &labelAgreement{Label: r.Predicted}
			byLabel[r.Predicted] = la
		}
		la.Reviewed += r.N
		out.Reviewed += r.N
		if r.Predicted == r.Correct {
			la.Confirmed += r.N
			out.Confirmed += r.N
		} else {
			if la.Corrections == nil {
				la.Corrections = map[string]int{}
			}
			la.Corrections[r.Correct] += r.N
		}
	}
	for _, la := range byLabel {
		la.Agreement = float64(la.Confirmed) / float64(la.Reviewed)
		out.Labels = append(out.Labels, *la)
	}
	sort.Slice(out.Labels, func(i, j int) bool { return out.Labels[i].Agreement < out.Labels[j].Agreement })
	if out.Reviewed > 0 {
		out.Agreement = float64(out.Confirmed) / float64(out.Reviewed)
	}
	return out, nil
}
