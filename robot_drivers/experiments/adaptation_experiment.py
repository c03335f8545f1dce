"""`qtopt experiment adaptation`: how well, and from how few grasps, the base policy adapts to each variation.

For each variation: the base policy on it; children fine-tuned from the base policy (50/50 base/target mix)
with 25 / 100 / 400 / 800 exploration grasps of the base policy; a network trained from scratch on the same
800 grasps; lossless adapters on the frozen base trained with those 800; and a continual chain base -> V1 ->
V2 -> ... in which each child adapts the previous one (its first node is the 800-grasp fine-tune of V1).
Every evaluation uses the same unseen-object episodes (seeds from EVAL_SEED). With `seeds` > 1 the
most-grasps fine-tune is trained that many times on the same grasps (training seeds seed, seed+1, ...) and
its cell pools their evaluations: one training run's success moves by ~10 points from seed to seed.

Each finished cell is a JSON file under `<work_dir>/cells/`, each child a checkpoint under
`<work_dir>/checkpoints/`, so running the same command again after an interruption redoes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qtopt_finetune.adaptation import AdaptationConfig, finetune_child
from qtopt_finetune.adaptation.finetune import child_learner_config
from qtopt_finetune.adapters.loading import network_config_of
from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.pretrain import PretrainJob, pretrain
from robot_drivers.adaptation import AdaptationJob, collect_target_grasps
from robot_drivers.evaluation import EVAL_SEED, evaluate
from robot_drivers.experiments.cells import CellCache, add_wall_time, claim_for_base, pooled
from robot_drivers.sim.variations import VARIATIONS_REVISION, parse_variation

FIVE_VARIATIONS = ("checkerboard", "harsh_lighting", "transparent", "extended_gripper", "offset_gripper")
Log = Callable[[str], None]


@dataclass(frozen=True)
class AdaptationExperiment:
    base: str = "checkpoints/base"
    base_log: str = "logs/base"
    variations: tuple[str, ...] = FIVE_VARIATIONS
    grasps: tuple[int, ...] = (25, 100, 400, 800)
    episodes: int = 100  # evaluation episodes per cell (unseen objects)
    steps: int = 2000  # fine-tuning steps of every child (and of the from-scratch network)
    lr: float = 1e-4
    adapter_lr: float | None = None  # the adapters' learning rate (None: lr); they start at zero
    batch_size: int = 64
    exploration: float = 0.1  # the parent's random-action rate while it explores a variation
    workers: int = 2
    seed: int = 0
    seeds: int = 1  # training seeds of each most-grasps fine-tune; its cell pools their evaluations
    continual: bool = True
    work_dir: str = "runs/experiments/adaptation"
    # the children's learner settings other than the base policy's (AdaptationConfig.learner_overrides)
    learner_overrides: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "learner_overrides", tuple((str(k), v) for k, v in self.learner_overrides))
        self.config(1)  # raises naming a bad learner override
        for variation in self.variations:
            parse_variation(variation)
        if not self.grasps or min(self.grasps) < 1:
            raise ValueError(f"grasps: need positive counts, got {self.grasps}")
        if self.episodes < 1 or self.steps < 1 or self.workers < 1 or self.seeds < 1:
            raise ValueError("episodes, steps, workers and seeds must be >= 1")
        if not self.lr > 0 or (self.adapter_lr is not None and not self.adapter_lr > 0):
            raise ValueError(f"lr and adapter_lr must be > 0, got {self.lr}, {self.adapter_lr}")
        read_manifest(self.base)  # raises naming a folder that is not a checkpoint
        if not (Path(self.base_log) / "meta" / "info.json").is_file():
            raise ValueError(f"base_log: {self.base_log} is not a grasp log (no meta/info.json)")

    @property
    def most_grasps(self) -> int:
        return max(self.grasps)

    def config(self, grasps: int, mode: str = "full", seed_offset: int = 0) -> AdaptationConfig:
        return AdaptationConfig(
            grasps=grasps,
            steps=self.steps,
            lr=self.adapter_lr if mode == "adapters" and self.adapter_lr is not None else self.lr,
            batch_size=self.batch_size,
            exploration=self.exploration,
            mode=mode,  # type: ignore[arg-type]  # "full" or "adapters"
            seed=self.seed + seed_offset,
            eval_episodes=0,
            learner_overrides=self.learner_overrides,
        )

    @property
    def recipe(self) -> dict[str, Any]:
        """What every child of this experiment is trained with: a work dir's cells must share it."""
        keys = ("base_log", "steps", "lr", "adapter_lr", "batch_size", "exploration")
        overrides = [list(o) for o in self.learner_overrides]
        return {k: getattr(self, k) for k in keys} | {"learner_overrides": overrides}


@dataclass
class ExperimentResult:
    settings: dict[str, Any]
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0  # this run
    total_seconds: float = 0.0  # every run of this experiment (work dir), resumed runs included
    runs: int = 1


