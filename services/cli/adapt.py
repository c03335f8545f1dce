"""`qtopt adapt`: adapt a policy to a new variation from a few hundred grasps (one node of a lineage)."""

from __future__ import annotations

from pathlib import Path

import typer


def adapt_command(
    parent: Path = typer.Option(..., "--parent", help="checkpoint folder of the policy to adapt"),
    variation: str = typer.Option(..., "--variation", help="the new variation, e.g. 'transparent'"),
    out: Path = typer.Option(..., "--out", help="folder for the child checkpoint"),
    grasps: int = typer.Option(800, min=1, help="exploration grasps of the parent on the variation"),
    base_log: Path = typer.Option(Path("logs/base"), help="the base grasp log (half of every batch)"),
    steps: int = typer.Option(2000, min=1, help="fine-tuning steps"),
    lr: float = typer.Option(1e-4, min=0.0),
    base_weight: float = typer.Option(0.5, min=0.0, max=0.99, help="base log's share of a batch"),
    exploration: float = typer.Option(0.1, min=0.0, max=1.0, help="parent's random-action rate"),
    mode: str = typer.Option("full", help="'full': fine-tune every weight; 'adapters': lossless adapters"),
    eval_episodes: int = typer.Option(100, min=0, help="evaluation episodes per task (0: skip)"),
    work_dir: Path = typer.Option(None, help="target log and training run (default runs/adapt/OUT)"),
    workers: int = typer.Option(2, min=1),
    seed: int = typer.Option(0),
    variation_input: bool = typer.Option(
        False,
        "--variation-input",
        help="the child's network is told which robot a grasp came from (1.0: this variation, 0.0: base)",
    ),
    learner_set: list[str] = typer.Option(
        [],
        "--set",
        help="KEY=NUMBER: a child learner setting other than its parent's, e.g. augment.crop_padding=8",
    ),
    json_out: bool = typer.Option(False, "--json", help="print the report as JSON"),
) -> None:
    """Parent explores the variation -> child fine-tuned on a base/target mix -> both tasks evaluated.

    Run it again after an interruption: collected grasps and training progress are kept.
    """
    from qtopt_finetune.adaptation import AdaptationConfig
    from qtopt_finetune.checkpoint import CheckpointError
    from qtopt_finetune.learner_config import parse_learner_overrides
    from robot_drivers.adaptation import AdaptationJob, adapt

    try:
        overrides = parse_learner_overrides(learner_set)
        config = AdaptationConfig(
            grasps=grasps,
            steps=steps,
            lr=lr,
            base_weight=base_weight,
            exploration=exploration,
            mode=mode,  # type: ignore[arg-type]  # checked by AdaptationConfig
            seed=seed,
            eval_episodes=eval_episodes,
            learner_overrides=overrides,
            variation_input=variation_input,
        )
        work = str(work_dir) if work_dir else None
        job = AdaptationJob(str(parent), variation, str(out), str(base_log), work, config, workers)
    except (ValueError, CheckpointError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    report = adapt(job, on_stage=None if json_out else lambda stage, _: typer.echo(f"[adapt] {stage}"))
    if json_out:
        typer.echo(report.to_json())
        return
    typer.echo(f"child: {report.child} ({report.grasps} grasps on {variation})")
    rows = (
        ("child on the variation", report.child_on_variation),
        ("child on the base task", report.child_on_base),
        ("parent on the variation", report.parent_on_variation),
    )
    for task, rate in rows:
        if rate is not None:
            typer.echo(
                f"  {task}: {rate['success_rate']:.3f} [{rate['ci_low']:.3f}, {rate['ci_high']:.3f}]"
                f" (n={rate['episodes']})"
            )
