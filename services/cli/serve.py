"""`qtopt serve` (the lineage service alone), `qtopt keys create` (the first admin key and others) and
`qtopt policy register|promote` (seed the lineage from a checkpoint folder without the HTTP API)."""

from __future__ import annotations

from pathlib import Path

import typer

keys_app = typer.Typer(help="API keys of the lineage service.", no_args_is_help=True)
policy_app = typer.Typer(help="Policies in the lineage service's database.", no_args_is_help=True)

DB_HELP = "SQLAlchemy URL (default: QTOPT_DATABASE_URL or sqlite:///runs/service/qtopt.db)"


def _settings(database_url: str | None, **overrides: object) -> object:
    from pydantic import ValidationError

    from services.settings import ServiceSettings

    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    try:
        return ServiceSettings(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise typer.BadParameter(str(exc)) from exc


def serve_command(
    host: str = typer.Option(None, help="bind address (default 127.0.0.1)"),
    port: int = typer.Option(None, min=1, max=65535, help="port (default 8000)"),
    database_url: str = typer.Option(None, "--db-url", help=DB_HELP),
    job_backend: str = typer.Option(
        None, help="'thread' (default) or 'ray' (local Ray unless --ray-address)"
    ),
    ray_address: str = typer.Option(None, help="an existing Ray cluster for adaptation jobs"),
) -> None:
    """Start the lineage service and dashboard (http://HOST:PORT/dashboard)."""
    import uvicorn

    from services.api.app import create_app
    from services.settings import ServiceSettings

    settings = _settings(database_url, host=host, port=port, job_backend=job_backend, ray_address=ray_address)
    assert isinstance(settings, ServiceSettings)
    typer.echo(
        f"dashboard: http://{settings.host}:{settings.port}/dashboard  database: {settings.database_url}"
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")


def _sessions(database_url: str | None):  # type: ignore[no-untyped-def]
    from services.db.migrate import upgrade
    from services.db.session import make_engine, make_sessionmaker
    from services.settings import ServiceSettings

    settings = _settings(database_url)
    assert isinstance(settings, ServiceSettings)
    upgrade(settings.database_url)
    return make_sessionmaker(make_engine(settings.database_url))


@keys_app.command("create")
def create_key_command(
    name: str = typer.Argument(..., help="a name for the key (who or what holds it)"),
    role: str = typer.Option("admin", help="admin, operator, viewer or robot"),
    database_url: str = typer.Option(None, "--db-url", help=DB_HELP),
) -> None:
    """Create an API key and print it once (only its sha256 is stored). Use it for the first admin key."""
    from services.auth.keys import create_key
    from services.db.models import Role
    from services.db.session import session_scope

    if role not in {r.value for r in Role}:
        raise typer.BadParameter(f"{role!r}: use one of {[r.value for r in Role]}", param_hint="--role")
    try:
        with session_scope(_sessions(database_url)) as session:
            key = create_key(session, name, role)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="NAME") from exc
    typer.echo(key)


@policy_app.command("register")
def register_command(
    checkpoint: Path = typer.Argument(..., help="checkpoint folder"),
    name: str = typer.Option(None, help="display name (default: the folder's name)"),
    champion: bool = typer.Option(False, "--champion", help="also promote it to champion"),
    database_url: str = typer.Option(None, "--db-url", help=DB_HELP),
) -> None:
    """Register a checkpoint as a lineage node (candidate), optionally promoting it to champion."""
    from services.db.session import session_scope
    from services.domain.policies import PolicyError, register_checkpoint
    from services.domain.promotion import promote

    try:
        with session_scope(_sessions(database_url)) as session:
            policy = register_checkpoint(session, checkpoint, name)
            if champion:
                promote(session, policy.id, "cli", {"note": "registered as champion from the command line"})
            typer.echo(policy.id)
    except PolicyError as exc:
        raise typer.BadParameter(str(exc), param_hint="CHECKPOINT") from exc
