"""The service's database: typed SQLAlchemy 2 models, engine and sessions, Alembic migrations."""
