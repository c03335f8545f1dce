"""Robots and variations are named by their reporters; rows are created on first sight (race-free)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.db.models import Robot, Variation


def insert_ignoring_duplicates(session: Session, model: type, rows: list[dict[str, object]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns the rows actually inserted.

    One cached statement executed with many parameter sets (SQLAlchemy's insertmanyvalues batches them),
    RETURNING the keys of the rows that went in."""
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return len(session.connection().execute(statement, rows).all())


def ids_by_name(
    session: Session, model: type[Robot] | type[Variation], names: Iterable[str]
) -> dict[str, int]:
    wanted = sorted(set(names))
    if not wanted:
        return {}
    insert_ignoring_duplicates(session, model, [{"name": name} for name in wanted])
    rows = session.execute(select(model.name, model.id).where(model.name.in_(wanted))).all()
    return {name: ident for name, ident in rows}
