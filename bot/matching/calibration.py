"""The calibrated decision: a logistic model of "the best entry is right" and the cut-offs on it.

The coefficients and cut-offs live in ``calibration.json`` beside this module; they are fitted by
``python -m bot.matching.fit`` on labelled sets (which ones is recorded in the file) and checked on others.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.matching.features import feature_names

DEFAULT_FILE = Path(__file__).with_name("calibration.json")
DEFAULT_FUSION_WEIGHT = 750.0


class CalibrationError(Exception):
    """A calibration file that cannot be used."""


@dataclass(frozen=True, slots=True)
class Model:
    """Standardised logistic regression plus the decision cut-offs on its probability."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    answer: float
    confirm: float
    suggest: float

    def confidence(self, x: np.ndarray) -> float:
        z = float((x - self.mean) / self.scale @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "cutoffs": {"answer": self.answer, "confirm": self.confirm, "suggest": self.suggest},
        }

    @classmethod
    def from_json(cls, data: dict) -> Model:
        try:
            features = tuple(str(f) for f in data["features"])
            arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "weights")]
            cut = data["cutoffs"]
            model = cls(features, *arrays, float(data["bias"]), float(cut["answer"]),
                        float(cut["confirm"]), float(cut["suggest"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CalibrationError(f"malformed model: {exc}") from exc
        if not all(len(a) == len(features) for a in arrays) or not np.all(model.scale > 0):
            raise CalibrationError("model arrays do not match its feature list")
        if not 0 <= model.suggest <= model.confirm <= model.answer <= 1:
            raise CalibrationError("cut-offs must satisfy 0 <= suggest <= confirm <= answer <= 1")
        return model


@dataclass(frozen=True, slots=True)
class Calibration:
    lexical: Model
    semantic: Model | None
    fitted_on: tuple[str, ...] = ()
    # Fusion: score points per unit of cosine below the encoder's nearest entry (fitted with the models).
    fusion_weight: float = DEFAULT_FUSION_WEIGHT

    def model(self, semantic: bool) -> Model:
        """The semantic model when asked for and it knows today's semantic features, else the lexical one."""
        if semantic and self.semantic is not None and self.semantic.features == feature_names(True):
            return self.semantic
        return self.lexical


def read_calibration(path: Path) -> Calibration:
    try:
        data = json.loads(path.read_text("utf-8"))
        lexical = Model.from_json(data["lexical"])
        semantic = Model.from_json(data["semantic"]) if data.get("semantic") else None
        weight = float(data.get("fusion", {}).get("weight", DEFAULT_FUSION_WEIGHT))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CalibrationError(f"{path}: {exc}") from exc
    if not 0 <= weight <= 10_000:
        raise CalibrationError(f"{path}: the fusion weight must be between 0 and 10000")
    return Calibration(lexical, semantic, tuple(data.get("fitted_on", ())), weight)


@lru_cache(maxsize=4)
def load_calibration(path: Path | None = None) -> Calibration:
    return read_calibration(path or DEFAULT_FILE)
