"""`qtopt run` (what `make run` starts): the main job on embedded defaults.

The lineage service and dashboard on 127.0.0.1 with a SQLite file, the shipped base policy as the first
champion, and simulated robots that keep grasping with the champion and reporting their outcomes. Adaptations
triggered from the dashboard train on local Ray or in-process.
"""

from __future__ import annotations

from pathlib import Path

import typer

from services.cli.fleet import fleet_command

SHIPPED_BASE = Path("checkpoints/base")


def run_command(
    robots: int = typer.Option(2, min=0, max=16, help="simulated robots"),
    port: int | None = typer.Option(None, min=1, max=65535, help="port (default 8000)"),
) -> None:
    """The service and dashboard; simulated robots grasp with the champion (first: the shipped base)."""
    if not (SHIPPED_BASE / "manifest.json").is_file():
        raise typer.BadParameter(f"{SHIPPED_BASE} is missing: run from the repository root")
    fleet_command(
        champion=None,
        robots=robots,
        variation="base",
        port=port,
        database_url=None,
        first_champion=SHIPPED_BASE,
    )
