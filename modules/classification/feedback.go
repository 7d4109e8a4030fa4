package classification

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// unknownLabel is the feedback for a photo that is none of the model's
// species.
const unknownLabel = "unknown"

const maxNoteRunes = 1000

type feedbackView struct {
	PredictionID string    `json:"prediction_id"`
	CorrectLabel string    `json:"correct_label"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

type feedbackRequest struct {
	CorrectLabel string `json:"correct_label"`
	Note         string `json:"note"`
}

func (m *Module) putFeedback(c echo.Context) error {
	p, err := m.ownPrediction(c)
	if err != nil {
		return err
	}
	var req feedbackRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return apperr.Wrap(apperr.BadRequest, "bad_json", "the body must be JSON: {\"correct_label\": \"...\", \"note\": \"...\"}", err)
	}
	req.CorrectLabel = strings.TrimSpace(req.CorrectLabel)
	labels, err := m.modelLabels(c, p.ModelID)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if req.CorrectLabel != unknownLabel && !labels[req.CorrectLabel] {
		fields["correct_label"] = "must be one of the model's labels or \"unknown\""
	}
	if utf8.RuneCountInString(req.Note) > maxNoteRunes || !utf8.ValidString(req.Note) {
		fields["note"] = "must be valid text of at most 1000 characters"
	}
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	caller, _ := principal.From(c.Request().Context())
	now := time.Now().UTC()
	f := feedback{PredictionID: p.ID, UserID: caller.ID, CorrectLabel: req.CorrectLabel, Note: req.Note, CreatedAt: now, UpdatedAt: now}
	status := http.StatusCreated
	err = m.deps.DB.WithContext(c.Request().Context()).Transaction(func(tx *gorm.DB) error {
		var old feedback
		err := tx.Where("prediction_id = ?", p.ID).Take(&old).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return tx.Create(&f).Error
		}
		if err != nil {
			return err
		}
		status, f.CreatedAt = http.StatusOK, old.CreatedAt
		return tx.Model(&feedback{}).Where("prediction_id = ?", p.ID).
			Updates(map[string]any{"user_id": f.UserID, "correct_label": f.CorrectLabel, "note": f.Note, "updated_at": now}).Error
	})
	if err != nil {
		return err
	}
	return c.JSON(status, feedbackView{f.PredictionID, f.CorrectLabel, f.Note, f.CreatedAt, f.UpdatedAt})
}

func (m *Module) modelLabels(c echo.Context, modelID string) (map[string]bool, error) {
	rec, err := m.registry.get(c.Request().Context(), modelID)
	if err != nil {
		return nil, err
	}
	var labels []modelfile.Label
	if err := json.Unmarshal([]byte(rec.Labels), &labels); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(labels))
	for _, l := range labels {
		out[l.Name] = true
	}
	return out, nil
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

// feedbackSummary shows, per predicted label, how often users agreed, so an
// operator sees where the model is wrong in the field.
func (m *Module) feedbackSummary(c echo.Context) error {
	rec, err := m.registry.get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	var rows []struct {
		Predicted string
		Correct   string
		N         int
	}
	err = m.deps.DB.WithContext(c.Request().Context()).Table("predictions AS p").
		Select("p.label AS predicted, f.correct_label AS correct, COUNT(*) AS n").
		Joins("JOIN prediction_feedback f ON f.prediction_id = p.id").
		Where("p.model_id = ?", rec.ID).Group("p.label, f.correct_label").Scan(&rows).Error
	if err != nil {
		return err
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
	return c.JSON(http.StatusOK, out)
}
