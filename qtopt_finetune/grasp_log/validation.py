"""Refuse malformed episodes before anything is written, with a ValueError that names the problem."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qtopt_finetune.grasp_log.records import EpisodeMeta, Step
from qtopt_finetune.grasp_log.schema import SOURCES
from qtopt_finetune.spaces import STATE_DIM, STATE_NAMES, validate_action


def check_image(image: object, where: str, shape: tuple[int, int] | None) -> tuple[int, int]:
    """Check one RGB uint8 image; return its (height, width)."""
    if image is None:
        raise ValueError(f"{where}: image is missing")
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{where}: image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"{where}: image dtype {image.dtype}, expected uint8")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{where}: image shape {image.shape}, expected (H, W, 3)")
    hw = (int(image.shape[0]), int(image.shape[1]))
    if shape is not None and hw != shape:
        raise ValueError(
            f"{where}: image shape {image.shape}, expected {(*shape, 3)} like the rest of the log"
        )
    return hw


def check_step(step: Step, where: str, shape: tuple[int, int] | None) -> tuple[int, int]:
    hw = check_image(step.image, where, shape)
    state = np.asarray(step.state, dtype=np.float64).reshape(-1)
    if state.shape[0] != STATE_DIM:
        raise ValueError(f"{where}: state must have {STATE_DIM} entries {STATE_NAMES}, got {state.shape[0]}")
    if not np.all(np.isfinite(state)):
        raise ValueError(f"{where}: state has non-finite entries (NaN or inf)")
    try:
        validate_action(step.action)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if not isinstance(step.reward, (int, float, np.floating, np.integer)) or not math.isfinite(step.reward):
        raise ValueError(f"{where}: reward must be a finite number, got {step.reward!r}")
    if not isinstance(step.done, (bool, np.bool_)):
        raise ValueError(f"{where}: done must be a bool, got {type(step.done).__name__}")
    return hw


def check_meta(meta: EpisodeMeta) -> None:
    for name in ("robot", "variation", "policy_id"):
        value = getattr(meta, name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"episode meta: {name} must be a non-empty string, got {value!r}")
    if meta.source not in SOURCES:
        raise ValueError(f"episode meta: source must be one of {SOURCES}, got {meta.source!r}")
    if not isinstance(meta.start_time, (int, float)) or not math.isfinite(meta.start_time):
        raise ValueError(f"episode meta: start_time must be finite unix seconds, got {meta.start_time!r}")
    if not isinstance(meta.success, (bool, np.bool_)):
        raise ValueError(f"episode meta: success must be a bool, got {meta.success!r}")
    if meta.episode_id is not None and (not isinstance(meta.episode_id, str) or not meta.episode_id):
        raise ValueError(
            f"episode meta: episode_id must be a non-empty string or None, got {meta.episode_id!r}"
        )


def check_episode(steps: Sequence[Step], meta: EpisodeMeta, shape: tuple[int, int] | None) -> tuple[int, int]:
    """Validate a whole episode; return the (height, width) of its images."""
    check_meta(meta)
    if len(steps) == 0:
        raise ValueError("episode is empty: it needs at least one step")
    hw = shape
    for t, step in enumerate(steps):
        if not isinstance(step, Step):
            raise ValueError(f"episode step {t}: expected a Step, got {type(step).__name__}")
        hw = check_step(step, f"episode step {t}", hw)
    dones = [t for t, s in enumerate(steps) if bool(s.done)]
    if dones != [len(steps) - 1]:
        raise ValueError(
            f"episode done flags: done must be True exactly at the last step ({len(steps) - 1}), "
            f"got it at {dones}"
        )
    assert hw is not None
    return hw
