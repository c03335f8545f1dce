"""`qtopt demo`: the main job end to end, headless, on embedded defaults; prints a summary with figures."""

from __future__ import annotations

import json
from pathlib import Path

import typer


def _rate(cell: dict[str, float] | None) -> str:
    if not cell:
        return "-"
    return (
        f"{cell['success_rate']:.2f} [{cell['ci_low']:.2f}, {cell['ci_high']:.2f}] (n={cell['episodes']:.0f})"
    )


def demo_command(
    champion: Path = typer.Option(
        Path("checkpoints/base"), help="the first champion (the shipped base policy)"
    ),
    variation: str = typer.Option("transparent", help="the variation the robots meet"),
    robots: int = typer.Option(2, min=1, max=8, help="simulated robots (one process each)"),
    grasps: int = typer.Option(200, min=1, help="grasps per phase (base task, variation before and after)"),
    exploration_grasps: int = typer.Option(800, min=1, help="the adaptation's exploration grasps"),
    train_steps: int = typer.Option(3000, min=1, help="the child's fine-tuning steps"),
    batch_size: int = typer.Option(64, min=2),
    eval_episodes: int = typer.Option(200, min=1, help="the job's evaluation episodes (child and parent)"),
    base_log: Path = typer.Option(None, help="base grasp log (default logs/base, else a small scripted one)"),
    port: int = typer.Option(None, min=1, max=65535, help="service port (default: a free one)"),
    work_dir: Path = typer.Option(None, help="the demo's folder (default runs/demo/<time>)"),
    promote: str = typer.Option(
        "if_better", help="'if_better': promote a child that beats its parent; 'always'"
    ),
    json_out: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Base task -> a variation hurts -> adaptation on local Ray -> promotion -> success recovers."""
    from services.demo import DemoConfig, run_demo

    try:
        config = DemoConfig(
            champion=str(champion),
            variation=variation,
            robots=robots,
            grasps_per_phase=grasps,
            exploration_grasps=exploration_grasps,
            train_steps=train_steps,
            batch_size=batch_size,
            eval_episodes=eval_episodes,
            base_log=str(base_log) if base_log else None,
            port=port,
            work_dir=str(work_dir) if work_dir else None,
            promote=promote,  # type: ignore[arg-type]  # checked below
        )
        if promote not in ("if_better", "always"):
            raise ValueError(f"promote: use 'if_better' or 'always', got {promote!r}")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    summary = run_demo(
        config, log=(lambda line: None) if json_out else (lambda line: typer.echo(f"[demo] {line}"))
    )
    if json_out:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        return
    typer.echo("")
    typer.echo(f"summary ({summary.seconds / 60:.1f} min, folder {summary.work_dir}):")
    typer.echo(f"  base policy on the base task:        {_rate(summary.before)}")
    typer.echo(f"  base policy on '{summary.variation}':  {_rate(summary.dropped)}")
    if summary.promoted:
        typer.echo(f"  adapted child on '{summary.variation}': {_rate(summary.recovered)}  (promoted)")
    else:
        state = summary.job["state"]
        why = summary.job["error"] or ""
        typer.echo(f"  adaptation job {summary.job['id']}: {state}; the child was not promoted {why}")
    typer.echo(f"  dashboard (while a service runs on this database): {summary.dashboard}")
    typer.echo(f"  see it again: qtopt serve --db-url sqlite:///{summary.work_dir}/qtopt.db")
