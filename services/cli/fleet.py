"""`qtopt fleet`: the lineage service plus simulated robots that grasp with the champion and report outcomes,
so the dashboard is alive the first time it is opened."""

from __future__ import annotations

import multiprocessing as mp
import secrets
import signal
import threading
from pathlib import Path

import typer

from services.cli.serve import DB_HELP


def _robot_process(base_url: str, key: str, robot: str, variation: str, seed: int, cache_dir: str) -> None:
    from robot_drivers.fleet.reporter import ReporterConfig, run_reporter

    config = ReporterConfig(base_url, key, robot=robot, variation=variation, seed=seed, cache_dir=cache_dir)
    run_reporter(config)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _prepare(settings: object, champion: Path | None, first_champion: Path | None = None) -> tuple[str, str]:
    """Migrate, make sure there is a champion, create this run's keys; returns (robot key, viewer key).

    `champion` is registered and promoted; `first_champion` only when the database has no champion yet.
    """
    from services.auth.keys import create_key
    from services.db.migrate import upgrade
    from services.db.models import Role
    from services.db.session import make_engine, make_sessionmaker, session_scope
    from services.domain import policies, promotion
    from services.settings import ServiceSettings

    assert isinstance(settings, ServiceSettings)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            if champion is None and first_champion is not None and policies.champion(session) is None:
                champion = first_champion
            if champion is not None:
                policy = policies.register_checkpoint(session, champion)
                promotion.promote(
                    session, policy.id, "qtopt fleet", {"note": "champion given to qtopt fleet"}
                )
            elif policies.champion(session) is None:
                raise typer.BadParameter(
                    "no champion in the database: give a checkpoint folder (e.g. from qtopt pretrain)",
                    param_hint="--champion",
                )
            tag = secrets.token_hex(3)
            return create_key(session, f"fleet-robots-{tag}", Role.robot), create_key(
                session, f"fleet-viewer-{tag}", Role.viewer
            )
    finally:
        engine.dispose()


def fleet_command(
    champion: Path | None = typer.Option(
        None, help="checkpoint folder to register and promote (default: keep the champion)"
    ),
    robots: int = typer.Option(2, min=0, max=16, help="simulated robots (one process each)"),
    variation: str = typer.Option("base", help="the variation the robots grasp in"),
    port: int | None = typer.Option(None, min=1, max=65535, help="port (default 8000)"),
    database_url: str | None = typer.Option(None, "--db-url", help=DB_HELP),
    first_champion: Path | None = typer.Option(
        None, help="checkpoint to register and promote only if the database has no champion yet"
    ),
) -> None:
    """Start the service and simulated robots that keep grasping with the champion; Ctrl-C stops all."""
    import uvicorn

    from services.api.app import create_app
    from services.cli.serve import _settings
    from services.settings import ServiceSettings

    settings = _settings(database_url, port=port)
    assert isinstance(settings, ServiceSettings)
    robot_key, viewer_key = _prepare(settings, champion, first_champion)
    base_url = f"http://{settings.host}:{settings.port}"
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    from robot_drivers.fleet.reporter import wait_for_service

    wait_for_service(base_url, 60)
    typer.echo(f"dashboard: {base_url}/dashboard  (sign in with this viewer key: {viewer_key})")
    ctx = mp.get_context("spawn")
    cache = str(Path(settings.data_dir) / "fleet_champions")
    procs = [
        ctx.Process(
            target=_robot_process,
            args=(base_url, robot_key, f"sim-{i}", variation, 1000 * i, cache),
            daemon=True,
        )
        for i in range(robots)
    ]
    for proc in procs:
        proc.start()
    typer.echo(f"{robots} simulated robots grasping in '{variation}' and reporting; Ctrl-C to stop")
    signal.signal(signal.SIGTERM, _interrupt)  # a terminated fleet stops its robots too
    try:
        thread.join()
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        for proc in procs:
            proc.terminate()
        server.should_exit = True
        thread.join(10)
