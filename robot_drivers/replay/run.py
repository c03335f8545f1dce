"""Run a lineage replay on Ray: one task per (checkpoint, variation, chunk of episodes), all in parallel.

Local Ray by default (temp dir in the output folder), an existing cluster with `ray_address`. Every cell uses
the same episode seeds, so the matrix compares checkpoints on identical scenes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qtopt_finetune.distributed.ray_session import ray_session
from robot_drivers.evaluation import EVAL_SEED
from robot_drivers.replay.chain import LineageStep
from robot_drivers.replay.matrix import ForgettingMatrix
from robot_drivers.sim.variations import parse_variation


@dataclass(frozen=True)
class ReplayJob:
    chain: list[LineageStep]
    variations: list[str] = field(default_factory=lambda: ["base"])
    episodes: int = 50  # per cell
    out: str = "runs/replay"
    seed: int = EVAL_SEED
    objects: str = "test"
    chunk: int = 25  # episodes per Ray task
    gif_episodes: int = 0  # > 0: a GIF of this many grasps per cell
    gif_size: int = 128
    ray_address: str | None = None

    def __post_init__(self) -> None:
        if not self.chain:
            raise ValueError("replay: the lineage chain is empty")
        if not self.variations:
            raise ValueError("replay: give at least one variation")
        for variation in self.variations:
            parse_variation(variation)  # raises naming an unknown variation
        if self.episodes < 1 or self.chunk < 1 or self.gif_episodes < 0:
            raise ValueError(
                f"replay: need episodes >= 1, chunk >= 1, gif_episodes >= 0; got {self.episodes}, "
                f"{self.chunk}, {self.gif_episodes}"
            )


def _evaluate(checkpoint: str, variation: str, objects: str, seed: int, episodes: int) -> tuple[int, int]:
    import torch

    from robot_drivers.sim_rollouts import SimRollouts

    torch.set_num_threads(1)
    return SimRollouts(variation=variation, objects=objects)(checkpoint, episodes, seed, None)


def _gif(
    checkpoint: str, variation: str, objects: str, seed: int, episodes: int, path: str, size: int
) -> str:
    import torch

    from robot_drivers.replay.gifs import grasp_gif

    torch.set_num_threads(1)
    grasp_gif(checkpoint, variation, range(seed, seed + episodes), path, objects, size)
    return path


def gif_name(row: int, variation: str) -> str:
    return f"gifs/{row:02d}_{variation.replace('+', '_')}.gif"


def replay_lineage(job: ReplayJob, show_progress: bool = True, command: str = "") -> ForgettingMatrix:
    """Evaluate every checkpoint of `job.chain` on every variation; write the matrix files into `job.out`."""
    matrix = ForgettingMatrix(list(job.chain), list(job.variations), job.episodes, job.seed, job.objects)
    out = Path(job.out)
    out.mkdir(parents=True, exist_ok=True)
    with ray_session(out, job.ray_address) as ray:
        evaluate = ray.remote(num_cpus=1, max_retries=3)(_evaluate)
        make_gif = ray.remote(num_cpus=1, max_retries=3)(_gif)
        cells: dict[Any, tuple[int, str]] = {}
        gifs: dict[Any, tuple[int, str]] = {}
        for row, step in enumerate(job.chain):
            for variation in job.variations:
                for lo in range(0, job.episodes, job.chunk):
                    n = min(job.chunk, job.episodes - lo)
                    ref = evaluate.remote(step.path, variation, job.objects, job.seed + lo, n)
                    cells[ref] = (row, variation)
                if job.gif_episodes:
                    path = str(out / gif_name(row, variation))
                    ref = make_gif.remote(
                        step.path, variation, job.objects, job.seed, job.gif_episodes, path, job.gif_size
                    )
                    gifs[ref] = (row, variation)
        pending = [*cells, *gifs]
        with tqdm(total=len(pending), desc="replay", unit="task", disable=not show_progress) as bar:
            while pending:
                ready, pending = ray.wait(pending, num_returns=1)
                ref = ready[0]
                result = ray.get(ref)
                if ref in cells:
                    matrix.add(*cells[ref], *result)
                else:
                    matrix.gifs[gifs[ref]] = gif_name(*gifs[ref])
                bar.update(1)
    matrix.write(out, command)
    return matrix
