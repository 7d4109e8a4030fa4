package batch

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/paging"
	"github.com/labstack/echo/v4"
)

var groupPaging = paging.Options{DefaultSize: 100, MaxSize: 1000, Filters: []string{}}

// groupView is the species of one group of photos (a fish track): the
// label whose probability summed over the group's classified frames is
// highest. Confidence is that sum over the frames, so a value in [0,1].
type groupView struct {
	Group       string                 `json:"group"`
	Photos      int                    `json:"photos"` // classified frames
	Failed      int                    `json:"failed"` // frames that could not be classified
	Pending     int                    `json:"pending"`
	Label       string                 `json:"label,omitempty"`
	Confidence  float32                `json:"confidence,omitempty"`
	Unknown     bool                   `json:"unknown"`
	Predictions []inference.Prediction `json:"predictions"`
}

// groups answers the species per group of a batch's photos, by group
// name, paged.
func (m *Module) groups(c echo.Context) error {
	b, err := m.readable(c)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	pg := paging.Parse(c.QueryParams(), groupPaging, fields)
	if len(fields) > 0 {
		return apperr.Validation(fields)
	}
	rows, err := m.store.groupedItems(c.Request().Context(), b.ID)
	if err != nil {
		return err
	}
	all := summarise(rows, b.TopK)
	page := all[min(pg.Offset(), len(all)):min(pg.Offset()+pg.Size, len(all))]
	return c.JSON(http.StatusOK, struct {
		BatchID string `json:"batch_id"`
		Status  string `json:"status"`
		paging.Page[groupView]
	}{BatchID: b.ID, Status: b.Status, Page: paging.Of(pg, page, int64(len(all)))})
}

// summarise sums each group's frames. A group is unknown when more than
// half of its classified frames were flagged unknown.
func summarise(rows []itemRow, topK int) []groupView {
	byName := map[string]*groupView{}
	sums := map[string]map[string]*inference.Prediction{}
	unknown := map[string]int{}
	for _, it := range rows {
		g := byName[it.GroupName]
		if g == nil {
			g = &groupView{Group: it.GroupName}
			byName[it.GroupName] = g
			sums[it.GroupName] = map[string]*inference.Prediction{}
		}
		switch it.Status {
		case itemDone:
		case itemFailed, itemSkipped:
			g.Failed++
			continue
		default:
			g.Pending++
			continue
		}
		var scores []inference.Prediction
		_ = json.Unmarshal([]byte(it.Scores), &scores)
		g.Photos++
		if it.Unknown {
			unknown[it.GroupName]++
		}
		for _, p := range scores {
			acc := sums[it.GroupName][p.Label]
			if acc == nil {
				acc = &inference.Prediction{Label: p.Label, ScientificName: p.ScientificName, CommonName: p.CommonName}
				sums[it.GroupName][p.Label] = acc
			}
			acc.Confidence += p.Confidence
		}
	}
	out := make([]groupView, 0, len(byName))
	for name, g := range byName {
		preds := make([]inference.Prediction, 0, len(sums[name]))
		for _, p := range sums[name] {
			p.Confidence /= float32(g.Photos)
			preds = append(preds, *p)
		}
		// Best first; ties by label, so the same frames always give the
		// same answer.
		slices.SortFunc(preds, func(a, b inference.Prediction) int {
			if a.Confidence != b.Confidence {
				if a.Confidence > b.Confidence {
					return -1
				}
				return 1
			}
			return strings.Compare(a.Label, b.Label)
		})
		g.Predictions = preds[:min(topK, len(preds))]
		if len(preds) > 0 {
			g.Label, g.Confidence = preds[0].Label, preds[0].Confidence
		}
		g.Unknown = g.Photos > 0 && 2*unknown[name] > g.Photos
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b groupView) int { return strings.Compare(a.Group, b.Group) })
	return out
}

// groupedItems lists the photos of a batch that belong to a group.
func (s *store) groupedItems(ctx context.Context, id string) ([]itemRow, error) {
	var rows []itemRow
	err := s.db.WithContext(ctx).Select("seq, group_name, status, unknown, scores").
		Where("batch_id = ? AND group_name <> ''", id).Order("seq").Find(&rows).Error
	return rows, err
}
