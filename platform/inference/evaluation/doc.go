// Package evaluation scores classifiers and reports on them: confusion
// matrices, accuracy, per-class precision/recall/F1 and macro-F1 (computed
// exactly as the PyTorch reference evaluate.py does), PNG training curves and
// confusion heatmaps, and the Markdown model card shipped with every model.
// ScoreFolder scores a model on a labelled folder through the inference
// engine, as `aquaml eval` reports it.
package evaluation
