"""`qtopt pretrain`: train a Q-network offline on grasp logs, optionally evaluating as it goes."""

from __future__ import annotations

from pathlib import Path

import typer


def pretrain_command(
    log: list[Path] = typer.Option(..., "--log", help="grasp log folder (repeat for several)"),
    steps: int = typer.Option(..., min=1, help="training steps in all (a resumed run trains the rest)"),
    out: Path = typer.Option(..., "--out", help="folder for the final checkpoint (must not exist)"),
    run_dir: Path = typer.Option(None, help="metrics and periodic checkpoints (default runs/pretrain/NAME)"),
    weight: list[float] = typer.Option(None, "--weight", help="share of each log in a batch"),
    batch_size: int = typer.Option(64, min=1),
    lr: float = typer.Option(1e-4, min=0.0),
    seed: int = typer.Option(0),
    checkpoint_every: int = typer.Option(1000, min=0, help="steps between periodic checkpoints"),
    eval_every: int = typer.Option(0, min=0, help="evaluate every N steps in the sim (0: never)"),
    eval_episodes: int = typer.Option(100, min=1),
    eval_objects: str = typer.Option("test"),
    workers: int = typer.Option(2, min=1, help="processes for evaluation"),
    mc_bound: bool = typer.Option(
        False, "--mc-bound", help="bound targets below by the logged episode's discounted return"
    ),
    step_penalty: float = typer.Option(0.0, max=0.0, help="added to every step's reward in the targets"),
    conservative: float = typer.Option(
        0.0, min=0.0, help="weight of the conservative (CQL) penalty on actions the log does not show"
    ),
    shortcut: float = typer.Option(
        0.0,
        min=0.0,
        help="weight of the hindsight-shortcut loss: Q of a straight move to where each logged episode "
        "closed, against that close's return (0: off)",
    ),
    sample_window: int = typer.Option(
        1,
        min=1,
        help="walk windows of up to this many consecutive steps of an episode across batches (each batch "
        "still holds independent windows): fewer images to decode (~1.2 a transition at 4, ~1.9 at 1)",
    ),
    action_shift: bool = typer.Option(
        False,
        "--action-shift",
        help="a network that also sees its features shifted by where each action goes (from scratch only)",
    ),
    close_in_place: bool = typer.Option(
        False,
        "--close-in-place",
        help="a network (and policy) that closes the gripper where it is, never after a move (from scratch "
        "only)",
    ),
    init: Path = typer.Option(
        None, "--init", help="start from this checkpoint's weights (recorded as the parent), not from scratch"
    ),
    auto_descend: bool = typer.Option(
        False,
        "--auto-descend",
        help="a network for auto-descend robots: it ignores dz, close and terminate (from scratch only; a "
        "network started with --init keeps its parent's shape)",
    ),
) -> None:
    """Pretrain a QT-Opt Q-network on grasp logs; writes a safetensors + JSON checkpoint."""
    from qtopt_finetune.learner_config import LearnerConfig
    from qtopt_finetune.pretrain import PretrainJob, pretrain
    from robot_drivers.evaluation import LearningCurve

    if out.exists():
        raise typer.BadParameter(f"{out} exists; checkpoints are never overwritten", param_hint="--out")
    missing = [str(p) for p in log if not (p / "meta" / "info.json").exists()]
    if missing:
        raise typer.BadParameter(
            f"not a grasp log (no meta/info.json): {', '.join(missing)}", param_hint="--log"
        )
    from qtopt_finetune.grasp_log import GraspLogReader
    from qtopt_finetune.pretrain import logs_observation

    readers = [GraspLogReader(p) for p in log]
    try:
        image_size, camera = logs_observation(readers)  # a new network is one for the logs' images
        grasps = sum(r.num_episodes for r in readers)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--log") from exc
    finally:
        for reader in readers:
            reader.close()
    run = run_dir or Path("runs/pretrain") / out.name
    every = eval_every if eval_every else 0
    from qtopt_finetune.bellman import BellmanConfig

    learner = LearnerConfig(
        lr=lr,
        seed=seed,
        checkpoint_every=every or checkpoint_every,
        bellman=BellmanConfig(mc_lower_bound=mc_bound, step_penalty=step_penalty),
        conservative_weight=conservative,
        shortcut_weight=shortcut,
        sample_window=sample_window,
    )
    from qtopt_finetune.networks import QNetworkConfig
    from qtopt_finetune.spaces import AUTO_DESCEND_ACTIONS

    if (auto_descend or action_shift or close_in_place) and init is not None:
        raise typer.BadParameter(
            "--auto-descend, --action-shift and --close-in-place shape a new network; --init keeps the "
            "parent's",
            param_hint="--init",
        )
    try:
        job = PretrainJob(
            [str(p) for p in log],
            steps,
            str(out),
            str(run),
            weight or None,
            batch_size,
            seed,
            network=QNetworkConfig(
                image_size=image_size,
                camera=camera,
                ignored_actions=AUTO_DESCEND_ACTIONS if auto_descend else (),
                action_shift=action_shift,
                close_in_place=close_in_place,
            ),
            learner=learner,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    curve = LearningCurve(
        run, every, eval_episodes, objects=eval_objects, workers=workers, grasps_in_log=grasps
    )
    if init is not None and not (init / "manifest.json").is_file():
        raise typer.BadParameter(f"no checkpoint at {init}", param_hint="--init")
    path = pretrain(job, on_step=curve if every else None, parent=str(init) if init else None)
    plot = curve.plot()
    typer.echo(f"checkpoint: {path}")
    if plot:
        typer.echo(f"learning curve: {plot} ({curve.csv_path})")
