"""Plain-text report of a training run: per-fold accuracy, confusion matrix, per-class scores."""

from __future__ import annotations

import numpy as np

from audioscope.core.dataset.metadata import CLASS_NAMES
from audioscope.core.training.train import BASELINE_LABEL, CrossValidation, TrainingResult

SHORT_NAMES = ("air_cond", "car_horn", "children", "dog_bark", "drilling",
               "engine", "gun_shot", "jackhamr", "siren", "street_m")


def _fold_line(label: str, cv: CrossValidation) -> str:
    folds = "  ".join(f"fold {f}: {cv.accuracy[f]:.3f}" for f in cv.folds)
    return (f"{label:<36} {folds}  mean {cv.mean_accuracy:.3f} ± {cv.std_accuracy:.3f}  "
            f"macro-F1 {np.mean(list(cv.macro_f1.values())):.3f}")


def format_report(result: TrainingResult) -> str:
    """report.txt: the recipe's (and the tutorial baseline's) folds, calibration, confusion
    matrix and per-class scores."""
    cv, card, baseline = result.cv, result.card, result.baseline
    lines = [f"Leave-one-fold-out cross-validation over folds {', '.join(map(str, cv.folds))} "
             f"({len(result.clips)} clips; each fold tested by a model that never saw it)", ""]
    if baseline is not None:
        lines.append(_fold_line(BASELINE_LABEL, baseline))
    lines.append(_fold_line(f"audioscope ({card.get('recipe_name', 'stats')}, {card['model']})", cv))
    calibration = card.get("calibration")
    if calibration:
        lines += ["", f"Calibration ({calibration['bins']} bins): expected calibration error "
                      f"{calibration['ece_uncalibrated']:.3f} uncalibrated, "
                      f"{calibration['ece_calibrated_cross_fitted']:.3f} after {calibration['method']} "
                      f"(T = {calibration['temperature']:.2f}; cross-fitted)"]
    if result.skipped:
        lines += ["", f"{len(result.skipped)} file(s) could not be read and were skipped:"]
        lines += [f"  {message}" for message in result.skipped[:20]]
    lines += ["", "Confusion matrix (rows: true class, columns: predicted), all folds pooled:", ""]
    lines.append(" " * 10 + "".join(f"{s:>9}" for s in SHORT_NAMES))
    for name, row in zip(SHORT_NAMES, cv.confusion):
        lines.append(f"{name:<10}" + "".join(f"{v:>9d}" for v in row))
    lines += ["", f"{'class':<18}{'precision':>10}{'recall':>10}{'F1':>10}{'clips':>8}"]
    for name in CLASS_NAMES:
        r = cv.report[name]
        lines.append(f"{name:<18}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1-score']:>10.3f}"
                     f"{int(r['support']):>8d}")
    return "\n".join(lines)
