"""`qtopt finetune-distributed`: fine-tune a policy on Ray (local by default, a cluster by address)."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType

import typer


def finetune_distributed_command(
    parent: Path = typer.Option(
        None, "--parent", help="checkpoint to fine-tune (default: train from scratch)"
    ),
    log: list[Path] = typer.Option(..., "--log", help="grasp log folder (repeat: base, target, ...)"),
    weight: list[float] = typer.Option(None, "--weight", help="share of each log in a batch (default equal)"),
    steps: int = typer.Option(..., min=1, help="learner steps in all (a resumed run trains the rest)"),
    updaters: int = typer.Option(2, min=1, help="Bellman updater actors"),
    out: Path = typer.Option(..., "--out", help="folder for the final checkpoint (must not exist)"),
    run_dir: Path = typer.Option(None, help="job state, metrics, checkpoints (default runs/finetune/NAME)"),
    ray_address: str = typer.Option(None, "--ray-address", help="join this Ray cluster (default: local Ray)"),
    replay_shards: int = typer.Option(1, min=1),
    batch_size: int = typer.Option(64, min=1),
    lr: float = typer.Option(1e-4, min=0.0),
    seed: int = typer.Option(0),
    checkpoint_every: int = typer.Option(500, min=0, help="learner steps between periodic checkpoints"),
    eval_episodes: int = typer.Option(0, min=0, help="evaluate the final checkpoint in the sim (0: no)"),
    eval_variation: str = typer.Option("base"),
    collectors: int = typer.Option(2, min=1, help="collector actors for the evaluation"),
) -> None:
    """Fine-tune a QT-Opt policy with Ray actors: replay shards, Bellman updaters, a learner.

    Progress goes to RUN_DIR/job_state.json; create RUN_DIR/CANCEL (or press Ctrl-C) to stop cleanly.
    """
    from qtopt_finetune.distributed import DistributedJobConfig, FinetuneDriver
    from qtopt_finetune.learner_config import LearnerConfig
    from robot_drivers.sim_rollouts import SimRollouts

    if out.exists():
        raise typer.BadParameter(f"{out} exists; checkpoints are never overwritten", param_hint="--out")
    missing = [str(p) for p in log if not (p / "meta" / "info.json").exists()]
    if missing:
        raise typer.BadParameter(
            f"not a grasp log (no meta/info.json): {', '.join(missing)}", param_hint="--log"
        )
    if parent is not None and not (parent / "manifest.json").exists():
        raise typer.BadParameter(f"not a checkpoint (no manifest.json): {parent}", param_hint="--parent")
    learner = LearnerConfig(lr=lr, seed=seed, checkpoint_every=checkpoint_every, progress=False)
    try:
        config = DistributedJobConfig(
            logs=[str(p) for p in log],
            steps=steps,
            out=str(out),
            run_dir=str(run_dir or Path("runs/finetune") / out.name),
            parent=str(parent) if parent is not None else None,
            weights=weight or None,
            updaters=updaters,
            replay_shards=replay_shards,
            batch_size=batch_size,
            seed=seed,
            ray_address=ray_address,
            eval_episodes=eval_episodes,
            collectors=collectors,
            learner=learner,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    driver = FinetuneDriver(config, sim_runner=SimRollouts(variation=eval_variation))

    def cancel(signum: int, frame: FrameType | None) -> None:
        typer.echo("cancelling: finishing the step in flight and writing a checkpoint", err=True)
        driver.cancel()

    signal.signal(signal.SIGINT, cancel)
    signal.signal(signal.SIGTERM, cancel)
    state = driver.run()
    typer.echo(f"{state.phase} at step {state.step} (state: {config.state_path})")
    typer.echo(f"checkpoint: {state.final_checkpoint or state.last_checkpoint}")
    if state.evaluation:
        e = state.evaluation
        typer.echo(f"success {e['success']:.3f} [{e['low']:.3f}, {e['high']:.3f}] (n={int(e['episodes'])})")
