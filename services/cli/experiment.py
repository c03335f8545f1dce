"""`qtopt experiment ...`: regenerate the project's result tables with one command each."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import typer

experiment_app = typer.Typer(help="Experiments that write the tables in results/.", no_args_is_help=True)


def _command() -> str:
    return shlex.join(["qtopt", *sys.argv[1:]]) if len(sys.argv) > 1 else "qtopt experiment"


@experiment_app.command("adaptation")
def adaptation(
    base: Path = typer.Option(Path("checkpoints/base"), help="the base policy"),
    base_log: Path = typer.Option(Path("logs/base"), help="the base grasp log (half of every batch)"),
    variation: str = typer.Option(
        "checkerboard,harsh_lighting,transparent,extended_gripper,offset_gripper",
        help="variations, joined by ',' (the continual chain visits them in this order)",
    ),
    grasps: str = typer.Option("25,100,400,800", help="exploration grasp budgets, joined by ','"),
    episodes: int = typer.Option(100, min=1, help="evaluation episodes per cell (unseen objects)"),
    steps: int = typer.Option(2000, min=1, help="fine-tuning steps per child"),
    lr: float = typer.Option(1e-4, min=0.0),
    adapter_lr: float = typer.Option(
        None, min=0.0, help="learning rate of the adapters children (default: --lr); adapters start at zero"
    ),
    exploration: float = typer.Option(0.1, min=0.0, max=1.0, help="the parent's random-action rate"),
    continual: bool = typer.Option(True, help="also run the continual chain through the variations"),
    workers: int = typer.Option(2, min=1),
    seed: int = typer.Option(0),
    seeds: int = typer.Option(
        1, min=1, help="training seeds of each most-grasps fine-tune (seed, seed+1, ...); its cell pools them"
    ),
    work_dir: Path = typer.Option(Path("runs/experiments/adaptation"), help="cells, logs and children"),
    out: Path = typer.Option(Path("results"), help="folder for adaptation.md / .json / .png"),
    learner_set: list[str] = typer.Option(
        [], "--set", help="KEY=NUMBER: a learner setting of every child other than the base policy's"
    ),
) -> None:
    """Base policy vs fine-tuned (25-800 grasps) vs from scratch vs adapters vs continual, per variation."""
    from qtopt_finetune.learner_config import parse_learner_overrides
    from robot_drivers.experiments.adaptation_experiment import (
        AdaptationExperiment,
        run_adaptation_experiment,
    )
    from robot_drivers.experiments.adaptation_report import checks, write_report

    try:
        exp = AdaptationExperiment(
            base=str(base),
            base_log=str(base_log),
            variations=tuple(v.strip() for v in variation.split(",") if v.strip()),
            grasps=tuple(int(g) for g in grasps.split(",") if g.strip()),
            episodes=episodes,
            steps=steps,
            lr=lr,
            adapter_lr=adapter_lr,
            exploration=exploration,
            workers=workers,
            seed=seed,
            seeds=seeds,
            continual=continual,
            work_dir=str(work_dir),
            learner_overrides=parse_learner_overrides(learner_set),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc

    def log(line: str) -> None:
        typer.echo(f"[{time.strftime('%H:%M:%S')}] {line}")

    result = run_adaptation_experiment(exp, log=log)
    paths = write_report(result, out, _command())
    for what, ok, figure in checks(result):
        typer.echo(f"{'ok ' if ok else 'NO '} {what}: {figure}")
    typer.echo(f"wrote {', '.join(str(p) for p in paths.values())} in {result.seconds / 60:.1f} min")


@experiment_app.command("video-pretraining")
def video_pretraining(
    base: Path = typer.Option(
        Path("checkpoints/base"), help="the RL-pretrained base policy (a start, an encoder)"
    ),
    base_log: Path = typer.Option(Path("logs/base"), help="grasp log whose frames serve as video"),
    variation: str = typer.Option("checkerboard,transparent", help="two (or more) variations, joined by ','"),
    grasps: str = typer.Option("100,400,800", help="target grasp budgets, joined by ','"),
    episodes: int = typer.Option(100, min=1, help="evaluation episodes per cell (unseen objects)"),
    steps: int = typer.Option(2000, min=1, help="training steps of every start"),
    base_clips: int = typer.Option(3000, min=1, help="base-log episodes used as video"),
    recordings: int = typer.Option(500, min=1, help="unlabeled episodes recorded on each variation"),
    units: int = typer.Option(64, min=2, help="k of the k-means codebook"),
    assignment: str = typer.Option("clip_mean", help="plain, clip_mean, delta or stochastic"),
    video_steps: int = typer.Option(3000, min=1, help="forward-model training steps"),
    workers: int = typer.Option(2, min=1),
    seed: int = typer.Option(0),
    work_dir: Path = typer.Option(Path("runs/experiments/video"), help="cells, recordings and children"),
    targets_dir: Path = typer.Option(
        Path("runs/experiments/adaptation/targets"),
        help="target logs (shared with the adaptation experiment)",
    ),
    out: Path = typer.Option(Path("results"), help="folder for video_pretraining.md / .json / .png"),
) -> None:
    """Adaptation from scratch vs a video-pretrained tower (two encoders) vs the RL base, per budget."""
    from qtopt_finetune.video import ASSIGNMENTS, VideoPretrainConfig
    from robot_drivers.experiments.adaptation_experiment import AdaptationExperiment
    from robot_drivers.experiments.video_experiment import VideoExperiment, run_video_experiment
    from robot_drivers.experiments.video_report import reading, write_report

    if assignment not in ASSIGNMENTS:
        raise typer.BadParameter(f"use one of {ASSIGNMENTS}", param_hint="--assignment")
    try:
        adaptation = AdaptationExperiment(
            base=str(base),
            base_log=str(base_log),
            variations=tuple(v.strip() for v in variation.split(",") if v.strip()),
            grasps=tuple(int(g) for g in grasps.split(",") if g.strip()),
            episodes=episodes,
            steps=steps,
            workers=workers,
            seed=seed,
            continual=False,
            work_dir=str(work_dir),
        )
        video = VideoPretrainConfig(
            units=units,
            assignment=assignment,  # checked above
            steps=video_steps,
            seed=seed,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    exp = VideoExperiment(adaptation, base_clips, recordings, video, str(targets_dir))

    def log(line: str) -> None:
        typer.echo(f"[{time.strftime('%H:%M:%S')}] {line}")

    result = run_video_experiment(exp, log=log)
    paths = write_report(result, out, _command())
    for line in reading(result):
        typer.echo(line)
    typer.echo(f"wrote {', '.join(str(p) for p in paths.values())} in {result.seconds / 60:.1f} min")
