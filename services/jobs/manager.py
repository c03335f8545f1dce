"""Where jobs run: a background thread in the service (default) or a Ray task (local Ray by default).

One job at a time per service: the pipeline already uses every core it is given. On start, the manager
recovers: jobs caught mid-stage by a restart are marked failed with the reason, queued jobs are run.
"""

from __future__ import annotations

import logging
import os
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import RUNNING_STATES, AdaptationJob, JobState, utcnow
from services.db.session import make_engine, make_sessionmaker, session_scope
from services.jobs.execute import execute_job
from services.jobs.protocol import AdaptationPipeline
from services.jobs.sim_pipeline import SimAdaptationPipeline
from services.settings import ServiceSettings

log = logging.getLogger(__name__)


def _run_in_ray_worker(url: str, job_id: int, data_dir: str, base_log: str | None) -> str:
    engine = make_engine(url)
    try:
        state = execute_job(make_sessionmaker(engine), job_id, SimAdaptationPipeline(), data_dir, base_log)
    finally:
        engine.dispose()
    return state.value


class JobManager:
    def __init__(
        self,
        settings: ServiceSettings,
        sessions: sessionmaker[Session],
        pipeline: AdaptationPipeline | None = None,
    ) -> None:
        self.settings, self.sessions = settings, sessions
        self.pipeline = pipeline or SimAdaptationPipeline()
        self._threads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adaptation")
        self._futures: list[Future[Any]] = []
        self._ray_started = False

    def recover(self) -> list[int]:
        """Mark jobs that were mid-stage at the last stop as failed; re-submit queued ones."""
        with session_scope(self.sessions) as session:
            jobs = session.scalars(select(AdaptationJob).where(AdaptationJob.state.in_(RUNNING_STATES))).all()
            for job in jobs:
                job.error = f"the service restarted while the job was {job.state.value}; it was not resumed"
                job.state, job.finished_at, job.updated_at = JobState.failed, utcnow(), utcnow()
            queued = session.scalars(select(AdaptationJob.id).where(AdaptationJob.state == JobState.queued))
            queued_ids = list(queued)
        for job_id in queued_ids:
            self.submit(job_id)
        return [job.id for job in jobs]

    def submit(self, job_id: int) -> None:
        if not self.settings.run_jobs:
            return  # queued for a service that runs jobs
        if self.settings.job_backend == "ray":
            self._submit_ray(job_id)
            return
        future = self._threads.submit(
            execute_job, self.sessions, job_id, self.pipeline, self.settings.data_dir, self.settings.base_log
        )
        self._futures.append(future)

    def _submit_ray(self, job_id: int) -> None:
        import ray

        if not ray.is_initialized():
            temp = os.path.join(tempfile.gettempdir(), f"qtopt_ray_{os.getpid()}")
            if self.settings.ray_address:
                ray.init(address=self.settings.ray_address)
            else:  # embedded local Ray, its files under a short temp path (AF_UNIX path limit)
                ray.init(_temp_dir=temp, include_dashboard=False, log_to_driver=False)
            self._ray_started = True
        remote = ray.remote(num_cpus=1)(_run_in_ray_worker)
        url = self.settings.database_url
        self._futures.append(
            remote.remote(url, job_id, self.settings.data_dir, self.settings.base_log).future()
        )

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every submitted job (tests and shutdown)."""
        for future in list(self._futures):
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self._ray_started:
            import ray

            ray.shutdown()
