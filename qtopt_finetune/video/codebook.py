"""Hidden units: k-means over frame embeddings, and the assignment of a clip's frames to units.

Four assignments, as the research note names them:
- `plain`: the nearest centre of each frame's embedding;
- `clip_mean`: the clip's mean embedding is subtracted first (what changes within a clip, not the scene);
- `delta`: frame-to-frame differences (the first frame's delta is zero);
- `stochastic`: like `plain`, but drawn among the `nearest` closest centres with probability proportional
  to exp(-d^2 / (temperature * scale)), `scale` being the mean squared distance to the nearest centre seen
  while fitting. The codebook is fitted on embeddings transformed as its assignment says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Assignment = Literal["plain", "clip_mean", "delta", "stochastic"]
ASSIGNMENTS: tuple[Assignment, ...] = ("plain", "clip_mean", "delta", "stochastic")


def transform(clip: np.ndarray, assignment: Assignment) -> np.ndarray:
    """The vectors a clip's frames are assigned by: (T, D) embeddings -> (T, D)."""
    if clip.ndim != 2 or len(clip) == 0:
        raise ValueError(f"a clip's embeddings must be (T, D) with T >= 1, got shape {clip.shape}")
    if assignment == "clip_mean":
        return clip - clip.mean(axis=0, keepdims=True)
    if assignment == "delta":
        return np.concatenate([np.zeros_like(clip[:1]), np.diff(clip, axis=0)])
    if assignment in ("plain", "stochastic"):
        return clip
    raise ValueError(f"assignment must be one of {ASSIGNMENTS}, got {assignment!r}")


def _squared_distances(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    return np.maximum(
        (x * x).sum(1, keepdims=True) - 2.0 * x @ centers.T + (centers * centers).sum(1)[None, :], 0.0
    )


def kmeans(x: np.ndarray, k: int, seed: int = 0, iterations: int = 50) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding; (N, D) -> centres (k, D). Empty clusters are re-seeded."""
    if not 1 <= k <= len(x):
        raise ValueError(f"k must be between 1 and the number of embeddings ({len(x)}), got {k}")
    rng = np.random.default_rng(seed)
    x = x.astype(np.float64)
    centers = [x[rng.integers(len(x))]]
    nearest = _squared_distances(x, np.asarray(centers))[:, 0]
    for _ in range(1, k):
        total = nearest.sum()
        pick = rng.integers(len(x)) if total <= 0 else rng.choice(len(x), p=nearest / total)
        centers.append(x[pick])
        nearest = np.minimum(nearest, _squared_distances(x, x[pick : pick + 1])[:, 0])
    c = np.asarray(centers)
    for _ in range(iterations):
        labels = _squared_distances(x, c).argmin(1)
        new = c.copy()
        for j in range(k):
            members = x[labels == j]
            new[j] = members.mean(0) if len(members) else x[rng.integers(len(x))]
        if np.allclose(new, c):
            break
        c = new
    return c.astype(np.float32)


@dataclass
class UnitCodebook:
    centers: np.ndarray  # (k, D)
    assignment: Assignment = "plain"
    scale: float = 1.0  # mean squared distance to the nearest centre over the fitting data
    temperature: float = 1.0  # stochastic only
    nearest: int = 3  # stochastic only: draw among this many closest centres

    @property
    def k(self) -> int:
        return int(self.centers.shape[0])

    @classmethod
    def fit(
        cls,
        clips: Sequence[np.ndarray],
        k: int,
        assignment: Assignment = "plain",
        seed: int = 0,
        temperature: float = 1.0,
        nearest: int = 3,
    ) -> UnitCodebook:
        """Fit k centres to every frame of `clips` (each (T, D) embeddings), transformed by `assignment`."""
        x = np.concatenate([transform(c, assignment) for c in clips])
        centers = kmeans(x, k, seed)
        scale = float(_squared_distances(x, centers).min(1).mean()) or 1.0
        return cls(centers, assignment, scale, temperature, nearest)

    def assign(self, clip: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Units (T,) int64 of a clip's embeddings (T, D)."""
        d = _squared_distances(transform(clip, self.assignment).astype(np.float32), self.centers)
        if self.assignment != "stochastic":
            return d.argmin(1).astype(np.int64)
        if rng is None:
            raise ValueError("stochastic assignment needs an rng (np.random.Generator)")
        m = min(self.nearest, self.k)
        order = np.argsort(d, axis=1)[:, :m]
        near = np.take_along_axis(d, order, axis=1)
        logits = -(near - near[:, :1]) / (self.temperature * self.scale)
        p = np.exp(logits)
        p /= p.sum(1, keepdims=True)
        picks = (rng.random((len(d), 1)) > np.cumsum(p, axis=1)).sum(1).clip(0, m - 1)
        return order[np.arange(len(d)), picks].astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "assignment": self.assignment,
            "scale": self.scale,
            "temperature": self.temperature,
            "nearest": self.nearest,
        }