class _Runner:
    def __init__(self, exp: AdaptationExperiment, log: Log, show_progress: bool) -> None:
        self.exp, self.log, self.progress = exp, log, show_progress
        self.work = Path(exp.work_dir)
        self.cells = CellCache(self.work / "cells")
        self.checkpoints = self.work / "checkpoints"
        self.targets = self.work / "targets"  # exploration grasps, shareable between experiments

    def evaluate(self, name: str, checkpoint: str | Path, variation: str) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            start = time.perf_counter()
            rate = evaluate(
                checkpoint, variation, "test", self.exp.episodes, self.exp.workers, EVAL_SEED, self.progress
            )
            return {
                "checkpoint": str(checkpoint),
                "variation": variation,
                "success_rate": rate.rate,
                "ci_low": rate.low,
                "ci_high": rate.high,
                "successes": rate.successes,
                "episodes": rate.episodes,
                "seconds": round(time.perf_counter() - start, 1),
            }

        cell = self.cells.cached(name, run)
        self.log(f"{name}: {cell['success_rate']:.3f} [{cell['ci_low']:.3f}, {cell['ci_high']:.3f}]")
        return cell

    def target_log(self, parent: str | Path, variation: str, grasps: int, tag: str) -> Path:
        """`grasps` exploration grasps of `parent` on `variation` (seeded as the adaptation recipe seeds
        them, so a smaller collection is the start of a larger one by the same parent)."""
        job = AdaptationJob(
            str(parent),
            variation,
            out=str(self.checkpoints / f"unused_{tag}"),
            base_log=self.exp.base_log,
            work_dir=str(self.targets / f"{tag}_{variation}_{grasps}"),
            config=self.exp.config(grasps),
            workers=self.exp.workers,
            robot=f"sim-experiment-{tag}",
        )
        have, successes = collect_target_grasps(job, self.progress)
        self.log(f"target log {tag}/{variation}/{grasps}: {have} grasps, {successes} successes")
        return job.target_log

    def child(
        self,
        name: str,
        parent: str | Path,
        target: Path,
        grasps: int,
        mode: str = "full",
        seed_offset: int = 0,
    ) -> Path:
        out = self.checkpoints / name
        if not out.exists():
            self.log(f"training {name} ({mode}, {self.exp.steps} steps, seed {self.exp.seed + seed_offset})")
            finetune_child(
                parent,
                self.exp.base_log,
                target,
                self.exp.config(grasps, mode, seed_offset),
                out,
                self.work / "train" / name,
            )
        return out

    def scratch(self, name: str, target: Path) -> Path:
        out = self.checkpoints / name
        if not out.exists():
            self.log(f"training {name} from scratch on {target} ({self.exp.steps} steps)")
            # the children's recipe (the base policy's targets and penalty, the adaptation's lr), no weights
            learner = child_learner_config(self.exp.base, self.exp.config(self.exp.most_grasps))
            job = PretrainJob(
                [str(target)],
                self.exp.steps,
                str(out),
                str(self.work / "train" / name),
                batch_size=self.exp.batch_size,
                seed=self.exp.seed,
                network=network_config_of(self.exp.base),  # the base policy's shape (and grasp mode)
                learner=learner,
            )
            pretrain(job)
        return out


def run_adaptation_experiment(
    exp: AdaptationExperiment, log: Log = print, show_progress: bool = True
) -> ExperimentResult:
    start = time.perf_counter()
    base_id = str(read_manifest(exp.base)["id"])
    claim_for_base(exp.work_dir, base_id, VARIATIONS_REVISION, exp.recipe)
    r = _Runner(exp, log, show_progress)
    settings = asdict(exp) | {"base_id": base_id, "variations_revision": VARIATIONS_REVISION}
    result = ExperimentResult(settings=settings)
    cells = result.cells
    cells["base_task"] = r.evaluate("base_task", exp.base, "base")
    top = exp.most_grasps
    for variation in exp.variations:
        cells[f"{variation}/base_policy"] = r.evaluate(f"{variation}__base_policy", exp.base, variation)
        for grasps in exp.grasps:
            target = r.target_log(exp.base, variation, grasps, "base")
            child = r.child(f"{variation}__finetune_{grasps}", exp.base, target, grasps)
            cells[f"{variation}/finetune_{grasps}"] = r.evaluate(
                f"{variation}__finetune_{grasps}", child, variation
            )
        target = r.target_log(exp.base, variation, top, "base")
        if exp.seeds > 1:  # the same target grasps, more training seeds: one cell pooling them all
            runs = [cells[f"{variation}/finetune_{top}"]]
            for k in range(1, exp.seeds):
                name = f"{variation}__finetune_{top}_seed{k}"
                child = r.child(name, exp.base, target, top, seed_offset=k)
                runs.append(r.evaluate(name, child, variation))
            for k, cell in enumerate(runs):
                cells[f"{variation}/finetune_{top}_seed{k}"] = cell
            pooled_cell = cells[f"{variation}/finetune_{top}"] = pooled(runs)
            r.log(f"{variation}__finetune_{top} over {exp.seeds} seeds: {pooled_cell['success_rate']:.3f}")
        scratch = r.scratch(f"{variation}__scratch_{top}", target)
        cells[f"{variation}/scratch_{top}"] = r.evaluate(f"{variation}__scratch_{top}", scratch, variation)
        adapters = r.child(f"{variation}__adapters_{top}", exp.base, target, top, mode="adapters")
        cells[f"{variation}/adapters_{top}"] = r.evaluate(f"{variation}__adapters_{top}", adapters, variation)
    if exp.continual:
        parent: str | Path = exp.base
        for i, variation in enumerate(exp.variations):
            if i == 0:  # the chain's first node is the direct fine-tune from the base policy
                node = r.checkpoints / f"{variation}__finetune_{top}"
            else:
                target = r.target_log(parent, variation, top, f"chain{i}")
                node = r.child(f"chain{i}__{variation}", parent, target, top)
            name = f"{variation}__finetune_{top}" if i == 0 else f"chain{i}__{variation}__on_{variation}"
            cells[f"{variation}/continual"] = r.evaluate(name, node, variation)
            cells[f"{variation}/continual_on_base"] = r.evaluate(
                f"chain{i}__{variation}__on_base", node, "base"
            )
            parent = node
    result.seconds = time.perf_counter() - start
    result.total_seconds, result.runs = add_wall_time(r.work, result.seconds)
    return result
