"""`qtopt experiment video-pretraining`: does pretraining the image tower on unlabeled grasp video make
adaptation cheaper?

Video: the frames of base-log episodes plus unlabeled recordings on each variation (scripted grasps, frames
only). Units: k-means over an encoder's frame embeddings (a randomly initialised tower, the control, and the
RL base policy's tower); a forward model predicts the next unit; its trunk initialises a Q-network's tower.
For each variation and each grasp budget, four starts are trained on the same target grasps only (the base
policy's exploration grasps on the variation, as in the adaptation experiment) and evaluated on the same
unseen-object episodes: from scratch, video-pretrained tower (random-encoder units), video-pretrained tower
(base-encoder units), and the RL-pretrained base policy.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from qtopt_finetune.adaptation import finetune_child
from qtopt_finetune.adapters.loading import load_q_network, network_config_of
from qtopt_finetune.checkpoint import read_manifest
from qtopt_finetune.video import VideoPretrainConfig, pretrain_tower, read_clips, save_tower_init
from robot_drivers.experiments.adaptation_experiment import AdaptationExperiment, Log, _Runner
from robot_drivers.experiments.cells import add_wall_time
from robot_drivers.runner import CollectJob, collect

STARTS = ("scratch", "video_random", "video_base", "rl_base")
RECORDING_SEED = 5_000_000  # unlabeled recordings never share seeds with logs, exploration or evaluation


@dataclass(frozen=True)
class VideoExperiment:
    adaptation: AdaptationExperiment  # base policy, base log, variations, budgets, evaluation, training
    base_clips: int = 3000  # base-log episodes used as video (frames only)
    recordings: int = 500  # unlabeled episodes recorded on each variation (scripted robot, frames only)
    video: VideoPretrainConfig = field(default_factory=VideoPretrainConfig)
    targets_dir: str | None = None  # where target logs are (shared with the adaptation experiment)


@dataclass
class VideoResult:
    settings: dict[str, Any]
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    video: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0  # this run
    total_seconds: float = 0.0  # every run of this experiment (work dir), resumed runs included
    runs: int = 1


def _video_inits(exp: VideoExperiment, r: _Runner, log: Log) -> dict[str, Path]:
    """The two video-pretrained starting checkpoints (random-encoder and base-encoder units)."""
    a = exp.adaptation
    video_dir = r.work / "video"
    recordings = []
    base = network_config_of(a.base)
    for variation in a.variations:
        path = video_dir / "recordings" / variation
        if not (path / "meta" / "info.json").is_file():
            log(f"recording {exp.recordings} unlabeled episodes on {variation} (frames only are used)")
            job = CollectJob(
                str(path),
                exp.recordings,
                variation,
                "scripted",
                workers=a.workers,
                seed=RECORDING_SEED,
                robot="sim-recorder",
                auto_descend=base.auto_descend,  # frames as the base policy sees them
                image_size=base.image_size,
                camera=base.camera,
            )
            collect(job, show_progress=r.progress)
        recordings.append(path)
    out = {}
    for encoder in ("random", "base"):
        path = r.checkpoints / f"video_init_{encoder}"
        out[f"video_{encoder}"] = path
        if path.exists():
            continue
        clips = read_clips([a.base_log], max_clips=exp.base_clips) + read_clips(recordings)
        network, _ = load_q_network(a.base)
        tower = network.tower if encoder == "base" else None  # None: a fresh random tower (the control)
        log(f"video pretraining on {len(clips)} clips, units from the {encoder} encoder")
        config = replace(exp.video, progress=r.progress)
        result = pretrain_tower(clips, network.config, config, encoder=tower)
        summary = result.summary()
        first, final, chance = summary["first_loss"], summary["final_loss"], summary["chance_loss"]
        log(f"  forward-model loss {first:.3f} -> {final:.3f} (chance {chance:.3f})")
        data = {
            "encoder": encoder,
            "clips": len(clips),
            "base_log": a.base_log,
            "recordings": [str(p) for p in recordings],
        }
        save_tower_init(result, path, config, data)
    return out


def _train(r: _Runner, name: str, start: str, init: Path | None, target: Path, grasps: int) -> Path:
    """A child trained on the target grasps alone (no base log), from `init` or from scratch."""
    out = r.checkpoints / name
    if out.exists():
        return out
    a = r.exp
    if init is None:
        return r.scratch(name, target)
    r.log(f"training {name} from {start} on {grasps} target grasps ({a.steps} steps)")
    config = replace(a.config(grasps), base_weight=0.0)
    # every start trains with the base policy's recipe (targets, step penalty), only the weights differ
    finetune_child(init, None, target, config, out, r.work / "train" / name, settings_from=a.base)
    return out


def run_video_experiment(exp: VideoExperiment, log: Log = print, show_progress: bool = True) -> VideoResult:
    start = time.perf_counter()
    a = exp.adaptation
    r = _Runner(a, log, show_progress)
    if exp.targets_dir:
        r.targets = Path(exp.targets_dir)
    result = VideoResult(settings={**asdict(exp), "starts": list(STARTS)})
    videos = _video_inits(exp, r, log)
    inits: dict[str, Path | None] = {"scratch": None, "rl_base": Path(a.base), **videos}
    for variation in a.variations:
        for grasps in a.grasps:
            target = r.target_log(a.base, variation, grasps, "base")
            for name in STARTS:
                child = _train(r, f"{variation}__{name}_{grasps}", name, inits[name], target, grasps)
                result.cells[f"{variation}/{name}_{grasps}"] = r.evaluate(
                    f"{variation}__{name}_{grasps}", child, variation
                )
    for encoder in ("random", "base"):
        manifest = read_manifest(videos[f"video_{encoder}"])
        result.video[encoder] = manifest["data_manifest"]["video_pretraining"]
    result.seconds = time.perf_counter() - start
    result.total_seconds, result.runs = add_wall_time(r.work, result.seconds)
    return result
