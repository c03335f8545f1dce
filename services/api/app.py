"""The service: FastAPI app with the API under /api and the dashboard under /dashboard."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from services.api import jobs, keys, outcomes, policies
from services.dashboard import routes as dashboard
from services.db.migrate import upgrade
from services.db.session import make_engine, make_sessionmaker
from services.jobs.manager import JobManager
from services.jobs.protocol import AdaptationPipeline
from services.settings import ServiceSettings

STATIC = Path(__file__).resolve().parent.parent / "dashboard" / "static"


def create_app(
    settings: ServiceSettings | None = None, pipeline: AdaptationPipeline | None = None
) -> FastAPI:
    settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        app.state.settings = settings
        app.state.sessions = make_sessionmaker(engine)
        app.state.jobs = JobManager(settings, app.state.sessions, pipeline)
        app.state.jobs.recover()
        try:
            yield
        finally:
            app.state.jobs.shutdown()
            engine.dispose()

    app = FastAPI(
        title="qtopt lineage service",
        version="0.1.0",
        description="Grasp outcomes, success rates with 95% Wilson intervals, policy lineage, promotion, "
        "adaptation jobs. Every /api call needs an X-API-Key header (roles robot, operator, viewer, admin).",
        lifespan=lifespan,
    )
    for module in (outcomes, policies, jobs, keys):
        app.include_router(module.router)
    app.include_router(dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard")

    return app
