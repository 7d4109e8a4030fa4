package datasets

import (
	"context"
	"errors"
	"fmt"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/google/uuid"
)

// feedbackPage is how many corrections one read takes (a variable for the
// tests of paging).
var feedbackPage = 500

// probe checks that data is a photo the classifier can decode, from its
// header, and reports its format and size.
func (m *Module) probe(name string, data []byte) (imageio.Info, error) {
	if len(data) == 0 {
		return imageio.Info{}, invalid("empty_file", fmt.Sprintf("%q is empty", name))
	}
	if int64(len(data)) > m.cfg.MaxFileBytes {
		return imageio.Info{}, apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("%q is larger than %d MB", name, m.cfg.MaxFileBytes>>20))
	}
	info, err := imageio.Probe(data, imageio.Limits{MaxPixels: m.cfg.MaxPixels, MaxBytes: m.cfg.MaxFileBytes})
	switch {
	case errors.Is(err, imageio.ErrTooLarge):
		return info, apperr.Wrap(apperr.TooLarge, "image_too_large", fmt.Sprintf("%q is too large an image: %v", name, err), err)
	case err != nil:
		return info, apperr.Wrap(apperr.Invalid, "not_an_image", fmt.Sprintf("%q is not a JPEG, PNG, GIF, BMP or WebP photo (%v)", name, err), err)
	}
	return info, nil
}

// newItem makes the item of a photo already checked and stored.
func newItem(d datasetRow, name, label, group, sha string, size int64, info imageio.Info, source, ref string) itemRow {
	return itemRow{ID: uuid.Must(uuid.NewV7()).String(), DatasetID: d.ID, UserID: d.UserID, Filename: name, SHA256: sha,
		Label: label, Group: group, SizeBytes: size, Width: info.Width, Height: info.Height, Format: info.Format,
		Source: source, SourceRef: ref, CreatedAt: nowUTC()}
}

// ingest stores an upload's photos and adds them to the dataset, all or
// nothing: one photo that is not an image refuses the upload, and the
// photos it stored that nothing uses are removed again.
func (m *Module) ingest(ctx context.Context, d datasetRow, u *upload) (addResult, error) {
	var labels []labelRow
	if u.labels != nil {
		var err error
		if labels, err = readLabelNames(u.labels, d.ID); err != nil {
			return addResult{}, err
		}
		// A labels file alone renames the species, adding no photo.
		if u.empty() {
			return m.store.add(ctx, d, nil, labels, m.quota())
		}
	}
	photos, err := u.photos()
	if err != nil {
		return addResult{}, err
	}
	var items []itemRow
	var written []string
	bySHA := map[string]int{}
	var expanded int64
	res, err := func() (addResult, error) {
		var dups int
		for _, p := range photos {
			data := p.data
			if p.entry != nil {
				if data, err = readEntry(p.entry.File, m.cfg.MaxFileBytes); err != nil {
					return addResult{}, err
				}
				expanded += int64(len(data))
				if err := u.checkTotals(expanded, u.zipSize()); err != nil {
					return addResult{}, err
				}
			}
			info, err := m.probe(p.name, data)
			if err != nil {
				return addResult{}, err
			}
			sha := blobstore.Sum(data)
			if i, seen := bySHA[sha]; seen {
				if items[i].Label != p.label {
					return addResult{}, invalid("conflicting_labels", fmt.Sprintf("%q and %q are the same photo with two labels (%q, %q)",
						items[i].Filename, p.name, items[i].Label, p.label))
				}
				dups++
				continue
			}
			if err := m.blobs.PutSum(ctx, sha, data); err != nil {
				return addResult{}, apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the photos could not be stored; retry later", err)
			}
			written = append(written, sha)
			bySHA[sha] = len(items)
			items = append(items, newItem(d, p.name, p.label, p.group, sha, int64(len(data)), info, sourceUpload, ""))
		}
		res, err := m.store.add(ctx, d, items, labels, m.quota())
		res.Duplicates += dups
		return res, err
	}()
	if err != nil {
		m.collect(context.WithoutCancel(ctx), written)
	}
	return res, err
}

// collect deletes those of the photos that no dataset item or version
// holds. A photo added again meanwhile by another upload may lose its
// file in the window between the check and the delete; its upload then
// wrote it first, so the window is that of one stat.
func (m *Module) collect(ctx context.Context, shas []string) {
	unused, err := m.store.unused(ctx, shas)
	if err != nil {
		m.log.Warn("finding unused dataset photos", "error", err)
		return
	}
	for _, sha := range unused {
		if err := m.blobs.Delete(ctx, sha); err != nil {
			m.log.Warn("deleting a dataset photo", "sha256", sha, "error", err)
		}
	}
}

// feedbackResult is what adding photos from the field did.
type feedbackResult struct {
	addResult
	// Unavailable counts corrections whose photo could not be read
	// (removed since, or not a photo the classifier decodes).
	Unavailable int `json:"unavailable"`
}

// fromField adds the caller's corrected predictions whose photo is
// stored, each with the label its feedback gave.
func (m *Module) fromField(ctx context.Context, d datasetRow) (feedbackResult, error) {
	var out feedbackResult
	if m.deps.Feedback == nil {
		return out, apperr.New(apperr.Unavailable, "feedback_unavailable", "photos from the field are not available on this server")
	}
	var items []itemRow
	var written []string
	seen := map[string]bool{}
	err := func() error {
		for after := ""; ; {
			page, next, err := m.deps.Feedback.Corrections(ctx, d.UserID, after, feedbackPage)
			if err != nil {
				return err
			}
			after = next
			shas := make([]string, len(page))
			for i, c := range page {
				shas[i] = c.SHA256
			}
			held, err := heldIn(m.deps.DB.WithContext(ctx), d.ID, shas)
			if err != nil {
				return err
			}
			for _, c := range page {
				if held[c.SHA256] || seen[c.SHA256] {
					out.Duplicates++
					continue
				}
				if checkLabel(c.Label) != nil {
					out.Unavailable++
					continue
				}
				data, err := m.deps.Feedback.StoredPhoto(ctx, c.SHA256)
				if apperr.KindOf(err) == apperr.NotFound {
					out.Unavailable++
					continue
				}
				if err != nil {
					return err
				}
				name := "prediction-" + c.PredictionID
				info, err := m.probe(name, data)
				if err != nil || blobstore.Sum(data) != c.SHA256 {
					out.Unavailable++
					continue
				}
				if len(items) >= m.cfg.MaxUpload {
					return tooMany(m.cfg.MaxUpload)
				}
				if err := m.blobs.PutSum(ctx, c.SHA256, data); err != nil {
					return apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the photos could not be stored; retry later", err)
				}
				written = append(written, c.SHA256)
				seen[c.SHA256] = true
				items = append(items, newItem(d, name, c.Label, "", c.SHA256, int64(len(data)), info, sourceFeedback, c.PredictionID))
			}
			if next == "" {
				return nil
			}
		}
	}()
	if err == nil {
		var res addResult
		res, err = m.store.add(ctx, d, items, nil, m.quota())
		out.Added, out.Duplicates = res.Added, out.Duplicates+res.Duplicates
	}
	if err != nil {
		m.collect(context.WithoutCancel(ctx), written)
	}
	return out, err
}
