"""`qtopt replay`: every checkpoint of a lineage on every variation in the sim (a forgetting matrix).

The chain comes from the lineage service's database (`--lineage ID`, the default source) or from a local
folder of checkpoint folders (`--checkpoints DIR`, followed through each manifest's parent id). The matrix is
written as CSV, JSON, a PNG heat map and an HTML page; with the service's database, into
`<data_dir>/replays/<policy id>/`, where the dashboard links to it.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from services.cli.serve import DB_HELP

if TYPE_CHECKING:
    from robot_drivers.replay import LineageStep

ALL_VARIATIONS = "base,checkerboard,harsh_lighting,transparent,extended_gripper,offset_gripper"


def _chain_from_service(lineage: str, database_url: str | None) -> tuple[list[LineageStep], Path]:
    from robot_drivers.replay import LineageStep
    from services.cli.serve import _settings
    from services.db.migrate import upgrade
    from services.db.session import make_engine, make_sessionmaker, session_scope
    from services.domain.policies import PolicyError, ancestry
    from services.settings import ServiceSettings

    settings = _settings(database_url)
    assert isinstance(settings, ServiceSettings)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            try:
                chain = ancestry(session, lineage)
            except PolicyError as exc:
                raise typer.BadParameter(str(exc), param_hint="--lineage") from exc
            steps = [LineageStep(p.id, p.name, p.checkpoint_path) for p in chain]
    finally:
        engine.dispose()
    return steps, Path(settings.data_dir) / "replays" / steps[-1].id


def replay_command(
    lineage: str = typer.Option(
        None, "--lineage", help="policy id (or prefix, or name) whose chain to replay; default: the longest"
    ),
    checkpoints: Path = typer.Option(
        None, "--checkpoints", help="a local folder of checkpoint folders instead of the service's database"
    ),
    variation: str = typer.Option(ALL_VARIATIONS, help="variations, joined by ','"),
    episodes: int = typer.Option(50, min=1, help="episodes per (checkpoint, variation) cell"),
    out: Path = typer.Option(
        None, help="output folder (default: the service's replays folder, or runs/replay)"
    ),
    gif: int = typer.Option(0, min=0, help="a GIF of this many grasps per cell (0: none)"),
    objects: str = typer.Option("test", help="object split: test (unseen), train or all"),
    chunk: int = typer.Option(25, min=1, help="episodes per Ray task"),
    ray_address: str = typer.Option(None, help="an existing Ray cluster (default: a local Ray)"),
    database_url: str = typer.Option(None, "--db-url", help=DB_HELP),
) -> None:
    """Replay a lineage in the sim: every checkpoint x every variation -> CSV, PNG heat map, HTML page."""
    from robot_drivers.replay import ReplayJob, chain_from_folder, replay_lineage

    if checkpoints is not None:
        try:
            chain = chain_from_folder(checkpoints, lineage)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--checkpoints") from exc
        default_out = Path("runs/replay") / chain[-1].name
    else:
        if lineage is None:
            raise typer.BadParameter(
                "give --lineage POLICY_ID (or --checkpoints DIR)", param_hint="--lineage"
            )
        chain, default_out = _chain_from_service(lineage, database_url)
    variations = [v.strip() for v in variation.split(",") if v.strip()]
    try:
        job = ReplayJob(
            chain,
            variations,
            episodes,
            str(out or default_out),
            objects=objects,
            chunk=chunk,
            gif_episodes=gif,
            ray_address=ray_address,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    command = shlex.join(["qtopt", "replay", *sys.argv[2:]]) if len(sys.argv) > 1 else "qtopt replay"
    matrix = replay_lineage(job, command=command)
    width = max(len(s.name) for s in matrix.chain)
    typer.echo(" " * (width + 4) + "  ".join(f"{v[:14]:>14}" for v in matrix.variations))
    for row, step in enumerate(matrix.chain):
        rates = "  ".join(f"{matrix.rate(row, v).rate:>14.2f}" for v in matrix.variations)
        typer.echo(f"{row:>2}: {step.name:<{width}}{rates}")
    typer.echo(f"forgetting matrix: {Path(job.out) / 'index.html'}")
