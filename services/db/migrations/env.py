"""Alembic environment: the URL is the config's `sqlalchemy.url` if set, else the service settings'."""

from __future__ import annotations

from alembic import context

from services.db.models import Base
from services.db.session import make_engine


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from services.settings import ServiceSettings

    return ServiceSettings().database_url


def run_migrations() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
