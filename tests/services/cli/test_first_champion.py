"""`qtopt run` seeds the champion with the shipped base policy only when the database has none."""

from pathlib import Path

from services.cli.fleet import _prepare
from services.db.session import make_engine, make_sessionmaker, session_scope
from services.domain import policies
from services.settings import ServiceSettings
from tests.services.service.conftest import tiny_checkpoint


def _champion_path(settings: ServiceSettings) -> str | None:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            champion = policies.champion(session)
            return None if champion is None else champion.checkpoint_path
    finally:
        engine.dispose()


def test_first_champion_is_promoted_once_and_never_replaces_a_champion(tmp_path: Path) -> None:
    settings = ServiceSettings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=str(tmp_path))
    first, other = tiny_checkpoint(tmp_path / "first"), tiny_checkpoint(tmp_path / "other")
    robot_key, viewer_key = _prepare(settings, None, first)
    assert robot_key != viewer_key
    assert _champion_path(settings) == str(first.resolve())
    _prepare(settings, None, first)  # a second `make run`: nothing registered twice, no error
    _prepare(settings, None, other)
    assert _champion_path(settings) == str(first.resolve())
    _prepare(settings, other, None)  # an explicit champion is promoted
    assert _champion_path(settings) == str(other.resolve())
