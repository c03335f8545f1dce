"""Hindsight shortcuts: from each logged step, one move straight over to where the episode closed its gripper.

QT-Opt learns the value of a move only through bootstrapped targets, one step at a time, from the moves
the log happens to hold. A grasp log knows more: for every step t before the episode's closing action c,
the gripper later closed at a known pose, with a known outcome. "Move straight over that pose (as low as
one action goes), descend vertically onto it, then close in place" is a way there whose outcome the log
already tells: about the return the episode got from its close. Each such step gives the Q-network one more
labelled (image, action) pair, about exactly what it learns worst: which displacement leads onto an object.

For row t (gripper open at s_t) whose episode closes at step c >= t and keeps the gripper closed to its end:
    shortcut move, x, y and rotation: the sum of the logged moves of steps t..c;
    shortcut move, z: toward the height the gripper closed at (s_c's height plus step c's own dz), clipped
        to one action; the n further vertical steps it would take to get there follow it;
    shortcut target: step_penalty * (1 + gamma + ... + gamma^n) + gamma^(n+1) * (the discounted return,
        with step_penalty, from step c), clipped to [0, 1].
Rows with no such close, with the gripper closed, or whose x, y or rotation needs more than one action are
marked invalid. The label is an approximation (a straight move and a vertical descent are not the logged
path, which may have nudged objects), used as an extra loss term beside the Bellman one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from qtopt_finetune.spaces import CONTINUOUS_DIM

SHORTCUT_WIDTH = CONTINUOUS_DIM + 2  # dx, dy, dz, drotation, target, valid
SHORTCUT = np.dtype(("<f4", (SHORTCUT_WIDTH,)))
CLOSE, Z, HEIGHT, CLOSED = CONTINUOUS_DIM, 2, 1, 0  # action / state columns used here


@dataclass(frozen=True)
class ShortcutSpec:
    """What the labels depend on: the learner's discount and per-step penalty, and the robot's metres per
    unit of dz (the sim's 0.08)."""

    gamma: float
    step_penalty: float = 0.0
    max_translation: float = 0.08

    def __post_init__(self) -> None:
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"ShortcutSpec.gamma must be in [0, 1], got {self.gamma}")
        if not self.step_penalty <= 0.0:
            raise ValueError(f"ShortcutSpec.step_penalty must be <= 0, got {self.step_penalty}")
        if not self.max_translation > 0.0:
            raise ValueError(f"ShortcutSpec.max_translation must be > 0, got {self.max_translation}")


class _Scan:
    """State carried backwards through a log (episodes are contiguous and end at done)."""

    def __init__(self) -> None:
        self.ret = 0.0  # discounted return, with the penalty, from the current row
        self.closed_to_end = True  # every action from the current row on closes the gripper
        self.have_close = False  # the first close at or after the current row keeps it closed to the end
        self.move = np.zeros(CONTINUOUS_DIM)  # logged moves from the current row to that close (x, y, rot)
        self.close_height = 0.0
        self.close_return = 0.0


Chunk = tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # first row, action, state, reward, done


def shortcut_chunks(chunks: Iterable[Chunk], spec: ShortcutSpec) -> Iterator[tuple[int, np.ndarray]]:
    """Chunks of consecutive rows, from the log's END backwards -> (first row, (n, SHORTCUT_WIDTH) float32)
    per chunk, rows in the chunk's own order. One chunk is in memory at a time."""
    scan = _Scan()
    for start, action, state, reward, done in chunks:
        yield start, _scan_chunk(scan, action, state, reward, done, spec)


def _scan_chunk(
    scan: _Scan,
    action: np.ndarray,
    state: np.ndarray,
    reward: np.ndarray,
    done: np.ndarray,
    spec: ShortcutSpec,
) -> np.ndarray:
    out = np.zeros((len(reward), SHORTCUT_WIDTH), dtype=np.float32)
    act = np.asarray(action, dtype=np.float64)
    for i in range(len(reward) - 1, -1, -1):
        if done[i]:
            scan.ret, scan.closed_to_end, scan.have_close = 0.0, True, False
        scan.ret = float(reward[i]) + spec.step_penalty + spec.gamma * scan.ret
        height = float(state[i, HEIGHT])
        if act[i, CLOSE] > 0.5:
            # this is now the first close at or after row i; it counts only if the gripper stays closed
            scan.have_close = scan.closed_to_end
            scan.move = act[i, :CONTINUOUS_DIM].copy()
            scan.close_height = height + act[i, Z] * spec.max_translation
            scan.close_return = scan.ret
        else:
            scan.closed_to_end = False
            scan.move += act[i, :CONTINUOUS_DIM]  # its z is replaced by the heights below
        if not scan.have_close or state[i, CLOSED] > 0.5:
            continue
        move = scan.move.copy()
        need = (scan.close_height - height) / spec.max_translation  # dz to the closing height
        move[Z] = min(max(need, -1.0), 1.0)
        if np.all(np.abs(move) <= 1.0):
            further = math.ceil(abs(need - move[Z]) - 1e-6)  # vertical steps still to go after this one
            penalties = spec.step_penalty * sum(spec.gamma**k for k in range(further + 1))
            target = penalties + spec.gamma ** (further + 1) * scan.close_return
            out[i, :CONTINUOUS_DIM] = move
            out[i, CONTINUOUS_DIM] = min(max(target, 0.0), 1.0)
            out[i, CONTINUOUS_DIM + 1] = 1.0
    return out
