"""Settings of the lineage service (pydantic-settings): environment variables `QTOPT_*` or a `.env` file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///runs/service/qtopt.db"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QTOPT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL: a SQLite file or PostgreSQL"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: str = Field(
        default="runs/service", description="job folders (grasp logs, checkpoints) live here"
    )
    base_log: str | None = Field(default=None, description="base grasp log mixed 50/50 into fine-tuning")
    run_jobs: bool = Field(default=True, description="false: adaptations are queued but not run here")
    job_backend: Literal["thread", "ray"] = "thread"
    ray_address: str | None = None
    dashboard_refresh_s: float = Field(default=5.0, gt=0)
    max_batch: int = Field(default=1000, ge=1, description="most outcomes in one ingest request")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(("sqlite", "postgresql")):
            raise ValueError(f"database_url must be a sqlite:// or postgresql:// URL, got {url!r}")
        return url
