"""Robots and variations are named by their reporters; rows are created on first sight (race-free)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.db.models import Robot, Variation


def insert_ignoring_duplicates(session: Session, model: type, rows: list[dict[str, object]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL; returns the rows actually inserted.

    Every row must have the same keys. On SQLite: one cached statement executed with many parameter sets
    (SQLAlchemy's insertmanyvalues batches them). On PostgreSQL: one statement whatever the batch size,
    `INSERT ... SELECT FROM unnest(array per column)`, which plans once and sends each column as one array
    (about half the time of a multi-row VALUES for a batch of 50). Both RETURN the keys that went in."""
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
    keys = table.primary_key.columns
    if session.get_bind().dialect.name == "postgresql":
        columns = [table.c[name] for name in rows[0]]
        arrays = [
            bindparam(c.name, [row[c.name] for row in rows], type_=postgresql.ARRAY(c.type)) for c in columns
        ]
        source = func.unnest(*arrays).table_valued(*(c.name for c in columns)).render_derived("src")
        statement = (
            postgresql.insert(table)
            .from_select([c.name for c in columns], select(*(source.c[c.name] for c in columns)))
            .on_conflict_do_nothing()
            .returning(*keys)
        )
        return len(session.connection().execute(statement).all())
    statement = sqlite.insert(table).on_conflict_do_nothing().returning(*keys)
    return len(session.connection().execute(statement, rows).all())


def ids_by_name(
    session: Session, model: type[Robot] | type[Variation], names: Iterable[str]
) -> dict[str, int]:
    """Ids of the named rows, creating the missing ones. Names are almost always known already, so this
    SELECTs first and INSERTs only what is new (an INSERT ... ON CONFLICT on a known name still takes a
    row lock, which serialises concurrent batches from robots that share a variation)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    found = _lookup(session, model, wanted)
    new = [name for name in wanted if name not in found]
    if new:
        insert_ignoring_duplicates(session, model, [{"name": name} for name in new])
        found |= _lookup(session, model, new)
    return found


def _lookup(session: Session, model: type[Robot] | type[Variation], names: list[str]) -> dict[str, int]:
    rows = session.execute(select(model.name, model.id).where(model.name.in_(names))).all()
    return {name: ident for name, ident in rows}
