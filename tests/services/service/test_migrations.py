"""Alembic: the migrations build the models' schema exactly (`alembic check` finds no drift), both ways."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect

from services.db.migrate import INI, alembic_config, check, upgrade
from services.db.models import Base
from services.db.session import normalise_url


def test_migrations_match_the_models_with_no_drift(database_url: str) -> None:
    upgrade(database_url)
    check(database_url)  # raises on any difference between models and database
    engine = create_engine(normalise_url(database_url))
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    upgrade(url)
    check(url)


def test_the_alembic_command_line_reports_no_drift(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    alembic = Path(sys.executable).with_name("alembic")
    result = subprocess.run(
        [str(alembic), "-c", str(INI), "check"],
        env={"QTOPT_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr
